using System.CommandLine;
using GanService.Contracts;
using GanService.Training.Export;
using GanService.Training.Onnx;
using GanService.Training.Training;

namespace GanService.Cli.Commands;

public static class ExportCommand
{
    public static Command Create()
    {
        var family = new Argument<string>("family") { Description = "family to export: " + string.Join("; ", FamilyRegistry.All.OrderBy(f => f.Name).Select(f => $"{f.Name} ({f.Description})")) };
        var name = new Option<string>("--name") { Description = "model name (folder under --models): lower-case letters, digits, . _ -", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "checkpoint folder from `gan train`; omit to export a randomly initialised network" };
        var models = new Option<string>("--models") { Description = "model repository folder", DefaultValueFactory = _ => "models" };
        var set = new Option<string[]>("--set") { Description = "an export option, name=value (repeatable; the family's description lists them); a random init also takes the family's training options, e.g. --set cropSize=64", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("export", "write models/<name>/model.onnx + model.json from a checkpoint (or a random init)")
        {
            family, name, checkpoint, models, set,
        };
        cmd.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var modelName = parse.GetValue(name)!;
            if (!ModelName.IsValid(modelName)) { error.WriteLine($"error: model name '{modelName}' must match {ModelName.Pattern}"); return 2; }
            string dir = Path.Combine(parse.GetValue(models)!, modelName);
            ModelManifest manifest;
            try
            {
                var fam = FamilyRegistry.Get(parse.GetValue(family)!);
                var overrides = new Dictionary<string, string>();
                foreach (var (key, value) in OptionsBinder.ParsePairs(parse.GetValue(set) ?? [])) overrides[key] = value;
                var (draft, graphs) = fam.BuildExport(modelName, parse.GetValue(checkpoint), overrides);
                manifest = ModelPackage.Write(dir, draft, graphs);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or FileNotFoundException or DirectoryNotFoundException
                                          or InvalidDataException or ManifestException or OnnxExportException)
            {
                error.WriteLine($"error: {e.Message}");
                return 2;
            }
            foreach (var g in manifest.Graphs)
                output.WriteLine($"wrote {Path.Combine(dir, g.File)}  sha256 {g.Sha256}");
            output.WriteLine($"wrote {Path.Combine(dir, ModelPackage.ManifestFile)}");
            return 0;
        });
        return cmd;
    }
}
