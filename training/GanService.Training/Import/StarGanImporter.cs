using GanService.Contracts;
using GanService.Training.Export;
using GanService.Training.Families.StarGan;
using GanService.Training.Families.Translation;

namespace GanService.Training.Import;

/// <summary>A yunjey StarGAN Generator as read from its weights.</summary>
public sealed record YunjeyStarGanGenerator(long ConvDim, long LabelCount, int RepeatNum, long ImageChannels)
{
    public override string ToString() =>
        $"StarGAN Generator: conv_dim {ConvDim}, c_dim {LabelCount}, repeat_num {RepeatNum}, image channels {ImageChannels}";
}

/// <summary>
/// `gan import stargan`: a yunjey/stargan generator state dict (200000-G.ckpt). Keys are identical to ours
/// (main.N…, main.N.main.M… for residual blocks); InstanceNorm running statistics are dropped because the official
/// solver never calls G.eval(): its test-time forward, like ours, normalises each image with its own statistics.
/// </summary>
public sealed class StarGanImporter : ICheckpointImporter
{
    public const int DefaultSize = 128;

    /// <summary>yunjey main.py's default --selected_attrs (the CelebA model, c_dim 5).</summary>
    public static readonly string[] CelebADefaultLabels = ["Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young"];

    public string Family => "stargan";

    public ImportResult Import(ImportRequest request, TextWriter log)
    {
        var (state, container) = CheckpointFile.ReadStateDict(request.CheckpointPath);
        return ImportState(request, state, container, log);
    }

    // Generator.main: 0 conv 7×7 (conv_dim, 3 + c_dim), 1 IN, 2 ReLU, 3–8 two downs, 9… residual blocks (main.N.main.*),
    // two ups (ConvT, IN, ReLU), then conv 7×7 (3, conv_dim) at 9 + repeat_num + 6, Tanh.
    public static YunjeyStarGanGenerator Infer(SourceState s)
    {
        s.Describe = "a yunjey StarGAN Generator state dict";
        if (s.Peek("main.0.weight") is not { Shape.Length: 4 } first || first.Shape[^1] != 7)
            throw new CheckpointImportException($"not a yunjey StarGAN generator: 'main.0.weight' is not a 7×7 conv weight{CheckpointGuess.Hint(s)}");
        int repeat = 0;
        while (s.Has($"main.{9 + repeat}.main.0.weight")) repeat++;
        string last = $"main.{9 + repeat + 6}.weight";
        if (s.Peek(last) is not { Shape.Length: 4 } lastConv) throw s.Missing(last, $"the final 7×7 conv after {repeat} residual blocks");
        long channels = lastConv.Shape[0], labels = first.Shape[1] - channels;
        if (labels < 1) throw new CheckpointImportException($"'main.0.weight' takes {first.Shape[1]} channels, not more than the {channels} image channels: no label input");
        return new YunjeyStarGanGenerator(first.Shape[0], labels, repeat, channels);
    }

    public static StarGanGenerator Load(YunjeyStarGanGenerator a, SourceState s)
    {
        s.Describe = $"a yunjey {a}";
        var g = new StarGanGenerator(a.LabelCount, a.ConvDim, a.RepeatNum, a.ImageChannels);
        JunyanzNetworks.Load(g, s, ours => ours);
        return g;
    }

    public ImportResult ImportState(ImportRequest r, IReadOnlyDictionary<string, TorchTensor> state, string container, TextWriter log)
    {
        string format = ImportedModel.CheckFormat(r, Family, "yunjey");
        if (r.Options?.TryGetValue("bnStats", out var bn) == true && !string.IsNullOrEmpty(bn) && bn != "running")
            throw new ArgumentException("--bn-stats applies to pix2pix/cyclegan BatchNorm generators; StarGAN's InstanceNorm always uses per-image statistics");
        ImportedModel.Directory(r);
        var source = new SourceState(state, "a yunjey StarGAN Generator state dict");
        var arch = Infer(source);
        if (arch.ImageChannels is not (1 or 3))
            throw new CheckpointImportException($"the generator returns {arch.ImageChannels}-channel images; served models use 1 or 3");
        int size = ImportedModel.Size(r, DefaultSize, StarGanGenerator.Stride, 8, "two stride-2 downsamplings");

        var inferred = new List<string> { arch.ToString(), $"exported size {size}×{size}" };
        string[] labels;
        if (r.Labels is { Count: > 0 })
        {
            if (r.Labels.Count != arch.LabelCount)
                throw new ArgumentException($"--labels gives {r.Labels.Count} names, but the generator has c_dim {arch.LabelCount}");
            labels = [.. r.Labels];
        }
        else if (arch.LabelCount == CelebADefaultLabels.Length)
        {
            labels = CelebADefaultLabels;
            inferred.Add($"labels: yunjey's CelebA defaults {string.Join(", ", labels)} (c_dim 5; pass --labels if the model was trained on other attributes)");
        }
        else throw new ArgumentException($"--labels is required: the generator has c_dim {arch.LabelCount}; give {arch.LabelCount} domain names in training order");
        if (source.StrippedDataParallelPrefix) inferred.Add("keys carried nn.DataParallel's 'module.' prefix (stripped)");

        var g = Load(arch, source);
        try
        {
            if (source.Dropped.Count > 0) inferred.Add($"dropped {source.Dropped.Count} keys: {JunyanzGeneratorImporter.Summarise(source.Dropped)}");
            var graph = TranslationExport.StarGanGraph(g, arch.ImageChannels, arch.LabelCount, size, anySize: true);
            var draft = ManifestDraft.Of(r.Name, Family, [graph], freeSize: new FreeSize(size, size, StarGanGenerator.Stride)) with
            {
                Labels = labels,
                Description = $"StarGAN generator imported from {Path.GetFileName(r.CheckpointPath)}: conv_dim {arch.ConvDim}, " +
                    $"{arch.RepeatNum} residual blocks, {arch.LabelCount} domains.",
                License = ImportedModel.UnspecifiedLicence,
            };
            string[] notes =
            [
                "The official solver never calls G.eval(), so its InstanceNorm layers normalise with each image's own statistics at test " +
                "time; the stored running statistics are unused there and dropped here. This model computes exactly that forward.",
                "The label vector is (B, c_dim): CelebA attributes are multi-hot (one hair colour, plus Male and Young as 0/1).",
            ];
            var src = ImportedModel.Source(r.CheckpointPath, format, container, inferred);
            return ImportedModel.Write(r, draft, [graph], src, inferred, notes, log);
        }
        finally { g.Dispose(); }
    }
}
