using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.CycleGan;

/// <summary>
/// CycleGAN ResNet generator (junyanz networks.py ResnetGenerator): ReflectionPad 3 → Conv 7×7 ngf → norm → ReLU;
/// two stride-2 3×3 downs (2·ngf, 4·ngf); `blocks` residual blocks at 4·ngf (6 for 128², 9 for 256²); two ConvT 3×3 s2
/// (output_padding 1) ups; ReflectionPad 3 → Conv 7×7 → Tanh. Convs carry a bias only when the norm is not BatchNorm
/// (<c>convBias</c> overrides that for imported checkpoints: junyanz's `--norm none` builds bias-free convs).
/// Children "model.0", "model.1", … as in the reference's nn.Sequential (checkpoint keys).
/// </summary>
public sealed class ResnetGenerator : Layer
{
    public readonly Seq model;

    /// <summary>Downsamplings of the encoder (junyanz's n_downsampling).</summary>
    private const int Downs = 2;

    /// <summary>The total stride: heights and widths that are multiples of this come back at their own size.</summary>
    public const int Stride = 1 << Downs;

    public ResnetGenerator(long inputChannels, long outputChannels, long ngf = 64, NormKind norm = NormKind.Instance,
        bool useDropout = false, int blocks = 9, bool? convBias = null) : base(nameof(ResnetGenerator))
    {
        if (blocks < 0) throw new ArgumentOutOfRangeException(nameof(blocks));
        bool bias = convBias ?? Norms.ConvBias(norm);
        model = new Seq(Pads.Reflection(3), new Conv2d(inputChannels, ngf, 7, bias: bias), Norms.Create(norm, ngf), new ReLU());
        const int downs = Downs;
        for (int i = 0; i < downs; i++)
        {
            long mult = 1L << i;
            model.Add(new Conv2d(ngf * mult, ngf * mult * 2, 3, stride: 2, padding: 1, bias: bias));
            model.Add(Norms.Create(norm, ngf * mult * 2));
            model.Add(new ReLU());
        }
        long dim = ngf * (1L << downs);
        for (int i = 0; i < blocks; i++) model.Add(new ResnetBlock(dim, norm, useDropout, bias));
        for (int i = 0; i < downs; i++)
        {
            long mult = 1L << (downs - i);
            model.Add(new ConvTranspose2d(ngf * mult, ngf * mult / 2, 3, stride: 2, padding: 1, outputPadding: 1, bias: bias));
            model.Add(Norms.Create(norm, ngf * mult / 2));
            model.Add(new ReLU());
        }
        model.Add(Pads.Reflection(3));
        model.Add(new Conv2d(ngf, outputChannels, 7)); // the last conv always has a bias (junyanz)
        model.Add(new Tanh());
        register_module("model", model);
    }

    public override Tensor forward(Tensor x) => model.forward(x); // (B, in, H, W) → (B, out, H, W) in [-1, 1]

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        using (g.Scope("model")) return model.Emit(g, input);
    }
}

/// <summary>x + [ReflectionPad 1, Conv 3×3, norm, ReLU, (Dropout 0.5), ReflectionPad 1, Conv 3×3, norm](x).</summary>
public sealed class ResnetBlock : Layer
{
    public readonly Seq conv_block;

    public ResnetBlock(long dim, NormKind norm, bool useDropout, bool bias) : base(nameof(ResnetBlock))
    {
        conv_block = new Seq(Pads.Reflection(1), new Conv2d(dim, dim, 3, bias: bias), Norms.Create(norm, dim), new ReLU());
        if (useDropout) conv_block.Add(new Dropout(0.5));
        conv_block.Add(Pads.Reflection(1));
        conv_block.Add(new Conv2d(dim, dim, 3, bias: bias));
        conv_block.Add(Norms.Create(norm, dim));
        register_module("conv_block", conv_block);
    }

    public override Tensor forward(Tensor x) => x + conv_block.forward(x);

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        string y;
        using (g.Scope("conv_block")) y = conv_block.Emit(g, input);
        return g.Node("Add", [input, y]);
    }
}
