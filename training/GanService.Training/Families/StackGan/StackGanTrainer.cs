using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Layers;
using GanService.Training.Training;

namespace GanService.Training.Families.StackGan;

/// <summary>
/// StackGAN on <see cref="CaptionedImages"/> through the <see cref="TrainingLoop"/>. The step count picks the phase:
/// <list type="number">
/// <item>encoders: the text encoder and an image encoder trained jointly by <see cref="MatchingLoss"/> (the paper
/// pre-trains its char-CNN-RNN against images the same way, Reed et al. 2016). Pre-trained rather than end-to-end
/// because the retrieval score needs an image–text embedding that the generator did not shape, and a frozen text
/// embedding gives the GAN a fixed target, as in the paper;</item>
/// <item>Stage I (32²): matching-aware D — real image + its caption → real; real image + another caption, and the fake
/// + its caption → fake (½ each, as the reference); G: non-saturating loss + λ_KL · KL(ĉ);</item>
/// <item>Stage II (64²): the same on the Stage-I image refined by the residual generator, Stage I frozen (eval mode),
/// D with an extra unconditional head (as the reference's Stage-II D).</item>
/// </list>
/// D sees μ (detached) as the text condition, as in the reference trainer.
/// <para>With <see cref="StackGanOptions.Augmentation"/> (StyleGAN2-ADA, Karras et al. 2020), each stage's D sees its
/// reals and fakes through the augmentation — in D's step and in G's (differentiable, so G's gradient flows through
/// it) — and the matching-aware mismatched pairs are the augmented reals with another caption (the same features as
/// the real pairs, as the reference computes them once). NVlabs keeps one p per discriminator, steered by that D's own
/// real logits and starting from augment_p when the D is new. StackGAN trains its two Ds one after the other, so one
/// controller serves both: r_t comes from the conditional logits of (augmented real, its caption) of the D being
/// trained — the output both stages' D have and the one the loss calls real, as NVlabs's conditional D is read on
/// (real, its label) — and when Stage II begins the controller starts over (p back to augmentP), because Stage II's D
/// is new and has not over-fitted anything; carrying Stage I's p over would augment it for Stage I's over-fitting.
/// The encoder phase trains no D and sees no augmentation.</para>
/// </summary>
public sealed class StackGanTrainer : GanTrainer<IReadOnlyList<Tensor>, StackGanOptions>
{
    public const string Family = "stackgan";
    public const int GridSeeds = 8;

    private readonly CaptionedImages _data;
    private readonly TextTokenizer _tokenizer;
    private readonly torch.Generator _rng;
    private Random _captionRng;
    private Tensor? _indices;
    private long _step;

    public StackGanGenerator G { get; }
    public ImageEncoder ImageEncoder { get; }
    public StackGanDiscriminator D1 { get; }
    public StackGanDiscriminator D2 { get; }
    private readonly optim.Optimizer _optE, _optG1, _optD1, _optG2, _optD2;

    protected override int Epochs => (int)Math.Ceiling((double)Options.TotalSteps / IndexBatches.StepsIn(_data.Count, Options.Batch, 1));
    protected override long StepLimit => Options.MaxSteps > 0 ? Math.Min(Options.MaxSteps, Options.TotalSteps) : Options.TotalSteps;

    public StackGanTrainer(StackGanOptions o, CaptionedImages data) : base(o, Family)
    {
        o.RequireCpu(Family);
        if (o.Vocabulary.Length == 0) throw new ArgumentException("stackgan: the options carry no vocabulary (built from the captions when a run starts)");
        if (data.Size != o.Size) throw new ArgumentException($"the data is {data.Size}², the model {o.Size}²");
        _data = data;
        _tokenizer = new TextTokenizer(new TextSpec(o.Vocabulary, o.MaxTokens));
        (G, ImageEncoder, D1, D2) = Build(o);
        Network("G", G); Network("I", ImageEncoder); Network("D1", D1); Network("D2", D2);
        _rng = new torch.Generator((ulong)o.Seed + 17);
        _captionRng = new Random(o.Seed);
        _optE = Optimizer("E", new ScalarSafeAdam(G.text.parameters().Concat(ImageEncoder.parameters()), o.EncoderLr));
        _optG1 = Optimizer("G1", new ScalarSafeAdam(G.ca1.parameters().Concat(G.stage1.parameters()), o.Lr, o.Beta1));
        _optD1 = Optimizer("D1", new ScalarSafeAdam(D1.parameters(), o.Lr, o.Beta1));
        _optG2 = Optimizer("G2", new ScalarSafeAdam(G.ca2.parameters().Concat(G.encoder2.parameters()).Concat(G.decoder2.parameters()), o.Lr, o.Beta1));
        _optD2 = Optimizer("D2", new ScalarSafeAdam(D2.parameters(), o.Lr, o.Beta1));
        UseAugmentation(o.Augmentation);
    }

    public static (StackGanGenerator G, ImageEncoder I, StackGanDiscriminator D1, StackGanDiscriminator D2) Build(StackGanOptions o)
    {
        torch.manual_seed(o.Seed);
        var g = new StackGanGenerator(o, o.Vocabulary.Length);
        var i = new ImageEncoder(o.Size, o.EncoderWidth, o.TextDim);
        var d1 = new StackGanDiscriminator(o.StageOneSize, o.DiscriminatorWidth, o.ConditionDim, unconditionalHead: false);
        var d2 = new StackGanDiscriminator(o.Size, o.DiscriminatorWidth, o.ConditionDim, unconditionalHead: true);
        foreach (var m in new nn.Module[] { g.stage1, g.encoder2, g.decoder2, d1, d2 }) Dcgan.DcganNetworks.Init(m);
        return (g, i, d1, d2);
    }

    public StackGanPhase Phase(long step) =>
        step < Options.EncoderSteps ? StackGanPhase.Encoders
        : step < Options.EncoderSteps + Options.StageOneSteps ? StackGanPhase.StageOne : StackGanPhase.StageTwo;

    /// <summary>One index batch a step (<see cref="IndexBatches"/> with one batch per step).</summary>
    public override void SetInput(IReadOnlyList<Tensor> indices) => _indices = indices[0];

    public override void Restore(TrainingState state)
    {
        _step = state.Step;
        _captionRng = new Random(HashCode.Combine(Options.Seed, state.Step));
        _rng.manual_seed(Options.Seed + 17 + state.Step);
    }

    private static readonly string[] LossNames = ["loss_match", "loss_d1", "loss_g1", "kl1", "loss_d2", "loss_g2", "kl2"];

    public override IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var losses = LossNames.ToDictionary(n => n, _ => double.NaN);
        var idx = _indices ?? throw new InvalidOperationException("SetInput first");
        var (ids, lengths) = _data.Tokens(idx.data<long>().ToArray(), _tokenizer, n => _captionRng.Next(n));
        var real = _data.Batch(idx);
        // Stage II's D is a new discriminator: its ADA controller starts where Stage I's did (see the class summary).
        if (_step == Options.EncoderSteps + Options.StageOneSteps && _step > 0) Augmentation?.Restart();
        switch (Phase(_step))
        {
            case StackGanPhase.Encoders: losses["loss_match"] = EncoderStep(real, ids, lengths); break;
            case StackGanPhase.StageOne: (losses["loss_d1"], losses["loss_g1"], losses["kl1"]) = StageOneStep(real, ids, lengths); break;
            default: (losses["loss_d2"], losses["loss_g2"], losses["kl2"]) = StageTwoStep(real, ids, lengths); break;
        }
        _step++;
        return losses;
    }

    private double EncoderStep(Tensor real, Tensor ids, Tensor lengths)
    {
        G.text.train(); ImageEncoder.train();
        var loss = MatchingLoss.Compute(ImageEncoder.Encode(real), G.text.Encode(ids, lengths), MatchingLoss.SameRows(ids), Options.MatchingTemperature);
        _optE.zero_grad();
        loss.backward();
        _optE.step();
        return loss.item<float>();
    }

    private Tensor Embed(Tensor ids, Tensor lengths)
    {
        G.text.eval();
        using var _ = torch.no_grad();
        return G.text.Encode(ids, lengths);
    }

    private Tensor Noise(long b, int dim) => torch.randn([b, dim], generator: _rng);

    private (double D, double G, double Kl) StageOneStep(Tensor real, Tensor ids, Tensor lengths)
    {
        var o = Options;
        long b = real.shape[0];
        var real1 = nn.functional.avg_pool2d(real, o.Size / o.StageOneSize);
        var embedding = Embed(ids, lengths);
        G.ca1.train(); G.stage1.train(); D1.train();
        var (fake, mu, logVar) = G.StageOne(embedding, Noise(b, o.ZDim), Noise(b, o.ConditionDim));
        double d = DiscriminatorStep(D1, _optD1, real1, fake.detach(), mu.detach(), ids);
        var (g, kl) = GeneratorStep(D1, _optG1, fake, mu, logVar);
        return (d, g, kl);
    }

    private (double D, double G, double Kl) StageTwoStep(Tensor real, Tensor ids, Tensor lengths)
    {
        var o = Options;
        long b = real.shape[0];
        var embedding = Embed(ids, lengths);
        Tensor stageOne;
        G.ca1.eval(); G.stage1.eval();
        using (torch.no_grad()) stageOne = G.StageOne(embedding, Noise(b, o.ZDim), Noise(b, o.ConditionDim)).Image;
        G.ca2.train(); G.encoder2.train(); G.decoder2.train(); D2.train();
        var (fake, mu, logVar) = G.StageTwo(stageOne, embedding, Noise(b, o.ConditionDim));
        double d = DiscriminatorStep(D2, _optD2, real, fake.detach(), mu.detach(), ids);
        var (g, kl) = GeneratorStep(D2, _optG2, fake, mu, logVar);
        return (d, g, kl);
    }

    private static Tensor Bce(Tensor logits, float target) =>
        nn.functional.binary_cross_entropy_with_logits(logits, torch.full_like(logits, Scalars.Of(target)));

    /// <summary>real + ½ (mismatched + fake); the mismatched pairs are each real image with the next row's condition,
    /// left out where the two captions are the same words. Reals and fakes as D sees them (<see cref="GanTrainer{TInput,TOptions}.Augment"/>);
    /// the real pairs' logits feed ADA's r_t.</summary>
    private double DiscriminatorStep(StackGanDiscriminator d, optim.Optimizer opt, Tensor real, Tensor fake, Tensor condition, Tensor ids)
    {
        var hReal = d.Features(Augment(real));
        var hFake = d.Features(Augment(fake));
        var wrongCondition = condition.roll(1, 0);
        var differs = ids.ne(ids.roll(1, 0)).any(1).to_type(ScalarType.Float32);             // (B,)
        var wrongTerms = nn.functional.binary_cross_entropy_with_logits(d.Conditional(hReal, wrongCondition),
            torch.zeros(real.shape[0]), reduction: nn.Reduction.None);
        var wrong = (wrongTerms * differs).sum() / differs.sum().clamp_min(Scalars.Of(1));
        var realLogits = d.Conditional(hReal, condition);
        var loss = Bce(realLogits, 1f) + (wrong + Bce(d.Conditional(hFake, condition), 0f)) * Scalars.Of(0.5);
        if (d.Unconditional(hReal) is { } uReal) loss = loss + Bce(uReal, 1f) + Bce(d.Unconditional(hFake)!, 0f) * Scalars.Of(0.5);
        opt.zero_grad();
        loss.backward();
        opt.step();
        Augmentation?.Observe(realLogits);
        return loss.item<float>();
    }

    private (double G, double Kl) GeneratorStep(StackGanDiscriminator d, optim.Optimizer opt, Tensor fake, Tensor mu, Tensor logVar)
    {
        NetworkParameters.SetRequiresGrad(false, d);
        try
        {
            var h = d.Features(Augment(fake));
            var adversarial = Bce(d.Conditional(h, mu.detach()), 1f);
            if (d.Unconditional(h) is { } u) adversarial = adversarial + Bce(u, 1f);
            var kl = ConditioningAugmentation.Kl(mu, logVar);
            var loss = adversarial + kl * Scalars.Of(Options.KlCoefficient);
            opt.zero_grad();
            loss.backward();
            opt.step();
            return (adversarial.item<float>(), kl.item<float>());
        }
        finally { NetworkParameters.SetRequiresGrad(true, d); }
    }

    /// <summary>Sample grid: rows = the first captions of the data's first images, columns = seeds 0…7 (Stage-II
    /// images; during Stage I, the Stage-I images upsampled; during the encoder phase, the real images).</summary>
    protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(IReadOnlyList<Tensor> sample)
    {
        var texts = GridCaptions(_data, 6);
        var phase = Phase(Math.Max(0, _step - 1));
        if (phase == StackGanPhase.Encoders)
        {
            var reals = _data.Batch(torch.arange(Math.Min(_data.Count, 6 * GridSeeds), ScalarType.Int64));
            return (Enumerable.Range(0, (int)reals.shape[0]).Select(i => reals[i]).ToList(), GridSeeds);
        }
        var (one, two) = Generate(G, _tokenizer, texts, Enumerable.Range(0, GridSeeds).Select(i => (uint)i).ToArray());
        var images = phase == StackGanPhase.StageOne ? nn.functional.interpolate(one, scale_factor: [Options.Size / Options.StageOneSize, Options.Size / Options.StageOneSize], mode: InterpolationMode.Nearest) : two;
        return (Enumerable.Range(0, (int)images.shape[0]).Select(i => images[i]).ToList(), GridSeeds);
    }

    /// <summary>The first caption of each of the first <paramref name="n"/> images with distinct captions.</summary>
    public static List<string> GridCaptions(CaptionedImages data, int n) =>
        data.Captions.Select(c => c[0]).Distinct(StringComparer.Ordinal).Take(n).ToList();

    /// <summary>Eval-mode images for every (text, seed), text-major: Stage I (B, 3, S₁, S₁) and Stage II (B, 3, S, S).
    /// The latent of a seed is <see cref="SeedLatent"/>'s, exactly as the exported graph is fed.</summary>
    public static (Tensor StageOne, Tensor StageTwo) Generate(StackGanGenerator g, TextTokenizer tokenizer, IReadOnlyList<string> texts, IReadOnlyList<uint> seeds)
    {
        using var scope = EvalScope.Of(g);
        var allTexts = texts.SelectMany(t => Enumerable.Repeat(t, seeds.Count)).ToList();
        var (ids, lengths) = CaptionedImages.Tokens(allTexts, tokenizer);
        var allSeeds = texts.SelectMany(_ => seeds).ToArray();
        var z = torch.tensor(SeedLatent.Batch(allSeeds, g.LatentSize), [allSeeds.Length, g.LatentSize]);
        var output = g.Generate(ids, lengths, z);
        return (output.StageOne, output.StageTwo);
    }

    /// <summary>The options a new run trains with: the vocabulary built from the data's captions (a resumed run keeps
    /// its checkpoint's).</summary>
    public static StackGanOptions WithVocabulary(StackGanOptions o, CaptionedImages data, bool resume) =>
        resume && o.Vocabulary.Length > 0 ? o
            : o with { Vocabulary = TextTokenizer.BuildVocabulary(data.Captions.SelectMany(c => c), o.MaxTokens, o.MinWordCount).Words };

    /// <summary>The run over the trainer's captioned images into <see cref="RunOptions.Out"/>, one index batch a step.</summary>
    public TrainingState Train(bool resume, TextWriter? console = null) =>
        Train(new IndexBatches(_data.Count, Options.Batch, 1, Options.Seed), _data.Count, resume, console);
}
