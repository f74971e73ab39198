using System.Globalization;
using GanService.Training.Families.CycleGan;
using GanService.Training.Families.Pix2Pix;
using GanService.Training.Families.Translation;
using GanService.Training.Layers;

namespace GanService.Training.Import;

/// <summary>A junyanz (pytorch-CycleGAN-and-pix2pix) generator as read from its weights.</summary>
/// <param name="Kind">"resnet" (ResnetGenerator) or "unet" (UnetGenerator)</param>
/// <param name="Depth">residual blocks (resnet) or num_downs (unet: 8 = unet_256, 7 = unet_128)</param>
/// <param name="ConvBias">whether the inner convolutions carry a bias (junyanz: only with InstanceNorm)</param>
/// <param name="Dropout">ResNet blocks with Dropout shift their keys; U-Net dropout leaves no trace (irrelevant at eval)</param>
public sealed record JunyanzGenerator(string Kind, long InputChannels, long OutputChannels, long Ngf, int Depth, NormKind Norm,
    bool ConvBias, bool Dropout)
{
    /// <summary>junyanz's own name for the architecture: resnet_9blocks, unet_256 (2^num_downs), …</summary>
    public string NetG => Kind == "resnet" ? $"resnet_{Depth}blocks" : $"unet_{1L << Depth}";

    /// <summary>The smallest spatial size, and the step every size must be a multiple of.</summary>
    public int SizeMultiple => Networks.SizeMultiple(NetG);

    public override string ToString() =>
        $"{(Kind == "resnet" ? "ResnetGenerator" : "UnetGenerator")} {NetG}: ngf {Ngf}, " +
        (Kind == "resnet" ? $"{Depth} residual blocks" : $"num_downs {Depth}") +
        $", norm {JunyanzNetworks.Describe(Norm)}, conv bias {(ConvBias ? "yes" : "no")}, channels {InputChannels} → {OutputChannels}" +
        (Kind == "resnet" ? $", dropout {(Dropout ? "yes (off at inference)" : "no")}" : "");
}

/// <summary>A junyanz NLayerDiscriminator (PatchGAN) as read from its weights.</summary>
public sealed record JunyanzPatchDiscriminator(long InputChannels, long Ndf, int NLayers, NormKind Norm, bool ConvBias)
{
    public override string ToString() =>
        $"NLayerDiscriminator: ndf {Ndf}, n_layers {NLayers}, norm {JunyanzNetworks.Describe(Norm)}, input channels {InputChannels}";
}

/// <summary>
/// Reads junyanz ResnetGenerator / UnetGenerator / NLayerDiscriminator state dicts: infers the architecture from the keys
/// and shapes, builds our identical network, and loads it strictly. ResnetGenerator and NLayerDiscriminator keys are
/// identical to ours; UnetGenerator nests its blocks as `model.model.1.model.3.model…` where ours names them
/// `model.submodule.submodule…` with `down` / `up` sequences.
/// </summary>
public static class JunyanzNetworks
{
    private const string InstanceStatsReason = "InstanceNorm running statistics, unused: each image is normalised with its own statistics, as in the reference";
    private const string CounterReason = "a norm layer's training step counter";

    public static string Describe(NormKind norm) => norm switch
    {
        NormKind.Batch => "batch (affine, running statistics)",
        NormKind.BatchNoAffine => "batch (no affine, running statistics)",
        NormKind.Instance => "instance (no affine)",
        NormKind.InstanceAffine => "instance (affine)",
        _ => "none",
    };

    /// <summary>Which junyanz network the keys describe, or null.</summary>
    public static string? Sniff(SourceState s) =>
        Is4d(s, "model.model.0.weight") ? "unet"
        : Is4d(s, "model.1.weight") && Kernel(s, "model.1.weight") == 7 ? "resnet"
        : Is4d(s, "model.0.weight") && Kernel(s, "model.0.weight") == 4 && !s.Has("model.1.weight") ? "nlayer"
        : null;

    public static JunyanzGenerator InferGenerator(SourceState s)
    {
        s.Describe = "a junyanz ResnetGenerator or UnetGenerator state dict";
        return Sniff(s) switch
        {
            "resnet" => InferResnet(s),
            "unet" => InferUnet(s),
            "nlayer" => throw new CheckpointImportException("this file holds a junyanz NLayerDiscriminator (PatchGAN D: 'model.0.weight' is a 4×4 conv), " +
                "not a generator; import the generator file (latest_net_G*.pth)"),
            _ => throw new CheckpointImportException(
                $"not a junyanz generator: neither 'model.1.weight' (ResnetGenerator) nor 'model.model.0.weight' (UnetGenerator) is a 4-D conv weight{CheckpointGuess.Hint(s)}"),
        };
    }

    // ResnetGenerator: model.0 pad, 1 conv 7×7 (ngf, in), 2 norm, 3 ReLU, 4–9 two downs, 10… blocks, then two ups,
    // pad, conv 7×7 (out, ngf), Tanh.
    private static JunyanzGenerator InferResnet(SourceState s)
    {
        var first = s.Shape("model.1.weight");
        long ngf = first[0], inC = first[1];
        int blocks = 0;
        while (s.Has($"model.{10 + blocks}.conv_block.1.weight")) blocks++;
        // The block's second conv sits at conv_block.5, or at .6 when a Dropout precedes its padding.
        bool dropout = blocks > 0 && Is4d(s, "model.10.conv_block.6.weight");
        if (blocks > 0 && !dropout && !Is4d(s, "model.10.conv_block.5.weight"))
            throw new CheckpointImportException("residual block 'model.10.conv_block' has no second 3×3 conv at .5 or .6: not a junyanz ResnetBlock");
        string last = $"model.{10 + blocks + 7}.weight";
        if (!Is4d(s, last)) throw s.Missing(last, $"the final 7×7 conv after {blocks} residual blocks");
        var (norm, bias) = InferNorm(s, "model.2", "model.1");
        return new JunyanzGenerator("resnet", inC, s.Shape(last)[0], ngf, blocks, norm, bias, dropout);
    }

    // UnetGenerator: levels nest as model.model (outermost: 0 down conv, 1 submodule, 3 up ConvT), then
    // .1.model (first middle level), then .3.model each deeper middle level; the innermost has 1 down conv, 3 up ConvT, 4 norm.
    private static JunyanzGenerator InferUnet(SourceState s)
    {
        var first = s.Shape("model.model.0.weight");
        long ngf = first[0], inC = first[1];
        var outer = s.Shape("model.model.3.weight"); // ConvTranspose2d weight (in = 2·ngf, out, 4, 4)
        int levels = 1;
        string prefix = "model.model.1.model";
        while (s.Has($"{prefix}.3.model.1.weight")) { levels++; prefix += ".3.model"; }
        if (!s.Has($"{prefix}.1.weight")) throw s.Missing($"{prefix}.1.weight", "the innermost down conv");
        levels++; // the innermost level at `prefix`
        if (levels < 5)
            throw new CheckpointImportException($"the U-Net has {levels} levels; junyanz UnetGenerator always has at least 5 (num_downs ≥ 5)");
        var (norm, bias) = InferNorm(s, "model.model.1.model.2", "model.model.1.model.1");
        return new JunyanzGenerator("unet", inC, outer[1], ngf, levels, norm, bias, false);
    }

    public static JunyanzPatchDiscriminator InferPatchDiscriminator(SourceState s)
    {
        s.Describe = "a junyanz NLayerDiscriminator state dict";
        if (Sniff(s) != "nlayer") throw new CheckpointImportException($"not a junyanz NLayerDiscriminator: 'model.0.weight' must be a 4×4 conv{CheckpointGuess.Hint(s)}");
        var first = s.Shape("model.0.weight");
        // model.0 conv, 1 LReLU, then [conv, norm, LReLU] per layer (n_layers − 1 strided + 1 stride-1), then the 1-channel conv.
        int convs = 1;
        for (int i = 2; Is4d(s, $"model.{i}.weight"); i += 3) convs++;
        if (convs < 3) throw new CheckpointImportException("an NLayerDiscriminator has at least three convs (model.0, model.2, model.5); this one has " + convs);
        // n_layers 0 and 1 both give three convs; the stride-1 conv's width (ndf · min(2^n_layers, 8)) tells them apart.
        int nLayers = convs == 3 && s.Shape("model.2.weight")[0] == first[0] ? 0 : convs - 2;
        var (norm, bias) = InferNorm(s, "model.3", "model.2");
        return new JunyanzPatchDiscriminator(first[1], first[0], nLayers, norm, bias);
    }

    /// <summary>Builds our generator and loads it strictly; junk keys (InstanceNorm running stats, counters) are dropped by name.</summary>
    public static Layer LoadGenerator(JunyanzGenerator a, SourceState s)
    {
        s.Describe = $"a junyanz {a}";
        Layer g = a.Kind == "resnet"
            ? new ResnetGenerator(a.InputChannels, a.OutputChannels, a.Ngf, a.Norm, a.Dropout, a.Depth, a.ConvBias)
            : new UnetGenerator(a.InputChannels, a.OutputChannels, a.Depth, a.Ngf, a.Norm, useDropout: false, a.ConvBias);
        Func<string, string> key = a.Kind == "resnet" ? ours => ours : ours => UnetSourceKey(ours, a.Depth);
        Load(g, s, key);
        return g;
    }

    public static PatchDiscriminator LoadPatchDiscriminator(JunyanzPatchDiscriminator a, SourceState s)
    {
        s.Describe = $"a junyanz {a}";
        var d = new PatchDiscriminator(a.InputChannels, a.Ndf, a.NLayers, a.Norm, a.ConvBias);
        Load(d, s, ours => ours);
        return d;
    }

    /// <summary>Drops the norms' junk keys, loads every parameter/buffer, then fails on any key left over.</summary>
    public static void Load(nn.Module net, SourceState s, Func<string, string> sourceKeyOf)
    {
        DropNormJunk(net, s, sourceKeyOf);
        StrictLoader.Load(net, s, sourceKeyOf);
        s.EnsureAllAccountedFor();
    }

    /// <summary>Keys the reference saves but inference never reads: InstanceNorm running stats (pre-0.4 files and
    /// track_running_stats norms) and BatchNorm's num_batches_tracked.</summary>
    public static void DropNormJunk(nn.Module net, SourceState s, Func<string, string> sourceKeyOf)
    {
        foreach (var (name, module) in net.named_modules())
        {
            if (module is not (InstanceNorm2d or BatchNorm2d)) continue;
            string prefix = sourceKeyOf(name + ".weight")[..^".weight".Length];
            s.Drop(prefix + ".num_batches_tracked", CounterReason);
            if (module is InstanceNorm2d)
            {
                s.Drop(prefix + ".running_mean", InstanceStatsReason);
                s.Drop(prefix + ".running_var", InstanceStatsReason);
            }
        }
    }

    /// <summary>
    /// Our U-Net name → junyanz's. Ours: model[.submodule]*k.(down|up).i.leaf; junyanz: level 0 = "model.model", level 1
    /// = "model.model.1.model", deeper = + ".3.model" each. Within a level the reference's flat Sequential index is
    /// outermost [down conv 0, sub 1, ReLU 2, up ConvT 3, Tanh 4]; middle [LReLU 0, conv 1, norm 2, sub 3, ReLU 4,
    /// ConvT 5, norm 6, (Dropout 7)]; innermost [LReLU 0, conv 1, ReLU 2, ConvT 3, norm 4].
    /// </summary>
    public static string UnetSourceKey(string ours, int numDowns)
    {
        var parts = ours.Split('.');
        int i = 0;
        if (parts[i++] != "model") throw new ArgumentException($"'{ours}' is not a UnetGenerator name");
        int level = 0;
        while (parts[i] == "submodule") { level++; i++; }
        string seq = parts[i++];
        int index = int.Parse(parts[i++], CultureInfo.InvariantCulture);
        string leaf = string.Join('.', parts[i..]);
        string prefix = level == 0 ? "model.model" : "model.model.1.model" + string.Concat(Enumerable.Repeat(".3.model", level - 1));
        int flat = (level == 0, level == numDowns - 1, seq) switch
        {
            (true, _, "down") => index,           // [conv]
            (true, _, "up") => 2 + index,         // [ReLU, ConvT, Tanh] after down conv and submodule
            (false, true, "down") => index,       // [LReLU, conv]
            (false, true, "up") => 2 + index,     // [ReLU, ConvT, norm]
            (false, false, "down") => index,      // [LReLU, conv, norm]
            (false, false, "up") => 4 + index,    // [ReLU, ConvT, norm, (Dropout)] after the submodule at 3
            _ => throw new ArgumentException($"'{ours}' is not a UnetGenerator name"),
        };
        return $"{prefix}.{flat.ToString(CultureInfo.InvariantCulture)}.{leaf}";
    }

    /// <summary>
    /// The norm kind from the keys of one norm layer, and the conv bias from the conv before it. junyanz builds
    /// BatchNorm(affine, running stats) or InstanceNorm(no affine, no stats), and convs with a bias only for
    /// InstanceNorm; files saved before PyTorch 0.4 also carry InstanceNorm running stats (no counter). With no norm keys
    /// at all, a conv bias means InstanceNorm and none means `--norm none` (junyanz's Identity norm gives no bias).
    /// </summary>
    public static (NormKind Norm, bool ConvBias) InferNorm(SourceState s, string normPrefix, string convPrefix)
    {
        bool weight = s.Has(normPrefix + ".weight"), stats = s.Has(normPrefix + ".running_mean");
        bool counter = s.Has(normPrefix + ".num_batches_tracked"), bias = s.Has(convPrefix + ".bias");
        var norm = (weight, stats, counter) switch
        {
            (true, true, _) => NormKind.Batch,
            (true, false, _) => NormKind.InstanceAffine,
            (false, true, true) => NormKind.BatchNoAffine,
            (false, true, false) => NormKind.Instance,  // pre-0.4 InstanceNorm: running stats saved, never used
            _ => bias ? NormKind.Instance : NormKind.None,
        };
        return (norm, bias);
    }

    private static bool Is4d(SourceState s, string key) => s.Peek(key)?.Shape.Length == 4;
    private static long Kernel(SourceState s, string key) => s.Shape(key)[^1];
}

/// <summary>Names the checkpoint family a state dict looks like, so a wrong `gan import FAMILY` says which to use.</summary>
public static class CheckpointGuess
{
    public static string Hint(SourceState s)
    {
        string? what =
            s.Has("main.0.weight") && s.Keys.Any(k => k.Contains(".main.", StringComparison.Ordinal)) ? "a yunjey StarGAN generator (try `gan import stargan`)"
            : s.Has("main.0.weight") && s.Has("conv1.weight") ? "a yunjey StarGAN discriminator (import the generator, *-G.ckpt)"
            : s.Has("model.model.0.weight") ? "a junyanz UnetGenerator (try `gan import pix2pix`)"
            : s.Has("model.1.weight") && s.Keys.Any(k => k.Contains("conv_block", StringComparison.Ordinal)) ? "a junyanz ResnetGenerator (try `gan import cyclegan`)"
            : s.Keys.Any(k => k.StartsWith("style.", StringComparison.Ordinal) || k.StartsWith("g_ema.", StringComparison.Ordinal)) ? "a rosinality StyleGAN2 checkpoint (try `gan import stylegan2`)"
            : s.Keys.Any(k => k.StartsWith("synthesis.", StringComparison.Ordinal) || k.StartsWith("mapping.", StringComparison.Ordinal)) ? "an NVlabs StyleGAN2 network (try `gan import stylegan2`)"
            : null;
        return what is null ? s.Sample() : $"; it looks like {what}";
    }
}
