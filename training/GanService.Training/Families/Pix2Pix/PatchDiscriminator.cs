using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.Pix2Pix;

/// <summary>
/// PatchGAN discriminator (junyanz NLayerDiscriminator). With nLayers = 3 each output logit sees a 70×70 patch:
/// Conv 4×4 s2 ndf → LReLU 0.2; (nLayers−1) × [Conv 4×4 s2 → norm → LReLU] doubling up to 8·ndf; Conv 4×4 s1 → norm →
/// LReLU; Conv 4×4 s1 → 1 (raw logits, (B, 1, H', W')). No norm on the first conv; bias only when the norm is not
/// BatchNorm (the first and last convs always have one). Used by pix2pix (input = A ⊕ B) and CycleGAN (input = one image).
/// </summary>
public sealed class PatchDiscriminator : Layer
{
    public readonly Seq model;

    public PatchDiscriminator(long inputChannels, long ndf = 64, int nLayers = 3, NormKind norm = NormKind.Batch, bool? convBias = null)
        : base(nameof(PatchDiscriminator))
    {
        if (nLayers < 0) throw new ArgumentOutOfRangeException(nameof(nLayers));
        bool bias = convBias ?? Norms.ConvBias(norm); // override for imported checkpoints (junyanz `--norm none`: no bias)
        model = new Seq(new Conv2d(inputChannels, ndf, 4, stride: 2, padding: 1), new LeakyReLU(0.2));
        long mult = 1, prev;
        for (int n = 1; n < nLayers; n++)
        {
            prev = mult;
            mult = Math.Min(1L << n, 8);
            model.Add(new Conv2d(ndf * prev, ndf * mult, 4, stride: 2, padding: 1, bias: bias));
            model.Add(Norms.Create(norm, ndf * mult));
            model.Add(new LeakyReLU(0.2));
        }
        prev = mult;
        mult = Math.Min(1L << nLayers, 8);
        model.Add(new Conv2d(ndf * prev, ndf * mult, 4, stride: 1, padding: 1, bias: bias));
        model.Add(Norms.Create(norm, ndf * mult));
        model.Add(new LeakyReLU(0.2));
        model.Add(new Conv2d(ndf * mult, 1, 4, stride: 1, padding: 1));
        register_module("model", model);
    }

    public override Tensor forward(Tensor x) => model.forward(x);

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        using (g.Scope("model")) return model.Emit(g, input);
    }
}

/// <summary>1×1 PixelGAN (junyanz PixelDiscriminator): Conv 1×1 ndf → LReLU → Conv 1×1 2·ndf → norm → LReLU → Conv 1×1 → 1.</summary>
public sealed class PixelDiscriminator : Layer
{
    public readonly Seq net;

    public PixelDiscriminator(long inputChannels, long ndf = 64, NormKind norm = NormKind.Batch) : base(nameof(PixelDiscriminator))
    {
        bool bias = Norms.ConvBias(norm);
        net = new Seq(
            new Conv2d(inputChannels, ndf, 1), new LeakyReLU(0.2),
            new Conv2d(ndf, ndf * 2, 1, bias: bias), Norms.Create(norm, ndf * 2), new LeakyReLU(0.2),
            new Conv2d(ndf * 2, 1, 1, bias: bias));
        register_module("net", net);
    }

    public override Tensor forward(Tensor x) => net.forward(x);

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        using (g.Scope("net")) return net.Emit(g, input);
    }
}
