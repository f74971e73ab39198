using GanService.Training.Training;

namespace GanService.Training.Families.StyleGan2;

/// <summary>Architecture options (stored in the checkpoint so export rebuilds exactly what was trained).</summary>
public sealed record StyleGan2Architecture
{
    [OptionAlias("size")] public int Resolution { get; init; } = 32;
    public int ImageChannels { get; init; } = 3;
    public int ZDim { get; init; } = 128;           // NVlabs 512; slim so 32² trains on CPU
    public int WDim { get; init; } = 128;
    [OptionAlias("mapLayers")] public int MappingLayers { get; init; } = 2;     // NVlabs cifar config uses map=2 (8 for the large configs)
    public double MappingLrMultiplier { get; init; } = 0.01;
    public int ChannelBase { get; init; } = 2048;    // channels(res) = min(base/res, max); NVlabs 32768 / 512
    public int ChannelMax { get; init; } = 128;
    public int MbstdGroup { get; init; } = 4;

    /// <summary>
    /// Explicit channel count per resolution 4, 8, …, Resolution, for imported checkpoints whose table the base/max
    /// formula cannot express (e.g. a custom rosinality table); null = the formula (every model trained here).
    /// </summary>
    public int[]? Channels { get; init; }

    /// <summary>
    /// NVlabs conv_clamp: every synthesis layer's output (after bias, lrelu and the √2 gain) and every ToRGB output
    /// (after bias) is clamped to ±ConvClamp. NVlabs train.py sets 256 for mixed-precision runs; null = no clamp
    /// (models trained here, rosinality checkpoints).
    /// </summary>
    public double? ConvClamp { get; init; }

    /// <summary>Channels of the feature maps at <paramref name="res"/>: the explicit table or min(base/res, max).</summary>
    public long ChannelsAt(int res)
    {
        if (Channels is null) return Math.Min(ChannelBase / res, ChannelMax);
        int i = System.Numerics.BitOperations.Log2((uint)res) - 2;
        if (i < 0 || i >= Channels.Length) throw new ArgumentException($"the channel table has no entry for {res}²");
        return Channels[i];
    }

    /// <summary>The resolved channel table, one entry per resolution 4 … Resolution.</summary>
    public long[] ChannelTable() => Resolutions().Select(ChannelsAt).ToArray();

    /// <summary>4, 8, …, Resolution.</summary>
    public IEnumerable<int> Resolutions()
    {
        for (int res = 4; res <= Resolution; res *= 2) yield return res;
    }
}

/// <summary>NVlabs Generator = MappingNetwork + SynthesisNetwork, with style mixing for training.</summary>
public sealed class StyleGan2Generator : nn.Module
{
    public readonly MappingNetwork mapping;
    public readonly SynthesisNetwork synthesis;
    public StyleGan2Architecture Arch { get; }

    public StyleGan2Generator(StyleGan2Architecture arch) : base(nameof(StyleGan2Generator))
    {
        Arch = arch;
        synthesis = new SynthesisNetwork(arch);
        mapping = new MappingNetwork(arch.ZDim, arch.WDim, synthesis.NumWs, arch.MappingLayers, arch.MappingLrMultiplier);
        register_module("mapping", mapping);
        register_module("synthesis", synthesis);
    }

    public int NumWs => synthesis.NumWs;

    /// <summary>z (B, Z) → image, truncated by ψ (eval / sampling).</summary>
    public Tensor Generate(Tensor z, double psi = 1, NoiseMode mode = NoiseMode.Const) =>
        synthesis.Forward(mapping.MapWs(z, psi), mode);

    /// <summary>
    /// Training mapping with style mixing (NVlabs loss.style_mixing): with probability p, rows [cutoff, num_ws) come from
    /// a second latent, cutoff ~ U{1, …, num_ws−1}.
    /// </summary>
    public Tensor MixedWs(Tensor z, double mixingProb, Random rng, bool updateWAvg)
    {
        var w = mapping.Map(z, updateWAvg);
        var ws = w.unsqueeze(1).repeat(1, NumWs, 1);
        if (mixingProb > 0 && rng.NextDouble() < mixingProb)
        {
            int cutoff = rng.Next(1, NumWs);
            var w2 = mapping.Map(torch.randn_like(z), false).unsqueeze(1).repeat(1, NumWs - cutoff, 1);
            ws = torch.cat([ws[.., ..cutoff], w2], 1);
        }
        return ws;
    }
}
