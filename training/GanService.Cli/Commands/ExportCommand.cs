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
        // Two forms: `gan export FAMILY --name N` (checkpoint → model folder) and `gan export --triton DIR --model N`
        // (model folder → Triton layout), so family and --name are checked in the action rather than by the parser.
        var family = new Argument<string?>("family") { Description = "family to export: " + string.Join("; ", FamilyRegistry.All.OrderBy(f => f.Name).Select(f => $"{f.Name} ({f.Description})")), Arity = ArgumentArity.ZeroOrOne };
        var name = new Option<string>("--name") { Description = "model name (folder under --models): lower-case letters, digits, . _ -; required with FAMILY" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "checkpoint folder from `gan train`; omit to export a randomly initialised network" };
        var models = new Option<string>("--models") { Description = "model repository folder", DefaultValueFactory = _ => "models" };
        var set = new Option<string[]>("--set") { Description = "an export option, name=value (repeatable; the family's description lists them); a random init also takes the family's training options, e.g. --set cropSize=64", AllowMultipleArgumentsPerToken = true };
        var triton = new Option<string?>("--triton") { Description = "write the model given by --model as an NVIDIA Triton / KServe model repository under this folder (<name>/config.pbtxt, <name>/1/model.onnx; one Triton model per graph, <name>_<role>, for multi-graph models)" };
        var model = new Option<string?>("--model") { Description = "with --triton: model folder, or a model name under --models" };
        var maxBatch = new Option<int>("--max-batch") { Description = "with --triton: max_batch_size for graphs whose tensors all have the dynamic batch dim", DefaultValueFactory = _ => TritonRepository.DefaultMaxBatchSize };
        var cmd = new Command("export", "write models/<name>/model.onnx + model.json from a checkpoint (or a random init); or, with --triton, a model folder as a Triton model repository")
        {
            family, name, checkpoint, models, set, triton, model, maxBatch,
        };
        cmd.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(triton) is { } tritonDir)
                return ExportTriton(parse, tritonDir, parse.GetValue(model), parse.GetValue(models)!, parse.GetValue(maxBatch), parse.GetValue(family));
            if (parse.GetValue(family) is null || parse.GetValue(name) is null)
            {
                error.WriteLine("error: give FAMILY and --name (export a checkpoint), or --triton DIR --model NAME (write a Triton repository)");
                return 2;
            }
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

    private static int ExportTriton(ParseResult parse, string repository, string? model, string models, int maxBatch, string? family)
    {
        var error = parse.InvocationConfiguration.Error;
        if (model is null || family is not null)
        {
            error.WriteLine("error: --triton DIR takes --model NAME (a model folder) and no FAMILY");
            return 2;
        }
        return ModelArguments.Run(parse, output =>
        {
            var written = TritonRepository.Write(ModelArguments.Resolve(model, models), repository, maxBatch);
            foreach (var m in written)
                output.WriteLine($"wrote {Path.Combine(repository, m.Name, TritonRepository.ConfigFile)} and {Path.Combine(repository, m.Name, TritonRepository.Version, TritonRepository.OnnxFile)}  (graph {m.GraphRole}, max_batch_size {m.MaxBatchSize})");
            if (written.Count > 1)
                output.WriteLine("multi-graph model: run the graphs in order (docs/deploy.md, Triton); StyleGAN2: mapping (z, psi) → w, repeat w num_ws times as ws (B, num_ws, w_dim), synthesis (ws) → image");
            return 0;
        });
    }
}
