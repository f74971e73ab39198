using System.Globalization;
using GanService.Contracts;
using GanService.Training.Export;
using GanService.Training.Families.SrGan;
using GanService.Training.Onnx;

namespace GanService.Training.Import;

/// <summary>An RRDBNet as read from its weights.</summary>
public sealed record EsrganArchitecture(long InChannels, long OutChannels, int Scale, long Nf, int Nb, long Gc)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"RRDBNet ×{Scale}: nf {Nf}, nb {Nb}, gc {Gc}, {InChannels} → {OutChannels} channels");
}

/// <summary>
/// `gan import esrgan`: an ESRGAN / Real-ESRGAN generator (RRDB_ESRGAN_x4.pth, RealESRGAN_x4plus.pth,
/// RealESRGAN_x2plus.pth, …). Two key layouts: BasicSR's (conv_first, body.N.rdbK.convJ, conv_body, conv_up1/2, conv_hr,
/// conv_last; Real-ESRGAN files wrap it in <c>params_ema</c> and/or <c>params</c>, and the EMA weights are the ones its
/// inference uses), and the original ESRGAN repository's (RRDB_trunk.N.RDBK.convJ, trunk_conv, upconv1/2, HRconv). nf,
/// nb, gc and the channels come from the weights; the scale from conv_first's input channels (×4 takes the image, ×2
/// and ×1 fold 2×2 / 4×4 blocks into channels first). Read through the same safe reader as every checkpoint: nothing
/// in the file runs.
/// </summary>
public sealed class EsrganImporter : ICheckpointImporter
{
    /// <summary>The size warm-up runs at and size=fit resizes to (ESRGAN's LR training patches are 32–64 px; 64 keeps a
    /// ×4 warm-up output at 256²).</summary>
    public const int DefaultSize = 64;

    /// <summary>Tile margin in input pixels for serving large images tile by tile. RRDBNet's receptive field spans
    /// hundreds of pixels on paper, but its weight is concentrated near the centre; Real-ESRGAN's own tiled inference uses
    /// 10. We keep 16 and state the measured effect in the model card's test (tiled vs whole).</summary>
    public const int TileMargin = 16;

    public string Family => "esrgan";

    /// <summary>BasicSR name → original ESRGAN repository name, per top-level piece.</summary>
    private static readonly (string BasicSr, string Original)[] Renames =
    [
        ("conv_body.", "trunk_conv."), ("conv_up1.", "upconv1."), ("conv_up2.", "upconv2."), ("conv_hr.", "HRconv."),
    ];

    public ImportResult Import(ImportRequest request, TextWriter log)
    {
        var (state, container) = CheckpointFile.ReadStateDict(request.CheckpointPath);
        return ImportState(request, state, container, log);
    }

    /// <summary>Strips a Real-ESRGAN wrapper: params_ema (preferred, as its inference script loads it) or params. Returns
    /// the state and what was done, for the card.</summary>
    public static (IReadOnlyDictionary<string, TorchTensor> State, string? Unwrapped) Unwrap(IReadOnlyDictionary<string, TorchTensor> state)
    {
        foreach (var wrapper in new[] { "params_ema", "params" })
        {
            string prefix = wrapper + ".";
            if (!state.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal))) continue;
            var inner = state.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
            int other = state.Count - inner.Count;
            return (inner, $"weights from '{wrapper}'" + (other > 0 ? $" ({other} other tensors, e.g. the non-EMA 'params', not used)" : ""));
        }
        return (state, null);
    }

    /// <summary>"basicsr" or "esrgan" (the original repository's names), from the keys.</summary>
    public static string Layout(SourceState s) =>
        s.Has("body.0.rdb1.conv1.weight") ? "basicsr"
        : s.Has("RRDB_trunk.0.RDB1.conv1.weight") ? "esrgan"
        : throw new CheckpointImportException("not an RRDBNet: neither 'body.0.rdb1.conv1.weight' (BasicSR / Real-ESRGAN) nor " +
            "'RRDB_trunk.0.RDB1.conv1.weight' (original ESRGAN) is in the file" +
            (s.Has("model.0.weight") ? " (this looks like ESRGAN's oldest 'model.N' layout, which is not supported: convert it with the ESRGAN repository's transer script first)" : "") +
            CheckpointGuess.Hint(s));

    /// <summary>Our (BasicSR) key → the file's key in <paramref name="layout"/>.</summary>
    public static string SourceKey(string ours, string layout)
    {
        if (layout == "basicsr") return ours;
        if (ours.StartsWith("body.", StringComparison.Ordinal))
        {   // body.N.rdbK.convJ.* → RRDB_trunk.N.RDBK.convJ.*
            var parts = ours.Split('.');
            return $"RRDB_trunk.{parts[1]}.{parts[2].ToUpperInvariant()}.{string.Join('.', parts[3..])}";
        }
        foreach (var (basicSr, original) in Renames)
            if (ours.StartsWith(basicSr, StringComparison.Ordinal)) return original + ours[basicSr.Length..];
        return ours;
    }

    public static EsrganArchitecture Infer(SourceState s, string layout)
    {
        string Key(string ours) => SourceKey(ours, layout);
        var first = s.Shape("conv_first.weight");
        var last = s.Shape("conv_last.weight");
        var growth = s.Shape(Key("body.0.rdb1.conv1.weight"));
        if (first.Length != 4 || last.Length != 4 || growth.Length != 4)
            throw new CheckpointImportException("conv_first, conv_last and the first dense conv must be 4-d conv weights");
        int nb = 0;
        while (s.Has(Key($"body.{nb}.rdb1.conv1.weight"))) nb++;
        long nf = first[0], gc = growth[0], outChannels = last[0], folded = first[1];
        // ×4 takes the image's channels; ×2 and ×1 take 4× and 16× as many (2×2 / 4×4 pixel unshuffle).
        int scale = folded == outChannels ? 4 : folded == 4 * outChannels ? 2 : folded == 16 * outChannels ? 1
            : throw new CheckpointImportException($"conv_first takes {folded} channels and conv_last gives {outChannels}: not ×4 (equal), ×2 (4×) or ×1 (16×)");
        long inChannels = folded / ((4 / scale) * (4 / scale));
        return new EsrganArchitecture(inChannels, outChannels, scale, nf, nb, gc);
    }

    public ImportResult ImportState(ImportRequest r, IReadOnlyDictionary<string, TorchTensor> rawState, string container, TextWriter log)
    {
        ImportedModel.CheckFormat(r, Family, "basicsr", "esrgan");
        if (r.Labels is { Count: > 0 }) throw new ArgumentException("--labels does not apply to esrgan (an upscaler has no domains)");
        if (r.Options?.Count > 0) throw new ArgumentException($"{string.Join(", ", r.Options.Keys)} do not apply to esrgan");
        ImportedModel.Directory(r);
        var (state, unwrapped) = Unwrap(rawState);
        var source = new SourceState(state, "an ESRGAN / Real-ESRGAN RRDBNet state dict");
        string layout = Layout(source);
        if (!r.Format.Equals("auto", StringComparison.OrdinalIgnoreCase) && !r.Format.Equals(layout, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--format {r.Format}: the file's keys are the {layout} layout");
        var arch = Infer(source, layout);
        if (arch.OutChannels is not (1 or 3) || arch.InChannels != arch.OutChannels)
            throw new CheckpointImportException($"the network maps {arch.InChannels} to {arch.OutChannels} channels; served upscalers take and give 1 or 3");
        int multiple = 4 / arch.Scale;
        int size = ImportedModel.Size(r, DefaultSize, multiple, 8, arch.Scale == 4 ? "any size" : $"the ×{arch.Scale} model folds {multiple}×{multiple} blocks");

        var inferred = new List<string> { arch.ToString(), $"{layout} key layout", $"warm-up and size=fit at {size}×{size} (served at any size)" };
        if (unwrapped is not null) inferred.Add(unwrapped);
        if (source.StrippedDataParallelPrefix) inferred.Add("keys carried nn.DataParallel's 'module.' prefix (stripped)");

        using var g = new RrdbNet(arch.InChannels, arch.OutChannels, arch.Scale, arch.Nf, arch.Nb, arch.Gc);
        source.Describe = $"an {arch}";
        JunyanzNetworks.Load(g, source, ours => SourceKey(ours, layout));

        var input = new OnnxIo("image", [-1, arch.InChannels, -1, -1]);
        var output = new OnnxIo("output", [-1, arch.OutChannels, -1, -1]);
        var graph = PackagedGraph.ModelGraph(g, [input], [output], [ModelPackage.Spec(input, TensorRoles.Image)]);
        var draft = ManifestDraft.Of(r.Name, Family, [graph], (0f, 1f), new FreeSize(size, size, multiple, TileMargin, arch.Scale)) with
        {
            Description = $"ESRGAN ×{arch.Scale} upscaler imported from {Path.GetFileName(r.CheckpointPath)}: RRDBNet nf {arch.Nf}, {arch.Nb} RRDB blocks, growth {arch.Gc}.",
            License = ImportedModel.UnspecifiedLicence,
        };
        string[] notes =
        [
            "Served at the image's own size through POST /upscale/{model}: the output is the input's size times the scale. " +
            $"Above the service's native-size limit it runs tile by tile with a {TileMargin}-pixel margin (RRDBNet has no normalisation, so tiles need no shared statistics).",
            "Images are in [0, 1] as BasicSR trains them; values outside are clipped when the PNG is written, as Real-ESRGAN's inference script clamps them.",
        ];
        var src = ImportedModel.Source(r.CheckpointPath, layout, container, inferred);
        return ImportedModel.Write(r, draft, [graph], src, inferred, notes, log);
    }
}
