using System.CommandLine;
using GanService.Contracts;
using GanService.Training.Export;

namespace GanService.Cli.Commands;

/// <summary>`gan repackage models/NAME`: rewrite a model's manifest (model.json and the copy inside each ONNX file)
/// without the checkpoint and without touching the weights — for correcting what a manifest says after export.</summary>
public static class RepackageCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("folder") { Description = "model folder (models/NAME) with model.json and its ONNX files" };
        var data = new Option<string?>("--data") { Description = "training data description: dataset name, size, how it was built (never a local path)" };
        var dataLicense = new Option<string?>("--data-license") { Description = "the training data's licence" };
        var license = new Option<string?>("--license") { Description = "the model's licence" };
        var description = new Option<string?>("--description") { Description = "one-line model description" };
        var duration = new Option<string?>("--duration") { Description = "training time and device kind, e.g. \"26 min on CPU\"" };
        var cmd = new Command("repackage", "rewrite models/<name>/model.json and the manifest embedded in its ONNX files from model.json (plus the "
            + "edits given); the ONNX files must match their SHA-256 first, and their bytes other than the metadata stay identical")
        {
            folder, data, dataLicense, license, description, duration,
        };
        cmd.SetAction(parse =>
        {
            string dir = parse.GetValue(folder)!;
            ModelManifest manifest;
            try
            {
                manifest = ModelPackage.Repackage(dir, m =>
                {
                    var t = m.Training ?? new TrainingInfo("unspecified", "unspecified");
                    t = t with
                    {
                        Data = parse.GetValue(data) ?? t.Data,
                        DataLicense = parse.GetValue(dataLicense) ?? t.DataLicense,
                        Duration = parse.GetValue(duration) ?? t.Duration,
                    };
                    return m with
                    {
                        Training = t,
                        License = parse.GetValue(license) ?? m.License,
                        Description = parse.GetValue(description) ?? m.Description,
                    };
                });
            }
            catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException
                                          or InvalidDataException or InvalidOperationException or ManifestException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
            foreach (var g in manifest.Graphs) Console.WriteLine($"rewrote {Path.Combine(dir, g.File)}  sha256 {g.Sha256}");
            Console.WriteLine($"wrote {Path.Combine(dir, ModelPackage.ManifestFile)}");
            return 0;
        });
        return cmd;
    }
}
