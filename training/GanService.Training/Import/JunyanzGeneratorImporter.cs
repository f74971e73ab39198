using GanService.Contracts;
using GanService.Training.Export;
using GanService.Training.Families.Translation;
using GanService.Training.Layers;

namespace GanService.Training.Import;

/// <summary>
/// `gan import pix2pix|cyclegan`: a junyanz generator state dict (latest_net_G.pth, horse2zebra.pth, …), ResNet or U-Net
/// whichever the keys show, exported as a translate model. Option "bnStats": running (eval BatchNorm, default) or
/// instance (each image normalised with its own statistics, as junyanz test.py does without --eval).
/// </summary>
public sealed class JunyanzGeneratorImporter(string family) : ICheckpointImporter
{
    public const int DefaultSize = 256;

    public string Family { get; } = family;

    public ImportResult Import(ImportRequest request, TextWriter log)
    {
        var (state, container) = CheckpointFile.ReadStateDict(request.CheckpointPath);
        return ImportState(request, state, container, log);
    }

    public ImportResult ImportState(ImportRequest r, IReadOnlyDictionary<string, TorchTensor> state, string container, TextWriter log)
    {
        string format = ImportedModel.CheckFormat(r, Family, "junyanz");
        string bnStats = ImportedModel.Option(r, "bnStats", "running", "running", "instance");
        if (r.Labels is { Count: > 0 }) throw new ArgumentException($"--labels: a {Family} model takes no label input (labels are for stargan)");
        ImportedModel.Directory(r);

        var source = new SourceState(state, "a junyanz generator state dict");
        var arch = JunyanzNetworks.InferGenerator(source);
        if (arch.InputChannels != arch.OutputChannels || arch.InputChannels is not (1 or 3))
            throw new CheckpointImportException($"the generator maps {arch.InputChannels} → {arch.OutputChannels} channels; " +
                "served translate models take and return the same 1- or 3-channel image");
        int size = ImportedModel.Size(r, DefaultSize, arch.SizeMultiple, arch.Kind == "resnet" ? 8 : arch.SizeMultiple,
            arch.Kind == "resnet" ? "two stride-2 downsamplings and 7×7 reflection padding" : $"{arch.Depth} stride-2 downsamplings reach 1×1");

        var inferred = new List<string> { arch.ToString(), $"exported size {size}×{size}" };
        var notes = new List<string>();
        if (source.StrippedDataParallelPrefix) inferred.Add("keys carried nn.DataParallel's 'module.' prefix (stripped)");

        var g = JunyanzNetworks.LoadGenerator(arch, source);
        try
        {
            int batchNorms = 0;
            foreach (var bn in g.modules().OfType<BatchNorm2d>())
            {
                bn.InstanceStatistics = bnStats == "instance";
                batchNorms++;
            }
            if (batchNorms > 0)
            {
                inferred.Add(bnStats == "instance"
                    ? $"--bn-stats instance: {batchNorms} BatchNorm layers normalise each image with its own statistics (junyanz test.py without --eval, Dropout off)"
                    : $"--bn-stats running: {batchNorms} BatchNorm layers use their running statistics (junyanz test.py --eval)");
                notes.Add("junyanz test.py calls model.eval() only with --eval: by default BatchNorm uses the test image's own statistics and Dropout " +
                    "stays active. `--bn-stats instance` reproduces that BatchNorm behaviour (without the random Dropout); `running` is eval mode.");
            }
            else if (bnStats == "instance") inferred.Add("--bn-stats instance has no effect: the generator has no BatchNorm layers");
            if (source.Dropped.Count > 0) inferred.Add($"dropped {source.Dropped.Count} keys: {Summarise(source.Dropped)}");

            // Fully convolutional: exported for any size (a multiple of the generator's stride), as junyanz's test
            // script can run it at full resolution; `size` stays the size it is warmed up and resized to on request.
            var graph = TranslationExport.ImageToImageGraph(g, arch.InputChannels, arch.OutputChannels, size, anySize: true);
            var draft = ManifestDraft.Of(r.Name, Family, [graph], freeSize: new FreeSize(size, size, arch.SizeMultiple)) with
            {
                Description = $"{Family} generator imported from {Path.GetFileName(r.CheckpointPath)}: junyanz {arch.NetG}, ngf {arch.Ngf}, " +
                    $"{JunyanzNetworks.Describe(arch.Norm)} norm{(arch.Norm is NormKind.Batch or NormKind.BatchNoAffine ? $", BatchNorm statistics: {bnStats}" : "")}.",
                License = ImportedModel.UnspecifiedLicence,
            };
            var src = ImportedModel.Source(r.CheckpointPath, format, container, inferred);
            return ImportedModel.Write(r, draft, [graph], src, inferred, notes, log);
        }
        finally { g.Dispose(); }
    }

    /// <summary>"13 × num_batches_tracked (BatchNorm …), 2 × running_mean (…)": counts by leaf name and reason.</summary>
    public static string Summarise(IReadOnlyDictionary<string, string> dropped) =>
        string.Join("; ", dropped.GroupBy(kv => (Leaf: kv.Key[(kv.Key.LastIndexOf('.') + 1)..], kv.Value))
            .Select(grp => $"{grp.Count()} × {grp.Key.Leaf} ({grp.Key.Value})"));
}
