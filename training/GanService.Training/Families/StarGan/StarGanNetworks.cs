using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.StarGan;

/// <summary>
/// StarGAN generator (yunjey/stargan model.py Generator). Input = image ⊕ target label tiled over H×W; Conv 7×7 →
/// two Conv 4×4 s2 downs → `repeat` residual blocks → two ConvT 4×4 s2 ups → Conv 7×7 → Tanh. All convs bias-free,
/// zero padding (reflection would smear the tiled label at the border), InstanceNorm with affine.
/// The reference norm also has track_running_stats=True, but its solver never switches G to eval, so the effective
/// forward (training and test) always normalises with per-instance statistics — which is what we compute and export.
/// </summary>
public sealed class StarGanGenerator : nn.Module<Tensor, Tensor, Tensor>, IOnnxGraphModule
{
    public readonly Seq main;
    public long LabelCount { get; }

    /// <summary>Two stride-2 downsamplings: heights and widths that are multiples of this come back at their own size.</summary>
    public const int Stride = 4;

    public StarGanGenerator(long labelCount, long convDim = 64, int repeat = 6, long imageChannels = 3) : base(nameof(StarGanGenerator))
    {
        LabelCount = labelCount;
        main = new Seq(new Conv2d(imageChannels + labelCount, convDim, 7, padding: 3, bias: false),
            new InstanceNorm2d(convDim, affine: true), new ReLU());
        long dim = convDim;
        for (int i = 0; i < 2; i++, dim *= 2)
        {
            main.Add(new Conv2d(dim, dim * 2, 4, stride: 2, padding: 1, bias: false));
            main.Add(new InstanceNorm2d(dim * 2, affine: true));
            main.Add(new ReLU());
        }
        for (int i = 0; i < repeat; i++) main.Add(new StarGanResidualBlock(dim));
        for (int i = 0; i < 2; i++, dim /= 2)
        {
            main.Add(new ConvTranspose2d(dim, dim / 2, 4, stride: 2, padding: 1, bias: false));
            main.Add(new InstanceNorm2d(dim / 2, affine: true));
            main.Add(new ReLU());
        }
        main.Add(new Conv2d(dim, imageChannels, 7, padding: 3, bias: false));
        main.Add(new Tanh());
        register_module("main", main);
    }

    /// <summary>(B, C, H, W) image in [-1, 1], (B, K) target label vector → (B, C, H, W) in [-1, 1].</summary>
    public override Tensor forward(Tensor x, Tensor c)
    {
        var tiled = c.view(c.shape[0], c.shape[1], 1, 1).expand(-1, -1, x.shape[2], x.shape[3]);
        return main.forward(torch.cat([x, tiled], 1));
    }

    public IReadOnlyList<string> EmitGraph(OnnxGraphBuilder g, IReadOnlyList<string> inputs)
    {
        string x = inputs[0], c = inputs[1];
        // (B, K) → (B, K, 1, 1) → Expand to (B, K, H, W): Expand broadcasts against [1, 1, H, W] taken from x's shape.
        var c4 = g.Node("Unsqueeze", [c, g.Int64Initializer("axes", [2, 3])]);
        var hw = g.Node("Slice", [g.Node("Shape", [x]), g.Int64Initializer("start", [2]), g.Int64Initializer("end", [4])]);
        var target = g.Node("Concat", [g.Int64Initializer("ones", [1, 1]), hw], ("axis", 0L));
        var tiled = g.Node("Expand", [c4, target]);
        var input = g.Node("Concat", [x, tiled], ("axis", 1L));
        using (g.Scope("main")) return [main.Emit(g, input)];
    }
}

/// <summary>x + [Conv 3×3, IN(affine), ReLU, Conv 3×3, IN(affine)](x), bias-free, zero padding.</summary>
public sealed class StarGanResidualBlock : Layer
{
    public readonly Seq main;

    public StarGanResidualBlock(long dim) : base(nameof(StarGanResidualBlock))
    {
        main = new Seq(new Conv2d(dim, dim, 3, padding: 1, bias: false), new InstanceNorm2d(dim, affine: true), new ReLU(),
            new Conv2d(dim, dim, 3, padding: 1, bias: false), new InstanceNorm2d(dim, affine: true));
        register_module("main", main);
    }

    public override Tensor forward(Tensor x) => x + main.forward(x);

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        string y;
        using (g.Scope("main")) y = main.Emit(g, input);
        return g.Node("Add", [input, y]);
    }
}

/// <summary>
/// StarGAN discriminator (PatchGAN with an auxiliary classifier): `repeat` × [Conv 4×4 s2 (bias) → LReLU 0.01] from
/// convDim doubling (64 → 2048 at the reference 6 layers, 128²); heads: conv1 3×3 → 1 (real/fake patch, (B, 1, H/2^r,
/// W/2^r)) and conv2 with kernel size/2^r → K class logits, (B, K).
/// </summary>
public sealed class StarGanDiscriminator : nn.Module<Tensor, (Tensor Source, Tensor Classes)>
{
    public readonly Seq main;
    public readonly Conv2d conv1;
    public readonly Conv2d conv2;

    public StarGanDiscriminator(int imageSize, long labelCount, long convDim = 64, int repeat = 6, long imageChannels = 3)
        : base(nameof(StarGanDiscriminator))
    {
        if (imageSize % (1 << repeat) != 0) throw new ArgumentException($"image size {imageSize} must be a multiple of 2^{repeat}");
        main = new Seq(new Conv2d(imageChannels, convDim, 4, stride: 2, padding: 1), new LeakyReLU(0.01));
        long dim = convDim;
        for (int i = 1; i < repeat; i++, dim *= 2)
        {
            main.Add(new Conv2d(dim, dim * 2, 4, stride: 2, padding: 1));
            main.Add(new LeakyReLU(0.01));
        }
        conv1 = new Conv2d(dim, 1, 3, padding: 1, bias: false);
        conv2 = new Conv2d(dim, labelCount, imageSize >> repeat, bias: false);
        register_module("main", main);
        register_module("conv1", conv1);
        register_module("conv2", conv2);
    }

    public override (Tensor Source, Tensor Classes) forward(Tensor x)
    {
        var h = main.forward(x);
        return (conv1.forward(h), conv2.forward(h).flatten(1));
    }
}
