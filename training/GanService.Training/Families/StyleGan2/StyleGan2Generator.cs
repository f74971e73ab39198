namespace GanService.Training.Families.StyleGan2;

/// <summary>Architecture options (stored in the checkpoint so export rebuilds exactly what was trained).</summary>
public sealed record StyleGan2Architecture
{
    public int Resolution { get; init; } = 32;
    public int ImageChannels { get; init; } = 3;
    public int ZDim { get; init; } = 128;           // NVlabs 512; slim so 32² trains on CPU
    public int WDim { get; init; } = 128;
    public int MappingLayers { get; init; } = 2;     // NVlabs cifar config uses map=2 (8 for the large configs)
    public double MappingLrMultiplier { get; init; } = 0.01;
    public int ChannelBase { get; init; } = 2048;    // channels(res) = min(base/res, max); NVlabs 32768 / 512
    public int ChannelMax { get; init; } = 128;
    public int MbstdGroup { get; init; } = 4;
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
        synthesis = new SynthesisNetwork(arch.WDim, arch.Resolution, arch.ImageChannels, arch.ChannelBase, arch.ChannelMax);
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
