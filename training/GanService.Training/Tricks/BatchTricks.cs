namespace GanService.Training.Tricks;

/// <summary>One-sided label smoothing (Salimans et al. 2016, §3.4): the real target becomes α (0.9); fakes stay 0.</summary>
public static class LabelSmoothing
{
    public const double DefaultReal = 0.9;
    public static Tensor RealTargets(Tensor logits, double real = DefaultReal) => torch.full_like(logits, real);
}

/// <summary>Feature matching (Salimans et al. 2016, §3.1): G minimises ‖E f(x) − E f(G(z))‖²₂ over D's intermediate
/// features f (here: the discriminator body's output), instead of (or beside) the adversarial loss.</summary>
public static class FeatureMatching
{
    public static Tensor Loss(Tensor realFeatures, Tensor fakeFeatures) =>
        (realFeatures.detach().mean([0]) - fakeFeatures.mean([0])).square().sum();
}

/// <summary>Instance noise (Sønderby et al. 2016; Arjovsky &amp; Bottou 2017): N(0, σ_t²) added to every D input, real and
/// fake, with σ annealed linearly from σ₀ to 0 over <c>annealSteps</c>.</summary>
public static class InstanceNoise
{
    public static double Sigma(double sigma0, long step, long annealSteps) =>
        annealSteps <= 0 ? sigma0 : sigma0 * Math.Max(0.0, 1.0 - (double)step / annealSteps);

    public static Tensor Apply(Tensor x, double sigma) => sigma > 0 ? x + sigma * torch.randn_like(x) : x.alias();
}

/// <summary>PacGAN packing (Lin et al. 2018): m samples of the same kind (all real or all fake) concatenated into one
/// discriminator input — along channels for images (B, C, H, W) → (B/m, m·C, H, W), along features for (B, F) →
/// (B/m, m·F). Sample k·m + i goes to pack k, slot i.</summary>
public static class PacGan
{
    public static Tensor Pack(Tensor x, int m)
    {
        if (m <= 1) return x.alias();
        long b = x.shape[0];
        if (b % m != 0) throw new ArgumentException($"batch {b} is not a multiple of the packing degree {m}");
        // (B, C, …) → (B/m, m, C, …) → (B/m, m·C, …): slot i of a pack occupies channels i·C … i·C + C − 1.
        long[] rest = x.shape.Skip(1).ToArray();
        return x.reshape([b / m, m * rest[0], .. rest.Skip(1)]);
    }
}

/// <summary>Historical averaging (Salimans et al. 2016, §3.3): adds ‖θ − (1/t) Σ_{i&lt;t} θ_i‖² to a player's cost.
/// The running mean is kept per parameter and updated after every step.</summary>
public sealed class HistoricalAveraging : IDisposable
{
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly List<Tensor> _means;
    public long Count { get; private set; }

    public HistoricalAveraging(IEnumerable<Parameter> parameters)
    {
        _parameters = parameters.ToList();
        _means = _parameters.Select(p => p.detach().clone()).ToList();
        Count = 1;
    }

    public Tensor Penalty()
    {
        Tensor? total = null;
        for (int i = 0; i < _parameters.Count; i++)
        {
            var d = (_parameters[i] - _means[i]).square().sum();
            total = total is null ? d : total + d;
        }
        return total ?? torch.zeros(1);
    }

    /// <summary>Folds the current parameters into the running mean: m ← m + (θ − m) / (t + 1).</summary>
    public void Update()
    {
        using var _ = torch.no_grad();
        Count++;
        for (int i = 0; i < _parameters.Count; i++)
            _means[i].add_((_parameters[i].detach() - _means[i]) / Count);
    }

    public Tensor Mean(int index) => _means[index];

    public void Dispose() { foreach (var m in _means) m.Dispose(); }
}

/// <summary>Exponential moving average of the generator's weights (Karras et al., Yazıcı et al. 2019): after each G step
/// θ̄ ← β θ̄ + (1 − β) θ for parameters; buffers (BatchNorm running stats) are copied. Samples and export use θ̄.</summary>
public static class WeightAverage
{
    public static void Update(nn.Module shadow, nn.Module live, double beta)
    {
        using var _ = torch.no_grad();
        var live_p = live.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in shadow.named_parameters()) p.mul_(beta).add_(live_p[name].detach(), alpha: 1 - beta);
        var live_b = live.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (name, b) in shadow.named_buffers()) b.copy_(live_b[name]);
    }

    /// <summary>A new shadow for <paramref name="live"/>: <paramref name="shadow"/> (a freshly built module of the same
    /// architecture) given the live weights and buffers, in eval mode — the way every EMA generator starts.</summary>
    public static T Shadow<T>(T live, T shadow) where T : nn.Module
    {
        CopyInto(shadow, live);
        shadow.eval();
        return shadow;
    }

    public static void CopyInto(nn.Module shadow, nn.Module live)
    {
        using var _ = torch.no_grad();
        var live_p = live.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in shadow.named_parameters()) p.copy_(live_p[name]);
        var live_b = live.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (name, b) in shadow.named_buffers()) b.copy_(live_b[name]);
    }
}

/// <summary>
/// Top-k training (Sinha et al. 2020, "Top-k Training of GANs: Improving GAN Performance by Throwing Away Bad
/// Samples"): G's adversarial loss uses only the k fake D inputs that D scores as most realistic; the worst samples'
/// gradients, which point across the gaps between modes, are dropped. k starts at the batch size and shrinks to ν·B.
/// The paper decays k by γ = 0.99 per epoch; runs without epochs (the mixtures benchmark) anneal it linearly over
/// <c>annealSteps</c> instead.
/// </summary>
public static class TopK
{
    /// <summary>The fraction of the batch kept at <paramref name="step"/>: 1 → ν linearly over annealSteps, then ν.</summary>
    public static double Fraction(double nu, long step, long annealSteps) =>
        nu <= 0 || nu >= 1 ? 1.0 : annealSteps <= 0 ? nu : Math.Max(nu, 1.0 - (1.0 - nu) * step / annealSteps);

    /// <summary>The k highest of the (B,) or (B, 1) logits, k = ⌈fraction·B⌉ (at least 1); all of them at fraction 1.</summary>
    public static Tensor Select(Tensor logits, double fraction)
    {
        var flat = logits.reshape(-1);
        long b = flat.shape[0];
        long k = Math.Clamp((long)Math.Ceiling(fraction * b), 1, b);
        return k == b ? flat : flat.topk((int)k).values;
    }
}
