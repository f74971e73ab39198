using System.CommandLine;
using GanService.Training.Import;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan import FAMILY --checkpoint FILE --name NAME`: turns an official PyTorch checkpoint (junyanz .pth, yunjey .ckpt,
/// rosinality .pt, NVlabs .pkl, ESRGAN / Real-ESRGAN .pth) into a served model folder. The file is hostile input: any failure to read or map it
/// ends in one line on stderr and a non-zero exit, never a stack trace.
/// </summary>
public static class ImportCommand
{
    public static readonly string[] Formats = ["auto", "junyanz", "yunjey", "rosinality", "nvlabs", "basicsr", "esrgan"];

    public static Command Create()
    {
        var family = new Argument<string>("family") { Description = "checkpoint family: " + string.Join(", ", CheckpointImporters.Families) };
        family.AcceptOnlyFromAmong([.. CheckpointImporters.Families]);
        var checkpoint = new Option<string>("--checkpoint") { Description = "the PyTorch file (.pth, .ckpt, .pt, .pkl; zip or legacy torch.save format)", Required = true };
        var name = new Option<string>("--name") { Description = "model name (folder under --models): lower-case letters, digits, . _ -", Required = true };
        var models = new Option<string>("--models") { Description = "model repository folder", DefaultValueFactory = _ => "models" };
        var size = new Option<int?>("--size") { Description = "spatial size of the exported graph; translators and upscalers are exported for any size and this is the size they warm up at and resize to with size=fit (default: 256 pix2pix/cyclegan, 128 stargan, 64 esrgan; StyleGAN2: the checkpoint's resolution)" };
        var labels = new Option<string?>("--labels") { Description = "comma-separated domain names in training order (stargan: one per c_dim)" };
        var format = new Option<string>("--format") { Description = "checkpoint layout: " + string.Join(", ", Formats), DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong(Formats);
        var licence = new Option<string?>("--licence") { Description = "the weights' licence, recorded in model.json (e.g. \"BSD (junyanz pretrained)\", \"NVIDIA Source Code License-NC\")" };
        var bnStats = new Option<string?>("--bn-stats")
        {
            Description = "pix2pix/cyclegan BatchNorm at inference: running (eval mode, default) or instance (each image's own statistics, " +
                "as junyanz test.py without --eval; Dropout stays off)",
        };
        bnStats.AcceptOnlyFromAmong("running", "instance");
        var psi = new Option<string?>("--psi") { Description = "stylegan2: the model's default truncation ψ recorded in the manifest (default 0.7)" };
        var cutoff = new Option<string?>("--cutoff") { Description = "stylegan2: truncate only the first K style rows (NVlabs truncation_cutoff), as `gan export --set cutoff=K`" };
        var cmd = new Command("import", "import an official PyTorch checkpoint: infer the architecture, load it strictly, export ONNX + model.json")
        {
            family, checkpoint, name, models, size, labels, format, licence, bnStats, psi, cutoff,
        };
        cmd.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var options = new Dictionary<string, string>();
            if (parse.GetValue(bnStats) is { } bn) options["bnStats"] = bn;
            if (parse.GetValue(psi) is { } p) options["psi"] = p;
            if (parse.GetValue(cutoff) is { } k) options["cutoff"] = k;
            string fam = parse.GetValue(family)!;
            bool styleGan = fam.Equals("stylegan2", StringComparison.OrdinalIgnoreCase);
            if (!styleGan && (options.ContainsKey("psi") || options.ContainsKey("cutoff")))
            {
                error.WriteLine($"error: --psi and --cutoff apply to stylegan2 imports, not {fam}");
                return 2;
            }
            if (styleGan && options.ContainsKey("bnStats"))
            {
                error.WriteLine("error: --bn-stats applies to pix2pix/cyclegan imports (StyleGAN2 has no BatchNorm)");
                return 2;
            }
            var request = new ImportRequest(parse.GetValue(checkpoint)!, parse.GetValue(name)!, parse.GetValue(models)!,
                parse.GetValue(size), SplitLabels(parse.GetValue(labels)), parse.GetValue(format)!, parse.GetValue(licence), options);
            return Run(CheckpointImporters.Get(fam), request, output, error);
        });
        return cmd;
    }

    /// <summary>Runs one import; prints what was inferred, or one error line. 0 = written, 2 = refused input, 1 = unexpected failure.</summary>
    public static int Run(ICheckpointImporter importer, ImportRequest request, TextWriter output, TextWriter error)
    {
        try
        {
            var result = importer.Import(request, output);
            foreach (var line in result.Inferred) output.WriteLine($"inferred: {line}");
            output.WriteLine($"imported {importer.Family} model '{request.Name}' → {result.ModelDir}");
            return 0;
        }
        catch (Exception e) when (e is TorchFileException or CheckpointImportException or ArgumentException or IOException
                                      or InvalidDataException or UnauthorizedAccessException
                                      or GanService.Contracts.ManifestException or GanService.Training.Onnx.OnnxExportException)
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return 2;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A checkpoint is hostile input: whatever else breaks while reading it is still reported as one line.
            error.WriteLine($"error: could not import '{Path.GetFileName(request.CheckpointPath)}': {e.GetType().Name}: {OneLine(e.Message)}");
            return 1;
        }
    }

    public static IReadOnlyList<string>? SplitLabels(string? labels) =>
        string.IsNullOrWhiteSpace(labels) ? null : labels.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
