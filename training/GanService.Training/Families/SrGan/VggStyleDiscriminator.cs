using GanService.Training.Layers;

namespace GanService.Training.Families.SrGan;

/// <summary>
/// SRGAN / ESRGAN's discriminator (BasicSR VGGStyleDiscriminator, basicsr/archs/discriminator_arch.py): stage k is a 3×3
/// conv and a 4×4 stride-2 conv, each followed by BatchNorm (except the very first conv, which has a bias and no norm)
/// and LeakyReLU 0.2; channels nf, 2nf, 4nf, 8nf, 8nf…; then the 4×4 map flattened, Linear to 100, LeakyReLU 0.2, Linear
/// to one logit per image. BasicSR builds five stages for 128² patches and six for 256²; here the count is log2(size/4)
/// for any patch size 4·2^k (k ≥ 1), so the last map is always 4×4 — the same network at BasicSR's sizes. Trained only
/// (never exported); children stages.N (2k: the 3×3 conv of stage k, 2k + 1: its 4×4 stride-2 conv, each a Seq of conv,
/// [BatchNorm,] LeakyReLU), linear1, linear2.
/// </summary>
public sealed class VggStyleDiscriminator : nn.Module<Tensor, Tensor>
{
    private readonly Seq _stages;
    private readonly Linear linear1;
    private readonly Linear linear2;

    public VggStyleDiscriminator(long channels, int size, long nf = 64) : base(nameof(VggStyleDiscriminator))
    {
        int stages = Stages(size);
        _stages = new Seq();
        long c = channels;
        for (int k = 0; k < stages; k++)
        {
            long width = nf << Math.Min(k, 3); // nf, 2nf, 4nf, 8nf, 8nf, …
            // stage 0's first conv: bias, no norm; every other conv: no bias, BatchNorm (affine).
            _stages.Add(k == 0 ? new Seq(new Conv2d(c, width, 3, padding: 1), new LeakyReLU(0.2))
                : new Seq(new Conv2d(c, width, 3, padding: 1, bias: false), new BatchNorm2d(width), new LeakyReLU(0.2)));
            _stages.Add(new Seq(new Conv2d(width, width, 4, stride: 2, padding: 1, bias: false), new BatchNorm2d(width), new LeakyReLU(0.2)));
            c = width;
        }
        linear1 = new Linear(c * 4 * 4, 100);
        linear2 = new Linear(100, 1);
        register_module("stages", _stages);
        register_module("linear1", linear1);
        register_module("linear2", linear2);
    }

    /// <summary>Stride-2 stages from <paramref name="size"/>² down to 4² (5 for 128, as BasicSR's default).</summary>
    public static int Stages(int size) =>
        size >= 8 && (size & (size - 1)) == 0 ? (int)Math.Log2(size / 4)
        : throw new ArgumentException($"the discriminator's patch size {size} must be a power of two ≥ 8 (HR crop; BasicSR uses 128 or 256)");

    /// <summary>(B, C, S, S) HR images in [0, 1] → (B, 1) logits.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var feat = _stages.forward(x).flatten(1);
        return linear2.forward(linear1.forward(feat).leaky_relu(Scalars.Of(0.2))).MoveToOuterDisposeScope();
    }
}
