using System.Globalization;
using GanService.Training.Families.CycleGan;
using GanService.Training.Families.Pix2Pix;
using GanService.Training.Layers;

namespace GanService.Training.Families.Translation;

/// <summary>junyanz define_G / define_D by name (typed, explicit; no reflection).</summary>
public static class Networks
{
    public static NormKind ParseNorm(string norm) => norm.ToLowerInvariant() switch
    {
        "batch" => NormKind.Batch,
        "instance" => NormKind.Instance,
        "none" => NormKind.None,
        _ => throw new ArgumentException($"norm '{norm}' must be batch, instance or none"),
    };

    /// <summary>"unet_256" / "unet_128" / "unet_&lt;size&gt;" (log2(size) downs), "resnet_9blocks" / "resnet_6blocks" / "resnet_&lt;n&gt;blocks".</summary>
    /// <summary>The generator as a trainer builds it: architecture by name, then the options' weight init.</summary>
    public static Layer InitializedGenerator(string netG, long inC, long outC, long ngf, string norm, bool dropout,
        Layers.InitType init, double gain)
    {
        var g = Generator(netG, inC, outC, ngf, norm, dropout);
        Layers.WeightInit.Apply(g, init, gain);
        return g;
    }

    public static Layer Generator(string netG, long inC, long outC, long ngf, string norm, bool dropout)
    {
        var kind = ParseNorm(norm);
        if (netG.StartsWith("unet_", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(netG[5..], NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size > 0 && (size & (size - 1)) == 0)
            return new UnetGenerator(inC, outC, (int)Math.Log2(size), ngf, kind, dropout);
        if (netG.StartsWith("resnet_", StringComparison.OrdinalIgnoreCase) && netG.EndsWith("blocks", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(netG[7..^6], NumberStyles.None, CultureInfo.InvariantCulture, out int blocks))
            return new ResnetGenerator(inC, outC, ngf, kind, dropout, blocks);
        throw new ArgumentException($"netG '{netG}' must be unet_<size> (e.g. unet_256, unet_128) or resnet_<n>blocks (e.g. resnet_9blocks)");
    }

    /// <summary>The total stride of a generator named as <see cref="Generator"/> takes it: heights and widths it runs at
    /// without losing or inventing a pixel (a U-Net halves 2^downs times and concatenates the skips back, so it needs
    /// multiples of its nominal size; a ResNet generator downsamples twice).</summary>
    public static int SizeMultiple(string netG) =>
        netG.StartsWith("unet_", StringComparison.OrdinalIgnoreCase) && int.TryParse(netG[5..], NumberStyles.None, CultureInfo.InvariantCulture, out int size)
            ? size : ResnetGenerator.Stride;

    /// <summary>"basic" (70×70 PatchGAN), "n_layers" (PatchGAN with nLayers), "pixel" (1×1 PixelGAN).</summary>
    public static Layer Discriminator(string netD, long inC, long ndf, int nLayers, string norm) => netD.ToLowerInvariant() switch
    {
        "basic" => new PatchDiscriminator(inC, ndf, 3, ParseNorm(norm)),
        "n_layers" => new PatchDiscriminator(inC, ndf, nLayers, ParseNorm(norm)),
        "pixel" => new PixelDiscriminator(inC, ndf, ParseNorm(norm)),
        _ => throw new ArgumentException($"netD '{netD}' must be basic, n_layers or pixel"),
    };
}
