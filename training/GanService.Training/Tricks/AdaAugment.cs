using System.Text.Json.Serialization;

namespace GanService.Training.Tricks;

/// <summary>
/// Adaptive discriminator augmentation's options (Karras et al. 2020, "Training Generative Adversarial Networks with
/// Limited Data"; numbers from NVlabs stylegan2-ada-pytorch train.py / training_loop.py). A family holds one of these
/// as its <c>augmentation</c> record; its keys are set by their own names (<c>--set ada=true</c>).
/// </summary>
public sealed record AdaOptions
{
    public bool Ada { get; init; }                      // adapt p from r_t; false with augmentP > 0 = fixed p
    public double AdaTarget { get; init; } = 0.6;       // the r_t that p steers toward (NVlabs ada_target)
    public int AdaInterval { get; init; } = 4;          // steps between adjustments (NVlabs ada_interval)
    public double AdaKimg { get; init; } = 500;         // p can move 0 → 1 in this many thousand real images (NVlabs ada_kimg)
    public string AugmentPipe { get; init; } = "bgc";   // NVlabs augpipe name (bgc, bgcfnc, …) or letters; see AugmentGroups.Parse
    public double AugmentP { get; init; }               // p at the start of a run; the whole run's p when ada is false

    /// <summary>The `gan train` flags of these options, the same in every family that trains with ADA.</summary>
    public static IReadOnlyList<Training.FamilyFlag> Flags { get; } =
    [
        new("--ada", "ada", "adaptive discriminator augmentation, StyleGAN2-ADA (true | false)"),
        new("--ada-target", "adaTarget", "r_t = E[sign(D(real))] that ADA steers p toward"),
        new("--ada-kimg", "adaKimg", "thousands of real images in which ADA can move p from 0 to 1"),
        new("--augment-pipe", "augmentPipe", "ADA groups: NVlabs's names (bgc, bgcf, bgcfn, bgcfnc, blit, geom, color, filter, noise, cutout) or letters b g c f n"),
        new("--augment-p", "augmentP", "augmentation probability: the start with --ada, fixed without"),
    ];

    /// <summary>Whether D sees augmented images at all (adaptive, or a fixed p above zero).</summary>
    [JsonIgnore] public bool Enabled => Ada || AugmentP > 0;

    /// <summary>What is wrong with these options for <paramref name="imageChannels"/>-channel images (null: nothing).</summary>
    public string? Problem(int imageChannels)
    {
        var problems = new List<string>();
        if (AugmentGroups.Parse(AugmentPipe, out _) is { } pipe) problems.Add(pipe);
        if (AdaTarget is <= -1 or >= 1) problems.Add($"adaTarget {AdaTarget} must lie in (−1, 1) (it is a mean of signs)");
        if (AdaInterval < 1) problems.Add($"adaInterval {AdaInterval} must be at least 1");
        if (AdaKimg <= 0) problems.Add($"adaKimg {AdaKimg} must be above 0");
        if (AugmentP is < 0 or > 1) problems.Add($"augmentP {AugmentP} must lie in [0, 1]");
        if (Enabled && AugmentGroups.Parse(AugmentPipe, out var groups) is null && groups.Colour && imageChannels is not (1 or 3))
            problems.Add($"the colour group needs 1 or 3 image channels, not {imageChannels}");
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}

/// <summary>Which of the paper's groups a pipeline string turns on (NVlabs train.py augpipe_specs; in every named
/// pipeline each transform's probability multiplier is 1, so each is applied with probability p).</summary>
public readonly record struct AugmentGroups(bool Blit, bool Geometric, bool Colour, bool Filter = false, bool Noise = false, bool Cutout = false)
{
    /// <summary>NVlabs's pipeline names (train.py --augpipe), each to its groups.</summary>
    public static readonly IReadOnlyDictionary<string, AugmentGroups> Named = new Dictionary<string, AugmentGroups>(StringComparer.OrdinalIgnoreCase)
    {
        ["blit"] = new(true, false, false),
        ["geom"] = new(false, true, false),
        ["color"] = new(false, false, true),
        ["filter"] = new(false, false, false, Filter: true),
        ["noise"] = new(false, false, false, Noise: true),
        ["cutout"] = new(false, false, false, Cutout: true),
        ["bg"] = new(true, true, false),
        ["bgc"] = new(true, true, true),
        ["bgcf"] = new(true, true, true, Filter: true),
        ["bgcfn"] = new(true, true, true, Filter: true, Noise: true),
        ["bgcfnc"] = new(true, true, true, Filter: true, Noise: true, Cutout: true),
    };

    private const string Known = "NVlabs's names (blit, geom, color, filter, noise, cutout, bg, bgc, bgcf, bgcfn, bgcfnc) or letters b (x-flip, " +
        "90° rotation, integer translation), g (scaling, rotation, anisotropy, fractional translation), c (brightness, contrast, " +
        "luma flip, hue, saturation), f (image-space filtering), n (additive RGB noise), joined by ',' (e.g. bg,cutout)";

    /// <summary>Reads a pipeline: parts joined by ',', each one of NVlabs's names or letters b, g, c, f, n each once
    /// ("gc", "bgf"); cutout has no letter, because NVlabs's 'bgcfnc' spells it with a second c. Each group at most once.
    /// Returns the problem, or null.</summary>
    public static string? Parse(string pipe, out AugmentGroups groups)
    {
        groups = default;
        if (string.IsNullOrWhiteSpace(pipe)) return $"augmentPipe is empty; use {Known}";
        var result = default(AugmentGroups);
        foreach (var part in pipe.Split(',', StringSplitOptions.TrimEntries))
        {
            AugmentGroups these;
            if (Named.TryGetValue(part, out var named)) these = named;
            else
            {
                if (part.Length == 0) return $"augmentPipe '{pipe}' has an empty part";
                foreach (char ch in part)
                {
                    if (ch is not ('b' or 'g' or 'c' or 'f' or 'n')) return $"augmentPipe '{pipe}': unknown group '{ch}'; known: {Known}";
                    if (part.IndexOf(ch) != part.LastIndexOf(ch)) return $"augmentPipe '{pipe}': group '{ch}' given twice";
                }
                these = new(part.Contains('b'), part.Contains('g'), part.Contains('c'), part.Contains('f'), part.Contains('n'));
            }
            if ((result.Blit && these.Blit) || (result.Geometric && these.Geometric) || (result.Colour && these.Colour) ||
                (result.Filter && these.Filter) || (result.Noise && these.Noise) || (result.Cutout && these.Cutout))
                return $"augmentPipe '{pipe}': a group given twice";
            result = new(result.Blit || these.Blit, result.Geometric || these.Geometric, result.Colour || these.Colour,
                result.Filter || these.Filter, result.Noise || these.Noise, result.Cutout || these.Cutout);
        }
        groups = result;
        return null;
    }
}

/// <summary>
/// StyleGAN2-ADA's augmentation pipeline and its p controller, for any family (Karras et al. 2020; NVlabs
/// stylegan2-ada-pytorch training/augment.py): every image D sees — reals and fakes, in D's main and regularisation
/// passes — goes through <see cref="Apply"/>, differentiable in the images so G's gradient (and R1's double backward)
/// flows through it. Each transform is applied to each image with probability p (every multiplier 1, as the paper's
/// 'bgc'):
/// <list type="bullet">
/// <item>blit: x-flip, rotation by k·90°, integer translation up to 1/8 of the size (reflected at the borders);</item>
/// <item>geometric: isotropic scaling (log2 σ 0.2), rotation before and after an anisotropic scaling (log2 σ 0.2; each
/// rotation with 1 − √(1 − p), so one of the two happens with p), fractional translation (σ 1/8 of the size);</item>
/// <item>colour, on [−1, 1] images: brightness (σ 0.2), contrast (log2 σ 0.5), luma flip, hue rotation about the grey
/// axis (up to ±180°), saturation (log2 σ 1);</item>
/// <item>filter (optional, 'f'): each of four octave bands of a sym2 wavelet filter bank amplified by 2^N(0, 1)
/// (imgfilter_std 1, each band with p), the gains renormalised to the expected power of a 1/f image, applied as one
/// separable symmetric filter (<see cref="FilterBank"/>, <see cref="Filter"/>);</item>
/// <item>noise (optional, 'n'): additive Gaussian RGB noise, σ = |N(0, 1)| · 0.1 per image (noise_std);</item>
/// <item>cutout (optional, NVlabs's last 'c' of 'bgcfnc'): a rectangle half the image's width and height (cutout_size
/// 0.5), centred uniformly in the image, set to 0.</item>
/// </list>
/// <see cref="AdaOptions.AugmentPipe"/> takes NVlabs's names (bgc, bgcfnc, …; <see cref="AugmentGroups.Parse"/>).
/// p is a buffer of this module, so it is saved with the checkpoint as network "augment" and a resumed run continues it.
/// With <see cref="AdaOptions.Ada"/>, the family reports D's logits on augmented reals (<see cref="Observe"/>) and the
/// training loop calls <see cref="EndStep"/> after each step: every <c>adaInterval</c> steps
/// r_t = E[sign(D(real))] over those steps, and p += sign(r_t − target) · (images seen) / (adaKimg · 1000).
/// <para>Deviations from NVlabs, on purpose:</para>
/// <list type="bullet">
/// <item>The blit group is exact index arithmetic (flip, rot90, a reflected gather) applied before the geometric
/// resample, where NVlabs folds it into one matrix: a blit moves pixels without interpolation, so it can be inverted
/// bit for bit (tested).</item>
/// <item>The geometric group is one bilinear resample whose source coordinates are reflected at the borders, written
/// with gathers (exact second derivatives for R1) — NVlabs pads by reflection, upsamples ×2 with a sym6 wavelet filter,
/// calls grid_sample and filters down again. Without that anti-aliasing a down-scale can alias a little.</item>
/// <item>p is clamped to [0, 1] (NVlabs only clamps below; above 1 every transform is on anyway, and a p held at 1 can
/// start to fall on the first low r_t).</item>
/// <item>The first adjustment comes after <c>adaInterval</c> steps' statistics, as NVlabs; the statistics are kept in
/// buffers too, so a resume mid-interval loses nothing.</item>
/// <item>The filter group is NVlabs's (sym2 bank, same gains, same normalisation, a separable pass along rows then
/// columns) written as shifted multiply-adds instead of a grouped conv2d, so its numbers never depend on a convolution
/// backend (docs/platform.md) and its second derivatives are exact; its reflected border repeats the reflection for
/// images smaller than the 43-tap bank (NVlabs's single reflect pad needs 22 pixels or more). Only the geometric group
/// uses NVlabs's sym6 wavelet (the ×2 upsample around grid_sample, see above); filtering never resamples.</item>
/// <item>Noise and cutout leave an image none of whose draws chose it bit for bit (a <c>where</c>), where NVlabs adds
/// 0 · noise and multiplies by an all-ones mask; the values are the same.</item>
/// </list>
/// Each draw comes from this module's own generator (seeded from the run's seed and step), so turning augmentation on
/// leaves the family's other random streams as they were, and at p = 0 <see cref="Apply"/> returns its input.
/// </summary>
public sealed class AdaAugment : nn.Module<Tensor, Tensor>
{
    /// <summary>The checkpoint name of this module among the trainer's networks (augment.weights).</summary>
    public const string NetworkName = "augment";

    // Distribution widths (NVlabs AugmentPipe defaults).
    private const double XintMax = 0.125, ScaleStd = 0.2, RotateMax = 1, AnisoStd = 0.2, XfracStd = 0.125;
    private const double BrightnessStd = 0.2, ContrastStd = 0.5, HueMax = 1, SaturationStd = 1;
    private const double FilterStd = 1, NoiseStd = 0.1, CutoutSize = 0.5;
    // Daubechies sym2 low-pass decomposition coefficients (NVlabs augment.py wavelets['sym2'], as PyWavelets), and the
    // power a 1/f image has in each of the filter bank's four bands (NVlabs expected_power). Declared before
    // FilterBank, whose initialiser reads them.
    private static readonly double[] Sym2 = [-0.12940952255092145, 0.22414386804185735, 0.836516303737469, 0.48296291314469025];
    private static readonly double[] ExpectedPower = [10 / 13.0, 1 / 13.0, 1 / 13.0, 1 / 13.0];

    // Buffers (float64, CPU): the checkpointed state of the controller.
    private readonly Tensor p;
    private readonly Tensor sign_sum, sign_count, images_seen, batches_seen;
    private readonly AugmentGroups _groups;
    private readonly int _seed;
    private torch.Generator _rng;

    public AdaOptions Options { get; }

    public AdaAugment(AdaOptions options, int seed) : base(nameof(AdaAugment))
    {
        if (AugmentGroups.Parse(options.AugmentPipe, out _groups) is { } problem) throw new ArgumentException(problem);
        Options = options;
        _seed = seed;
        _rng = new torch.Generator(StreamSeed(seed, 0));
        p = torch.tensor(options.AugmentP, ScalarType.Float64);
        sign_sum = torch.zeros([], ScalarType.Float64);
        sign_count = torch.zeros([], ScalarType.Float64);
        images_seen = torch.zeros([], ScalarType.Float64);
        batches_seen = torch.zeros([], ScalarType.Float64);
        register_buffer("p", p);
        register_buffer("sign_sum", sign_sum);
        register_buffer("sign_count", sign_count);
        register_buffer("images_seen", images_seen);
        register_buffer("batches_seen", batches_seen);
    }

    // Its own stream, apart from the family's (the offset keeps it off the seeds families use: seed + 5, + 17, …).
    private static ulong StreamSeed(int seed, long step) => unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 0xADA + (ulong)step);

    /// <summary>The augmentation probability now.</summary>
    public double P => p.item<double>();

    /// <summary>Sets p (tests, and a family that schedules p itself).</summary>
    public void SetP(double value)
    {
        using var _ = torch.no_grad();
        p.fill_(Math.Clamp(value, 0, 1));
    }

    /// <summary>Starts the controller over for a new discriminator: p back to the options' augmentP and the statistics of
    /// an unfinished interval dropped (a family whose phases train one D after another, as StackGAN's stages).</summary>
    public void Restart()
    {
        using var _ = torch.no_grad();
        p.fill_(Options.AugmentP);
        sign_sum.zero_(); sign_count.zero_(); images_seen.zero_(); batches_seen.zero_();
    }

    /// <summary>Re-seeds the draws for a run resumed at <paramref name="step"/> (the generator is not checkpointed).</summary>
    public void Reseed(long step)
    {
        _rng.Dispose();
        _rng = new torch.Generator(StreamSeed(_seed, step));
    }

    public override Tensor forward(Tensor images) => Apply(images);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _rng.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>(B, C, H, W) images in [−1, 1] → the same shape, each transform applied with probability p. At p = 0
    /// the input itself comes back; an image none of whose transforms were drawn comes back bit for bit.</summary>
    public Tensor Apply(Tensor images)
    {
        if (images.dim() != 4) throw new ArgumentException($"AdaAugment expects (B, C, H, W) images, got {images.dim()} dimensions");
        double prob = P;
        if (prob <= 0) return images;
        int b = (int)images.shape[0];
        var x = images;
        if (_groups.Blit) x = DrawBlit(x, b, prob);
        if (_groups.Geometric) x = DrawGeometric(x, b, prob);
        if (_groups.Colour) x = DrawColour(x, b, prob);
        if (_groups.Filter) x = DrawFilter(x, b, prob);
        if (_groups.Noise) x = DrawNoise(x, b, prob);
        if (_groups.Cutout) x = DrawCutout(x, b, prob);
        return x;
    }

    /// <summary>Adds one step's D logits on augmented reals (any shape, batch first) to r_t's statistics.</summary>
    public void Observe(Tensor realLogits)
    {
        using var _ = torch.no_grad();
        double signs = realLogits.detach().sign().to_type(ScalarType.Float64).sum().cpu().item<double>();
        sign_sum.add_(signs);
        sign_count.add_(realLogits.numel());
        images_seen.add_(realLogits.shape[0]);
        batches_seen.add_(1);
    }

    /// <summary>What the step just taken leaves to log: p after any adjustment, and r_t when this step closed an
    /// interval (else NaN, as for a phase that did not run).</summary>
    public readonly record struct Report(double P, double Rt);

    /// <summary>Called once after every step (the training loop does): every <see cref="AdaOptions.AdaInterval"/>
    /// observed steps it computes r_t and, when adaptive, moves p by sign(r_t − target) · images / (adaKimg · 1000).</summary>
    public Report EndStep()
    {
        using var _ = torch.no_grad();
        if (batches_seen.item<double>() < Options.AdaInterval || sign_count.item<double>() <= 0) return new Report(P, double.NaN);
        double rt = sign_sum.item<double>() / sign_count.item<double>();
        if (Options.Ada)
        {
            double adjust = Math.Sign(rt - Options.AdaTarget) * images_seen.item<double>() / (Options.AdaKimg * 1000);
            p.fill_(Math.Clamp(P + adjust, 0, 1));
        }
        sign_sum.zero_(); sign_count.zero_(); images_seen.zero_(); batches_seen.zero_();
        return new Report(P, rt);
    }

    /// <summary>The step's logged scalars with p ("augment_p") and r_t ("r_t") added.</summary>
    public IReadOnlyDictionary<string, double> EndStep(IReadOnlyDictionary<string, double> losses)
    {
        var report = EndStep();
        return new Dictionary<string, double>(losses) { [PKey] = report.P, [RtKey] = report.Rt };
    }

    public const string PKey = "augment_p", RtKey = "r_t";

    // ---- draws: parameters per image from this module's generator, composed in double precision on the host ----

    private float[] Uniform(int n) => torch.rand([n], generator: _rng).data<float>().ToArray();
    private float[] Normal(int n) => torch.randn([n], generator: _rng).data<float>().ToArray();
    private bool[] Chosen(int n, double prob) => Uniform(n).Select(u => u < prob).ToArray();

    private Tensor DrawBlit(Tensor x, int b, double prob)
    {
        long h = x.shape[2], w = x.shape[3];
        // x-flip: chosen with p, then flipped half the time (NVlabs: floor(2u)).
        var flipHalf = Uniform(b); var flipChosen = Chosen(b, prob);
        var flip = Enumerable.Range(0, b).Select(i => flipChosen[i] && flipHalf[i] >= 0.5f).ToArray();
        // rot90: k uniform in 0…3 when chosen.
        var rotK = Uniform(b); var rotChosen = Chosen(b, prob);
        var quarter = Enumerable.Range(0, b).Select(i => rotChosen[i] ? Math.Min(3, (long)Math.Floor(rotK[i] * 4.0)) : 0).ToArray();
        // Integer translation: uniform in ±1/8 of the size, rounded to pixels.
        var tu = Uniform(2 * b); var tChosen = Chosen(b, prob);
        var tx = Enumerable.Range(0, b).Select(i => tChosen[i] ? (long)Math.Round((tu[2 * i] * 2 - 1) * XintMax * w) : 0).ToArray();
        var ty = Enumerable.Range(0, b).Select(i => tChosen[i] ? (long)Math.Round((tu[2 * i + 1] * 2 - 1) * XintMax * h) : 0).ToArray();

        if (flip.Any(f => f)) x = XFlip(x, torch.tensor(flip, device: x.device));
        if (quarter.Any(k => k != 0)) x = Rotate90(x, torch.tensor(quarter, device: x.device));
        if (tx.Any(t => t != 0) || ty.Any(t => t != 0)) x = IntegerTranslate(x, torch.tensor(tx, device: x.device), torch.tensor(ty, device: x.device));
        return x;
    }

    private Tensor DrawGeometric(Tensor x, int b, double prob)
    {
        long h = x.shape[2], w = x.shape[3];
        // NVlabs's order of draws; each matrix is output pixel → input pixel, composed left to right.
        var scale = Normal(b); var scaleChosen = Chosen(b, prob);
        double pRot = 1 - Math.Sqrt(Math.Clamp(1 - prob, 0, 1)); // P(pre or post rotation) = p
        var rot1 = Uniform(b); var rot1Chosen = Chosen(b, pRot);
        var aniso = Normal(b); var anisoChosen = Chosen(b, prob);
        var rot2 = Uniform(b); var rot2Chosen = Chosen(b, pRot);
        var frac = Normal(2 * b); var fracChosen = Chosen(b, prob);

        var inverse = new float[b * 9];
        var active = new bool[b];
        for (int i = 0; i < b; i++)
        {
            var m = Affine.Identity;
            if (scaleChosen[i]) { double s = Math.Pow(2, scale[i] * ScaleStd); m *= Affine.Scale(1 / s, 1 / s); }
            if (rot1Chosen[i]) m *= Affine.Rotate((rot1[i] * 2 - 1) * Math.PI * RotateMax);
            if (anisoChosen[i]) { double s = Math.Pow(2, aniso[i] * AnisoStd); m *= Affine.Scale(1 / s, s); }
            if (rot2Chosen[i]) m *= Affine.Rotate((rot2[i] * 2 - 1) * Math.PI * RotateMax);
            if (fracChosen[i]) m *= Affine.Translate(-frac[2 * i] * XfracStd * w, -frac[2 * i + 1] * XfracStd * h);
            active[i] = scaleChosen[i] || rot1Chosen[i] || anisoChosen[i] || rot2Chosen[i] || fracChosen[i];
            m.CopyTo(inverse, i * 9);
        }
        if (!active.Any(a => a)) return x;
        var matrices = torch.tensor(inverse, [b, 3, 3], device: x.device).to_type(x.dtype);
        var moved = Resample(x, matrices);
        return torch.where(torch.tensor(active, device: x.device).reshape(b, 1, 1, 1), moved, x);
    }

    private Tensor DrawColour(Tensor x, int b, double prob)
    {
        long c = x.shape[1];
        if (c is not (1 or 3)) throw new ArgumentException($"the colour group needs 1 or 3 channels, not {c}");
        var bright = Normal(b); var brightChosen = Chosen(b, prob);
        var contrast = Normal(b); var contrastChosen = Chosen(b, prob);
        var luma = Uniform(b); var lumaChosen = Chosen(b, prob);
        var hue = Uniform(b); var hueChosen = Chosen(b, prob);
        var sat = Normal(b); var satChosen = Chosen(b, prob);

        var matrices = new float[b * 16];
        var active = new bool[b];
        for (int i = 0; i < b; i++)
        {
            // Each matrix maps colour in → colour out, so each new one multiplies from the left.
            var m = ColourMatrix.Identity;
            if (brightChosen[i]) { double v = bright[i] * BrightnessStd; m = ColourMatrix.Translate(v) * m; }
            if (contrastChosen[i]) m = ColourMatrix.Scale(Math.Pow(2, contrast[i] * ContrastStd)) * m;
            if (lumaChosen[i] && luma[i] >= 0.5f) m = ColourMatrix.LumaFlip * m;
            if (hueChosen[i] && c > 1) m = ColourMatrix.HueRotate((hue[i] * 2 - 1) * Math.PI * HueMax) * m;
            if (satChosen[i] && c > 1) m = ColourMatrix.Saturate(Math.Pow(2, sat[i] * SaturationStd)) * m;
            active[i] = brightChosen[i] || contrastChosen[i] || (lumaChosen[i] && luma[i] >= 0.5f) || (c > 1 && (hueChosen[i] || satChosen[i]));
            m.CopyTo(matrices, i * 16);
        }
        if (!active.Any(a => a)) return x;
        var moved = ColourTransform(x, torch.tensor(matrices, [b, 4, 4], device: x.device).to_type(x.dtype));
        return torch.where(torch.tensor(active, device: x.device).reshape(b, 1, 1, 1), moved, x);
    }

    private Tensor DrawFilter(Tensor x, int b, double prob)
    {
        var gains = Enumerable.Repeat(1.0, b * FilterBands).ToArray();
        var active = new bool[b];
        for (int band = 0; band < FilterBands; band++)
        {
            // NVlabs: for each band, t_i = 2^N(0, σ) with p (band multiplier 1), in a gain vector of ones normalised
            // to unit expected power, multiplied into the image's gains.
            var t = Normal(b); var chosen = Chosen(b, prob);
            for (int i = 0; i < b; i++)
            {
                if (!chosen[i]) continue;
                active[i] = true;
                var vector = FilterGainVector(band, Math.Pow(2, t[i] * FilterStd));
                for (int j = 0; j < FilterBands; j++) gains[i * FilterBands + j] *= vector[j];
            }
        }
        if (!active.Any(a => a)) return x;
        var filtered = Filter(x, torch.tensor(gains.Select(g => (float)g).ToArray(), [b, FilterBands], device: x.device).to_type(x.dtype));
        return torch.where(torch.tensor(active, device: x.device).reshape(b, 1, 1, 1), filtered, x);
    }

    /// <summary>The gain vector of one band's draw: ones with <paramref name="gain"/> at <paramref name="band"/>,
    /// divided by √(Σ expected power · t²) (NVlabs's normalisation; expected power 10:1:1:1 / 13, a 1/f spectrum).</summary>
    public static double[] FilterGainVector(int band, double gain)
    {
        var t = Enumerable.Repeat(1.0, FilterBands).ToArray();
        t[band] = gain;
        double norm = Math.Sqrt(t.Select((v, j) => ExpectedPower[j] * v * v).Sum());
        return t.Select(v => v / norm).ToArray();
    }

    private Tensor DrawNoise(Tensor x, int b, double prob)
    {
        var sigma = Normal(b); var chosen = Chosen(b, prob);
        if (!chosen.Any(c => c)) return x;
        var sigmas = Enumerable.Range(0, b).Select(i => chosen[i] ? Math.Abs(sigma[i]) * (float)NoiseStd : 0f).ToArray();
        var noise = torch.randn(x.shape, generator: _rng).to_type(x.dtype).to(x.device);
        var noisy = x + noise * torch.tensor(sigmas, device: x.device).to_type(x.dtype).reshape(b, 1, 1, 1);
        return torch.where(torch.tensor(chosen, device: x.device).reshape(b, 1, 1, 1), noisy, x);
    }

    private Tensor DrawCutout(Tensor x, int b, double prob)
    {
        long h = x.shape[2], w = x.shape[3];
        var chosen = Chosen(b, prob);
        var centre = Uniform(2 * b);
        if (!chosen.Any(c => c)) return x;
        // NVlabs: pixel (r, c) is cut when |(c + ½)/W − cx| < size/2 and |(r + ½)/H − cy| < size/2.
        var keep = new float[b * h * w];
        for (int i = 0; i < b; i++)
            for (long r = 0; r < h; r++)
                for (long c = 0; c < w; c++)
                {
                    bool cut = chosen[i] && Math.Abs((c + 0.5) / w - centre[2 * i]) < CutoutSize / 2 && Math.Abs((r + 0.5) / h - centre[2 * i + 1]) < CutoutSize / 2;
                    keep[(i * h + r) * w + c] = cut ? 0 : 1;
                }
        var mask = torch.tensor(keep, [b, 1, h, w], device: x.device).to_type(x.dtype);
        return torch.where(torch.tensor(chosen, device: x.device).reshape(b, 1, 1, 1), x * mask, x);
    }

    // ---- the transforms themselves, with explicit parameters (differentiable in x) ----

    /// <summary>Bands of the image-space filter bank (NVlabs imgfilter_bands: four).</summary>
    public const int FilterBands = 4;

    /// <summary>NVlabs's image-space filter bank, (4, 43) in double precision: row 0 the lowest octave, row 3 the
    /// highest. Built as augment.py builds it from the sym2 low-pass H(z): H₂ = H(z)·H(1/z)/2 and the high-pass
    /// G₂ = H(−z)·H(−1/z)/2 (H₂ + G₂ = δ for an orthogonal wavelet), then three times: every row upsampled by 2 (zeros
    /// between taps) and convolved with H₂, and G₂ added at the centre of row i. The rows sum to a unit impulse, so
    /// gains of 1 filter nothing; each row is symmetric.</summary>
    public static double[,] FilterBank { get; } = BuildFilterBank();

    private static double[,] BuildFilterBank()
    {
        double[] Autocorrelation(double[] h) =>
            Enumerable.Range(-(h.Length - 1), 2 * h.Length - 1)
                .Select(lag => Enumerable.Range(0, h.Length).Where(k => k - lag >= 0 && k - lag < h.Length).Sum(k => h[k] * h[k - lag]) / 2).ToArray();
        var lo2 = Autocorrelation(Sym2);
        var hi2 = Autocorrelation(Sym2.Select((v, n) => n % 2 == 0 ? v : -v).ToArray());
        var bank = new double[FilterBands][];
        for (int i = 0; i < FilterBands; i++) bank[i] = [i == 0 ? 1 : 0];
        for (int level = 1; level < FilterBands; level++)
        {
            for (int i = 0; i < FilterBands; i++)
            {
                var up = new double[2 * bank[i].Length - 1];
                for (int k = 0; k < bank[i].Length; k++) up[2 * k] = bank[i][k];
                var full = new double[up.Length + lo2.Length - 1];
                for (int a = 0; a < up.Length; a++) for (int c = 0; c < lo2.Length; c++) full[a + c] += up[a] * lo2[c];
                bank[i] = full;
            }
            int at = (bank[level].Length - hi2.Length) / 2;
            for (int k = 0; k < hi2.Length; k++) bank[level][at + k] += hi2[k];
        }
        var result = new double[FilterBands, bank[0].Length];
        for (int i = 0; i < FilterBands; i++) for (int k = 0; k < bank[i].Length; k++) result[i, k] = bank[i][k];
        return result;
    }

    /// <summary>Filters image i with Σ_band gains[i, band] · bank row (<paramref name="gains"/> (B, 4)), along rows and
    /// then columns, the borders reflected (NVlabs's separable conv2d pair).</summary>
    public static Tensor Filter(Tensor x, Tensor gains)
    {
        long b = x.shape[0], h = x.shape[2], w = x.shape[3];
        int taps = FilterBank.GetLength(1), half = taps / 2;
        var bank = new float[FilterBands * taps];
        for (int i = 0; i < FilterBands; i++) for (int k = 0; k < taps; k++) bank[i * taps + k] = (float)FilterBank[i, k];
        var kernel = torch.matmul(gains, torch.tensor(bank, [FilterBands, taps], device: x.device).to_type(x.dtype)); // (B, taps)
        Tensor Pass(Tensor y, int dim, long n)
        {
            // Reflected indices −half … n − 1 + half along dim, then Σ_k kernel[k] · y[j + k] (the rows are symmetric,
            // so this correlation is the convolution).
            var index = Reflect(torch.arange(-half, n + half, device: x.device), n);
            var padded = y.index_select(dim, index);
            Tensor? sum = null;
            for (int k = 0; k < taps; k++)
            {
                var term = padded.narrow(dim, k, n) * kernel[.., k].reshape(b, 1, 1, 1);
                sum = sum is null ? term : sum + term;
            }
            return sum!;
        }
        return Pass(Pass(x, 3, w), 2, h);
    }


    /// <summary>Mirrors the images where <paramref name="flip"/> (B, bool) is set.</summary>
    public static Tensor XFlip(Tensor x, Tensor flip) =>
        torch.where(flip.reshape(-1, 1, 1, 1), x.flip(3), x);

    /// <summary>Rotates image i by quarter[i] · 90° (anticlockwise; (B) int64 in 0…3). Square images only.</summary>
    public static Tensor Rotate90(Tensor x, Tensor quarter)
    {
        if (x.shape[2] != x.shape[3]) throw new ArgumentException($"90° rotations need square images, not {x.shape[2]}×{x.shape[3]}");
        var k = quarter.reshape(-1, 1, 1, 1);
        var y = torch.where(k.eq(1), x.rot90(1, (2, 3)), x);
        y = torch.where(k.eq(2), x.rot90(2, (2, 3)), y);
        return torch.where(k.eq(3), x.rot90(3, (2, 3)), y);
    }

    /// <summary>Moves image i by (tx[i], ty[i]) whole pixels (right, down; (B) int64), filling the border it uncovers
    /// with the image mirrored about its edge pixels (reflection, as NVlabs pads).</summary>
    public static Tensor IntegerTranslate(Tensor x, Tensor tx, Tensor ty)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var rows = Reflect(torch.arange(h, device: x.device).reshape(1, h, 1) - ty.reshape(b, 1, 1), h);   // (B, H, 1)
        var cols = Reflect(torch.arange(w, device: x.device).reshape(1, 1, w) - tx.reshape(b, 1, 1), w);   // (B, 1, W)
        return Gather(x, rows * w + cols);
    }

    /// <summary>Bilinear resample: output pixel q (centred coordinates, x right, y down) reads input at
    /// <paramref name="inverse"/> (B, 3, 3) · q, reflected at the borders.</summary>
    public static Tensor Resample(Tensor x, Tensor inverse)
    {
        long b = x.shape[0], h = x.shape[2], w = x.shape[3];
        double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
        Tensor sx, sy;
        using (torch.no_grad())
        {
            var ys = torch.arange(h, dtype: x.dtype, device: x.device).reshape(h, 1).expand(h, w) - cy;
            var xs = torch.arange(w, dtype: x.dtype, device: x.device).reshape(1, w).expand(h, w) - cx;
            var q = torch.stack([xs.flatten(), ys.flatten(), torch.ones(h * w, dtype: x.dtype, device: x.device)]); // (3, HW)
            var src = torch.matmul(inverse.detach(), q);                                                           // (B, 3, HW)
            sx = ReflectContinuous(src[.., 0] + cx, w);
            sy = ReflectContinuous(src[.., 1] + cy, h);
        }
        var x0 = sx.floor().clamp(0, w - 1); var y0 = sy.floor().clamp(0, h - 1);
        var fx = (sx - x0).unsqueeze(1); var fy = (sy - y0).unsqueeze(1);                                           // (B, 1, HW)
        var ix0 = x0.to_type(ScalarType.Int64); var iy0 = y0.to_type(ScalarType.Int64);
        var ix1 = (ix0 + 1).clamp_max(w - 1); var iy1 = (iy0 + 1).clamp_max(h - 1);
        var flat = x.reshape(b, x.shape[1], h * w);
        Tensor At(Tensor iy, Tensor ix) => flat.gather(2, (iy * w + ix).unsqueeze(1).expand(b, x.shape[1], h * w));
        var top = At(iy0, ix0) * (1 - fx) + At(iy0, ix1) * fx;
        var bottom = At(iy1, ix0) * (1 - fx) + At(iy1, ix1) * fx;
        return (top * (1 - fy) + bottom * fy).reshape(x.shape);
    }

    /// <summary>Homogeneous colour transform: (B, 4, 4) matrices on RGB (or, for grey images, the mean of their RGB
    /// rows applied to the one channel, as NVlabs).</summary>
    public static Tensor ColourTransform(Tensor x, Tensor matrices)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var flat = x.reshape(b, c, h * w);
        if (c == 3) return (torch.matmul(matrices[.., ..3, ..3], flat) + matrices[.., ..3, 3..]).reshape(x.shape);
        if (c != 1) throw new ArgumentException($"colour transforms need 1 or 3 channels, not {c}");
        var grey = matrices[.., ..3, ..].mean([1], keepdim: true);                                                  // (B, 1, 4)
        return (flat * grey[.., .., ..3].sum([2], keepdim: true) + grey[.., .., 3..]).reshape(x.shape);
    }

    // Index reflection without repeating the edge (… 2 1 | 0 1 2 … n−1 | n−2 …), valid for any integer.
    private static Tensor Reflect(Tensor i, long n)
    {
        if (n == 1) return torch.zeros_like(i);
        long period = 2 * (n - 1);
        return (n - 1) - ((i.remainder(period)) - (n - 1)).abs();
    }

    private static Tensor ReflectContinuous(Tensor u, long n)
    {
        if (n == 1) return torch.zeros_like(u);
        double period = 2.0 * (n - 1);
        return (n - 1) - (u.remainder(period) - (n - 1)).abs();
    }

    // x (B, C, H, W) read at flat pixel indices (B, H, W) → (B, C, H, W).
    private static Tensor Gather(Tensor x, Tensor index)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var flat = x.reshape(b, c, h * w);
        return flat.gather(2, index.reshape(b, 1, h * w).expand(b, c, h * w)).reshape(x.shape);
    }

    /// <summary>2-D homogeneous matrices in pixels (NVlabs's scale2d / rotate2d / translate2d), row-major.</summary>
    public readonly record struct Affine(double A, double B, double C, double D, double E, double F)
    {
        public static Affine Identity => new(1, 0, 0, 0, 1, 0);
        public static Affine Scale(double sx, double sy) => new(sx, 0, 0, 0, sy, 0);
        public static Affine Rotate(double theta) => new(Math.Cos(theta), -Math.Sin(theta), 0, Math.Sin(theta), Math.Cos(theta), 0);
        public static Affine Translate(double tx, double ty) => new(1, 0, tx, 0, 1, ty);
        public static Affine operator *(Affine l, Affine r) => new(
            l.A * r.A + l.B * r.D, l.A * r.B + l.B * r.E, l.A * r.C + l.B * r.F + l.C,
            l.D * r.A + l.E * r.D, l.D * r.B + l.E * r.E, l.D * r.C + l.E * r.F + l.F);
        /// <summary>This matrix for every image of a batch: (B, 3, 3).</summary>
        public Tensor ToTensor(int batch)
        {
            var m = new float[batch * 9];
            for (int i = 0; i < batch; i++) CopyTo(m, i * 9);
            return torch.tensor(m, [batch, 3, 3]);
        }

        public void CopyTo(float[] into, int at)
        {
            into[at] = (float)A; into[at + 1] = (float)B; into[at + 2] = (float)C;
            into[at + 3] = (float)D; into[at + 4] = (float)E; into[at + 5] = (float)F;
            into[at + 6] = 0; into[at + 7] = 0; into[at + 8] = 1;
        }
    }

    /// <summary>3-D homogeneous colour matrices on [−1, 1] RGB; the luma axis is (1, 1, 1)/√3 (NVlabs's v).</summary>
    public readonly struct ColourMatrix
    {
        private readonly double[] _m; // 4×4 row-major
        private ColourMatrix(double[] m) => _m = m;

        public static ColourMatrix Identity => Diagonal(1, 1, 1);
        private static ColourMatrix Diagonal(double a, double b, double c) => new([a, 0, 0, 0, 0, b, 0, 0, 0, 0, c, 0, 0, 0, 0, 1]);
        public static ColourMatrix Translate(double v) => new([1, 0, 0, v, 0, 1, 0, v, 0, 0, 1, v, 0, 0, 0, 1]);
        public static ColourMatrix Scale(double s) => Diagonal(s, s, s);

        // v vᵀ on the RGB block: the projection onto the grey axis.
        private static double Luma(int r, int c) => r < 3 && c < 3 ? 1.0 / 3 : 0;

        /// <summary>Householder reflection through the plane orthogonal to the grey axis: I − 2 v vᵀ.</summary>
        public static ColourMatrix LumaFlip => Build((r, c) => (r == c ? 1 : 0) - 2 * Luma(r, c));

        /// <summary>Rotation by θ about the grey axis (Rodrigues, as NVlabs's rotate3d(v, θ)).</summary>
        public static ColourMatrix HueRotate(double theta)
        {
            double k = 1 / Math.Sqrt(3), s = Math.Sin(theta), co = Math.Cos(theta), cc = 1 - co;
            double[] v = [k, k, k];
            double Cross(int r, int c) => (r, c) switch
            {
                (0, 1) => -v[2],
                (0, 2) => v[1],
                (1, 0) => v[2],
                (1, 2) => -v[0],
                (2, 0) => -v[1],
                (2, 1) => v[0],
                _ => 0,
            };
            return Build((r, c) => r == 3 || c == 3 ? (r == c ? 1 : 0) : v[r] * v[c] * cc + (r == c ? co : 0) + Cross(r, c) * s);
        }

        /// <summary>v vᵀ + (I − v vᵀ) s: grey kept, colour around it scaled by s.</summary>
        public static ColourMatrix Saturate(double s) => Build((r, c) => Luma(r, c) + ((r == c ? 1 : 0) - Luma(r, c)) * (r == 3 && c == 3 ? 1 : s));

        private static ColourMatrix Build(Func<int, int, double> at)
        {
            var m = new double[16];
            for (int r = 0; r < 4; r++) for (int c = 0; c < 4; c++) m[r * 4 + c] = at(r, c);
            return new ColourMatrix(m);
        }

        public static ColourMatrix operator *(ColourMatrix l, ColourMatrix r) => Build((i, j) =>
        {
            double sum = 0;
            for (int k = 0; k < 4; k++) sum += l._m[i * 4 + k] * r._m[k * 4 + j];
            return sum;
        });

        public void CopyTo(float[] into, int at) { for (int i = 0; i < 16; i++) into[at + i] = (float)_m[i]; }

        /// <summary>This matrix for every image of a batch: (B, 4, 4).</summary>
        public Tensor ToTensor(int batch)
        {
            var m = new float[batch * 16];
            for (int i = 0; i < batch; i++) CopyTo(m, i * 16);
            return torch.tensor(m, [batch, 4, 4]);
        }
    }
}
