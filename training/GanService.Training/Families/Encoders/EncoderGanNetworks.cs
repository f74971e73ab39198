using GanService.Training.Families.Dcgan;
using GanService.Training.Families.Gan;
using GanService.Training.Layers;

namespace GanService.Training.Families.Encoders;

/// <summary>The networks of AAE and ALI/BiGAN: decoder G (the DCGAN generator), encoder E (DCGAN discriminator
/// convolutions → Linear nz), and each family's discriminator. G and E are exported; the discriminators never are.</summary>
public static class EncoderGanNetworks
{
    public static LatentGenerator Decoder(EncoderGanOptions o) => new(o.ZDim, DcganNetworks.Generator(o.ZDim, o.Ngf, o.Channels, o.Size));

    /// <summary>x (B, C, H, W) in [-1, 1] → z (B, nz): the DCGAN discriminator body (BatchNorm) and a Linear to nz.</summary>
    public static Seq Encoder(EncoderGanOptions o)
    {
        var (body, features) = DcganNetworks.DiscriminatorBody(o.Channels, o.Ndf, o.Size, batchNorm: true, spectralNorm: false);
        return new Seq(body, new Linear(features, o.ZDim));
    }

    /// <summary>AAE's D on z: MLP nz → h → h → 1 with LeakyReLU 0.2 (Makhzani et al.: two 1000-unit layers; narrower here).</summary>
    public static Seq LatentDiscriminator(EncoderGanOptions o) =>
        new(new Linear(o.ZDim, o.ZHidden), new LeakyReLU(0.2), new Linear(o.ZHidden, o.ZHidden), new LeakyReLU(0.2), new Linear(o.ZHidden, 1));
}

/// <summary>
/// ALI/BiGAN's D(x, z): an x path (DCGAN discriminator convolutions, no BatchNorm — D sees real and fake pairs in
/// separate batches, whose statistics would give the pair's origin away), a z path (Linear → LeakyReLU), and a joint
/// MLP on their concatenation → one logit. Dropout is left out (ALI uses it; a small CPU run does not need it).
/// </summary>
public sealed class JointDiscriminator : nn.Module
{
    public readonly Layer xPath;
    public readonly Seq zPath;
    public readonly Seq joint;

    public JointDiscriminator(EncoderGanOptions o) : base(nameof(JointDiscriminator))
    {
        (xPath, long features) = DcganNetworks.DiscriminatorBody(o.Channels, o.Ndf, o.Size, batchNorm: false, spectralNorm: false);
        zPath = new Seq(new Linear(o.ZDim, o.ZHidden), new LeakyReLU(0.2), new Linear(o.ZHidden, o.ZHidden), new LeakyReLU(0.2));
        joint = new Seq(new Linear(features + o.ZHidden, o.ZHidden * 2), new LeakyReLU(0.2), new Linear(o.ZHidden * 2, 1));
        register_module("xPath", xPath);
        register_module("zPath", zPath);
        register_module("joint", joint);
    }

    /// <summary>(B, C, H, W), (B, nz) → logits (B,).</summary>
    public Tensor Forward(Tensor x, Tensor z) => joint.forward(torch.cat([xPath.forward(x), zPath.forward(z)], 1)).squeeze(1);
}
