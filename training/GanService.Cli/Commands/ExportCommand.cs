using System.CommandLine;
using GanService.Contracts;
using GanService.Training.Export;
using GanService.Training.Onnx;

namespace GanService.Cli.Commands;

public static class ExportCommand
{
    public static Command Create()
    {
        var family = new Argument<string>("family") { Description = "family to export: " + string.Join(", ", FamilyRegistry.All.Select(f => f.Name).Order()) };
        var name = new Option<string>("--name") { Description = "model name (folder under --models): lower-case letters, digits, . _ -", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "checkpoint folder from `gan train`; omit to export a randomly initialised network" };
        var models = new Option<string>("--models") { Description = "model repository folder", DefaultValueFactory = _ => "models" };
        var set = new Option<string[]>("--set") { Description = "architecture option for random init, key=value (repeatable), e.g. --set size=64", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("export", "write models/<name>/model.onnx + model.json from a checkpoint (or a random init)")
        {
            family, name, checkpoint, models, set,
        };
        cmd.SetAction(parse =>
        {
            var modelName = parse.GetValue(name)!;
            if (!ModelName.IsValid(modelName)) { Console.Error.WriteLine($"error: model name '{modelName}' must match {ModelName.Pattern}"); return 2; }
            string dir = Path.Combine(parse.GetValue(models)!, modelName);
            ModelManifest manifest;
            try
            {
                var fam = FamilyRegistry.Get(parse.GetValue(family)!);
                var overrides = (parse.GetValue(set) ?? []).Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
                var (draft, graphs) = fam.BuildExport(modelName, parse.GetValue(checkpoint), overrides);
                manifest = ModelPackage.Write(dir, draft, graphs);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or FileNotFoundException or DirectoryNotFoundException
                                          or InvalidDataException or ManifestException or OnnxExportException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
            foreach (var g in manifest.Graphs)
                Console.WriteLine($"wrote {Path.Combine(dir, g.File)}  sha256 {g.Sha256}");
            Console.WriteLine($"wrote {Path.Combine(dir, ModelPackage.ManifestFile)}");
            return 0;
        });
        return cmd;
    }
}
