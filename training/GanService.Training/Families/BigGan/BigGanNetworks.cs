using GanService.Training.Layers;
using GanService.Training.Onnx;
using GanService.Training.Tricks;

namespace GanService.Training.Families.BigGan;

/// <summary>
/// BigGAN generator residual block (Brock et al. 2019, Fig. 15a): ccbn → ReLU → ×2 nearest → 3×3 conv → ccbn → ReLU →
/// 3×3 conv, plus a skip of ×2 nearest → 1×1 conv. Every conv spectrally normalised. (B, in, H, W), c (B, D) →
/// (B, out, 2H, 2W).
/// </summary>
public sealed class BigGanGeneratorBlock : nn.Module
{
    public readonly ConditionalBatchNorm2d bn1;
    public readonly Upsample up;
    public readonly SpectralNorm conv1;
    public readonly ConditionalBatchNorm2d bn2;
    public readonly SpectralNorm conv2;
    public readonly SpectralNorm shortcut;

    public BigGanGeneratorBlock(long inChannels, long outChannels, long conditionDim) : base(nameof(BigGanGeneratorBlock))
    {
        bn1 = new ConditionalBatchNorm2d(inChannels, conditionDim);
        up = new Upsample(2, UpsampleMethod.Nearest);
        conv1 = new SpectralNorm(new Conv2d(inChannels, outChannels, 3, padding: 1));
        bn2 = new ConditionalBatchNorm2d(outChannels, conditionDim);
        conv2 = new SpectralNorm(new Conv2d(outChannels, outChannels, 3, padding: 1));
        shortcut = new SpectralNorm(new Conv2d(inChannels, outChannels, 1));
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor c)
    {
        var h = conv1.forward(up.forward(nn.functional.relu(bn1.Forward(x, c))));
        h = conv2.forward(nn.functional.relu(bn2.Forward(h, c)));
        return h + shortcut.forward(up.forward(x));
    }

    public string Emit(OnnxGraphBuilder g, string x, string c)
    {
        string Scoped(string name, Func<string> emit) { using (g.Scope(name)) return emit(); }
        var h = Scoped("bn1", () => bn1.Emit(g, x, c));
        h = Scoped("up", () => up.Emit(g, g.Node("Relu", [h])));
        h = Scoped("conv1", () => conv1.Emit(g, h));
        h = Scoped("bn2", () => bn2.Emit(g, h, c));
        h = Scoped("conv2", () => conv2.Emit(g, g.Node("Relu", [h])));
        var skip = Scoped("shortcut", () => shortcut.Emit(g, Scoped("up_skip", () => up.Emit(g, x))));
        return g.Node("Add", [h, skip]);
    }
}

/// <summary>
/// The BigGAN generator at small scale: z (B, Z) and label (B,) int64 → image (B, C, R, R) in [−1, 1].
/// Hierarchical latents: z is cut into (blocks + 1) equal chunks; the first goes through an SN linear layer to the
/// 4×4 start, chunk k+1 is concatenated with the shared class embedding to condition block k's BatchNorms. One
/// self-attention block after the block that reaches <see cref="BigGanOptions.AttentionResolution"/>. Output:
/// BatchNorm → ReLU → SN 3×3 conv → tanh. Exported with inputs z and label; the class embedding, the chunks and every
/// conditional gain and bias are computed in the graph.
/// </summary>
public sealed class BigGanGenerator : nn.Module, IOnnxGraphModule
{
    public readonly Embedding shared;
    public readonly SpectralNorm linear;
    private readonly List<BigGanGeneratorBlock> _blocks = [];
    private readonly Dictionary<int, SelfAttention> _attention = [];
    public readonly BatchNorm2d outBn;
    public readonly SpectralNorm outConv;

    public BigGanOptions Options { get; }
    public int ChunkSize { get; }
    private readonly long _startChannels;

    public BigGanGenerator(BigGanOptions o) : base(nameof(BigGanGenerator))
    {
        Options = o;
        var widths = o.GeneratorWidths();
        int blocks = widths.Length - 1;
        if (o.ZDim % (blocks + 1) != 0) throw new ArgumentException($"zDim {o.ZDim} must split into {blocks + 1} equal chunks (blocks + 1)");
        ChunkSize = o.ZDim / (blocks + 1);
        _startChannels = widths[0];
        shared = new Embedding(o.NumClasses, o.SharedDim);
        register_module("shared", shared);
        linear = new SpectralNorm(new Linear(ChunkSize, _startChannels * 16));
        register_module("linear", linear);
        int res = 4;
        for (int i = 0; i < blocks; i++)
        {
            var block = new BigGanGeneratorBlock(widths[i], widths[i + 1], ChunkSize + o.SharedDim);
            _blocks.Add(block);
            register_module($"blocks_{i}", block);
            res *= 2;
            if (res == o.AttentionResolution)
            {
                var attention = new SelfAttention(widths[i + 1]);
                _attention[i] = attention;
                register_module($"attention_{i}", attention);
            }
        }
        outBn = new BatchNorm2d(widths[^1]);
        outConv = new SpectralNorm(new Conv2d(widths[^1], o.Channels, 3, padding: 1));
        register_module("outBn", outBn);
        register_module("outConv", outConv);
        Init(this, o.Init);
    }

    /// <summary>BigGAN's G_init / D_init: "ortho" (its default) or "N02" (N(0, 0.02)) on every conv and linear weight
    /// (the shared embedding keeps N(0, 1)). Spectral norm divides by σ anyway, so this sets directions, not scale.</summary>
    public static void Init(nn.Module m, string init)
    {
        using var _ = torch.no_grad();
        foreach (var (_, module) in m.named_modules())
        {
            Tensor? w = module switch { Conv2d c => c.weight, Linear l => l.weight, _ => null };
            if (w is null) continue;
            switch (init)
            {
                case "ortho": nn.init.orthogonal_(w); break;
                case "N02": nn.init.normal_(w, 0, 0.02); break;
                default: throw new ArgumentException($"init must be ortho or N02, got '{init}'");
            }
        }
        // σ estimates must follow the new weights.
        foreach (var (_, module) in m.named_modules())
            if (module is SpectralNorm sn) sn.Reestimate();
    }

    public int NumChunks => _blocks.Count + 1;

    public Tensor Generate(Tensor z, Tensor labels)
    {
        var zs = z.split(ChunkSize, 1);
        var y = shared.forward(labels);
        var x = linear.forward(zs[0]).reshape(-1, _startChannels, 4, 4);
        for (int i = 0; i < _blocks.Count; i++)
        {
            x = _blocks[i].Forward(x, torch.cat([zs[i + 1], y], 1));
            if (_attention.TryGetValue(i, out var a)) x = a.forward(x);
        }
        return outConv.forward(nn.functional.relu(outBn.forward(x))).tanh();
    }

    public IReadOnlyList<string> EmitGraph(OnnxGraphBuilder g, IReadOnlyList<string> inputs)
    {
        if (inputs.Count != 2) throw new OnnxExportException("BigGAN exports with inputs z and label");
        var chunks = g.NodeMulti("Split", [inputs[0], g.Int64Initializer("chunks", Enumerable.Repeat((long)ChunkSize, NumChunks).ToArray())],
            NumChunks, ("axis", 1L));
        string y, x;
        using (g.Scope("shared")) y = shared.Emit(g, inputs[1]);
        using (g.Scope("linear")) x = linear.Emit(g, chunks[0]);
        x = g.Node("Reshape", [x, g.Int64Initializer("start", [-1, _startChannels, 4, 4])]);
        for (int i = 0; i < _blocks.Count; i++)
        {
            var c = g.Node("Concat", [chunks[i + 1], y], ("axis", 1L));
            using (g.Scope($"blocks_{i}")) x = _blocks[i].Emit(g, x, c);
            if (_attention.TryGetValue(i, out var a))
                using (g.Scope($"attention_{i}")) x = a.Emit(g, x);
        }
        using (g.Scope("outBn")) x = outBn.Emit(g, x);
        using (g.Scope("outConv")) x = outConv.Emit(g, g.Node("Relu", [x]));
        return [g.Node("Tanh", [x])];
    }

    public (OnnxIo[] Inputs, OnnxIo[] Outputs) OnnxSignature() =>
        ([new OnnxIo("z", [-1, Options.ZDim]), new OnnxIo("label", [-1], ScalarType.Int64)],
         [new OnnxIo("image", [-1, Options.Channels, Options.Size, Options.Size])]);
}

/// <summary>
/// BigGAN discriminator residual block (Fig. 15b): [ReLU →] 3×3 conv → ReLU → 3×3 conv [→ 2×2 average pool], plus a
/// learnable 1×1 skip (conv then pool after a pre-activated block, pool then conv for the first block, as BigGAN).
/// Training only (the discriminator is not exported).
/// </summary>
public sealed class BigGanDiscriminatorBlock : nn.Module<Tensor, Tensor>
{
    public readonly SpectralNorm conv1;
    public readonly SpectralNorm conv2;
    public readonly SpectralNorm? shortcut;
    private readonly bool _preactivation, _down;

    public BigGanDiscriminatorBlock(long inChannels, long outChannels, bool preactivation, bool down) : base(nameof(BigGanDiscriminatorBlock))
    {
        (_preactivation, _down) = (preactivation, down);
        conv1 = new SpectralNorm(new Conv2d(inChannels, outChannels, 3, padding: 1));
        conv2 = new SpectralNorm(new Conv2d(outChannels, outChannels, 3, padding: 1));
        if (inChannels != outChannels || down) shortcut = new SpectralNorm(new Conv2d(inChannels, outChannels, 1));
        RegisterComponents();
    }

    private Tensor Down(Tensor x) => _down ? nn.functional.avg_pool2d(x, 2) : x;

    public override Tensor forward(Tensor x)
    {
        var h = conv1.forward(_preactivation ? nn.functional.relu(x) : x);
        h = Down(conv2.forward(nn.functional.relu(h)));
        Tensor skip = shortcut is null ? x : _preactivation ? Down(shortcut.forward(x)) : shortcut.forward(Down(x));
        return h + skip;
    }
}

/// <summary>
/// BigGAN's projection discriminator at small scale: residual blocks halving the size down to 4×4 (the first not
/// pre-activated), one self-attention block at <see cref="BigGanOptions.AttentionResolution"/>, a last block at 4×4,
/// then ReLU, sum over positions → h (B, F); logit = linear(h) + ⟨embed(y), h⟩ (Miyato &amp; Koyama 2018).
/// </summary>
public sealed class BigGanDiscriminator : nn.Module
{
    private readonly List<nn.Module<Tensor, Tensor>> _layers = [];
    public readonly SpectralNorm linear;
    public readonly Embedding embed;

    public BigGanDiscriminator(BigGanOptions o) : base(nameof(BigGanDiscriminator))
    {
        var widths = o.DiscriminatorWidths();
        long inC = o.Channels;
        int res = o.Size;
        for (int i = 0; i < widths.Length; i++)
        {
            bool down = res > 4;
            var block = new BigGanDiscriminatorBlock(inC, widths[i], preactivation: i > 0, down);
            _layers.Add(block);
            register_module($"blocks_{i}", block);
            if (down) res /= 2;
            inC = widths[i];
            if (down && res == o.AttentionResolution)
            {
                var attention = new SelfAttention(widths[i]);
                _layers.Add(attention);
                register_module($"attention_{i}", attention);
            }
        }
        linear = new SpectralNorm(new Linear(inC, 1));
        embed = new Embedding(o.NumClasses, inC);
        register_module("linear", linear);
        register_module("embed", embed);
        BigGanGenerator.Init(this, o.Init);
        // BigGAN spectrally normalises this embedding too; orthogonal rows (σ = 1) start it at the same scale.
        using (torch.no_grad()) nn.init.orthogonal_(embed.weight);
    }

    /// <summary>image (B, C, R, R), labels (B,) → logits (B,).</summary>
    public Tensor Forward(Tensor x, Tensor labels)
    {
        foreach (var layer in _layers) x = layer.forward(x);
        var h = nn.functional.relu(x).sum([2, 3]);
        return linear.forward(h).squeeze(1) + (embed.forward(labels) * h).sum(1);
    }
}
