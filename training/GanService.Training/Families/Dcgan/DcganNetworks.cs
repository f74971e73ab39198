using GanService.Training.Layers;
using GanService.Training.Tricks;

namespace GanService.Training.Families.Dcgan;

/// <summary>
/// DCGAN (Radford et al. 2016; pytorch/examples dcgan): G = z as (nz, 1, 1) → ConvT 4×4 s1 p0 to 4×4 → [ConvT 4×4 s2 p1
/// → BN → ReLU] doubling the size → ConvT to C channels → Tanh. D = Conv 4×4 s2 p1 → LeakyReLU 0.2 (no norm on the first)
/// → [Conv 4×4 s2 p1 → BN → LeakyReLU 0.2] down to 4×4; the final 4×4 valid conv to one logit is the discriminator's
/// Linear head on the flattened 4×4 features (the same map). Widths double per level (ngf·2^k, ndf·2^k).
/// </summary>
public static class DcganNetworks
{
    public static int Levels(int size)
    {
        int levels = (int)Math.Round(Math.Log2(size)) - 2; // 32 → 3 upsamplings after the 4×4 start, 64 → 4
        if (size is not (16 or 32 or 64 or 128)) throw new ArgumentException($"DCGAN size {size} must be 16, 32, 64 or 128");
        return levels;
    }

    /// <summary>DCGAN weight init (N(0, 0.02) conv weights; BN weight N(1, 0.02), bias 0).</summary>
    public static void Init(nn.Module m)
    {
        using var _ = torch.no_grad();
        foreach (var (name, p) in m.named_parameters())
        {
            if (name.EndsWith("weight", StringComparison.Ordinal) && p.dim() == 4) nn.init.normal_(p, 0, 0.02);
            else if (name.EndsWith("weight", StringComparison.Ordinal) && p.dim() == 1) nn.init.normal_(p, 1, 0.02);
            else if (name.EndsWith("bias", StringComparison.Ordinal) && p.dim() == 1 && !name.Contains("head")) p.zero_();
        }
    }

    public static Seq Generator(int zIn, int ngf, int channels, int size, bool virtualBatchNorm = false)
    {
        int levels = Levels(size);
        long width = ngf << (levels - 1);
        Layer Norm(long c) => virtualBatchNorm ? new VirtualBatchNorm(c, rank: 4) : new BatchNorm2d(c);
        var s = new Seq(new Reshape(zIn, 1, 1), new ConvTranspose2d(zIn, width, 4, 1, 0, bias: false), Norm(width), new ReLU());
        for (int i = 1; i < levels; i++)
        {
            s.Add(new ConvTranspose2d(width, width / 2, 4, 2, 1, bias: false)).Add(Norm(width / 2)).Add(new ReLU());
            width /= 2;
        }
        s.Add(new ConvTranspose2d(width, channels, 4, 2, 1, bias: false)).Add(new Tanh());
        Init(s);
        return s;
    }

    public static (Layer Body, long Features) DiscriminatorBody(int inChannels, int ndf, int size, bool batchNorm, bool spectralNorm)
    {
        int levels = Levels(size);
        Layer Conv(long i, long o) => spectralNorm ? new SpectralNorm(new Conv2d(i, o, 4, 2, 1, bias: false)) : new Conv2d(i, o, 4, 2, 1, bias: false);
        var s = new Seq(Conv(inChannels, ndf), new LeakyReLU(0.2));
        long width = ndf;
        for (int i = 1; i < levels; i++)
        {
            s.Add(Conv(width, width * 2));
            if (batchNorm) s.Add(new BatchNorm2d(width * 2));
            s.Add(new LeakyReLU(0.2));
            width *= 2;
        }
        s.Add(new Flatten());
        Init(s);
        return (s, width * 16);
    }
}
