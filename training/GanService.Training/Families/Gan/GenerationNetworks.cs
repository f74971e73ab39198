using GanService.Training.Layers;
using GanService.Training.Tricks;

namespace GanService.Training.Families.Gan;

/// <summary>Builds G and D for gan / dcgan / cgan from <see cref="GenerationOptions"/>; the only place the three
/// families differ (MLP vs conv body; label embedding for cGAN).</summary>
public static class GenerationNetworks
{
    public static LatentGenerator Generator(GenerationOptions o)
    {
        int e = o.Conditional ? (o.EmbedDim > 0 ? o.EmbedDim : o.NumClasses) : 0;
        int zIn = o.ZDim + e;
        Layer body = o.ResolvedArch switch
        {
            "mlp" => Gan.MlpNetworks.Generator(zIn, o.GHidden, o.Channels * o.Size * o.Size, [o.Channels, o.Size, o.Size], o.VirtualBatchNorm),
            "dcgan" => Dcgan.DcganNetworks.Generator(zIn, o.Ngf, o.Channels, o.Size, o.VirtualBatchNorm),
            var a => throw new ArgumentException($"unknown arch '{a}' (mlp | dcgan)"),
        };
        return new LatentGenerator(o.ZDim, body, o.NumClasses, e);
    }

    public static Discriminator Discriminator(GenerationOptions o)
    {
        if (o.Pack > 1 && o.Conditional) throw new ArgumentException("PacGAN packing is not combined with class conditioning here");
        var conditioning = o.Conditioning == "projection" ? Conditioning.Projection : Conditioning.Concat;
        int e = o.Conditional && conditioning == Conditioning.Concat ? (o.EmbedDim > 0 ? o.EmbedDim : o.NumClasses) : 0;
        Func<long, long, Layer> linear = o.SpectralNorm ? (i, k) => new SpectralNorm(new Linear(i, k)) : (i, k) => new Linear(i, k);
        bool batchNorm = o.ResolvedDNorm == "batch";
        (Layer body, long features) = o.ResolvedArch switch
        {
            "mlp" => Gan.MlpNetworks.DiscriminatorBody(o.Pack * o.Channels * o.Size * o.Size + e, o.DHidden, o.MaxoutPieces, linear),
            "dcgan" => Dcgan.DcganNetworks.DiscriminatorBody(o.Pack * o.Channels + e, o.Ndf, o.Size, batchNorm, o.SpectralNorm),
            var a => throw new ArgumentException($"unknown arch '{a}' (mlp | dcgan)"),
        };
        var mbd = o.MinibatchKernels > 0 ? new MinibatchDiscrimination(features, o.MinibatchKernels, 5) : null;
        return new Discriminator(body, features, linear, o.NumClasses, conditioning, e, mbd);
    }
}

/// <summary>MLP networks (Goodfellow et al. 2014 as in the common PyTorch ports; PacGAN's mixture nets).</summary>
public static class MlpNetworks
{
    /// <summary>z → [Linear → BN → ReLU] × hidden → Linear → (Tanh → Reshape(C, H, W) when <paramref name="imageShape"/> is set).</summary>
    public static Seq Generator(int zIn, IReadOnlyList<int> hidden, long outFeatures, long[]? imageShape, bool virtualBatchNorm = false)
    {
        var s = new Seq();
        long prev = zIn;
        foreach (var h in hidden)
        {
            s.Add(new Linear(prev, h));
            s.Add(virtualBatchNorm ? new VirtualBatchNorm(h, rank: 2) : new BatchNorm1d(h));
            s.Add(new ReLU());
            prev = h;
        }
        s.Add(new Linear(prev, outFeatures));
        if (imageShape is not null)
        {
            s.Add(new Tanh());
            s.Add(new Reshape(imageShape));
        }
        return s;
    }

    /// <summary>x → Flatten → [Linear → LeakyReLU 0.2] (or LinearMaxout(k)) × hidden; features = last width.</summary>
    public static (Layer Body, long Features) DiscriminatorBody(long inFeatures, IReadOnlyList<int> hidden, int maxoutPieces, Func<long, long, Layer> linear)
    {
        var s = new Seq(new Flatten());
        long prev = inFeatures;
        foreach (var h in hidden)
        {
            if (maxoutPieces > 0) s.Add(new LinearMaxout(prev, h, maxoutPieces));
            else { s.Add(linear(prev, h)); s.Add(new LeakyReLU(0.2)); }
            prev = h;
        }
        return (s, prev);
    }
}
