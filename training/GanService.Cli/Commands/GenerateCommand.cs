using System.CommandLine;
using GanService.Contracts;
using GanService.Inference;

namespace GanService.Cli.Commands;

/// <summary>`gan generate`: seeds → a PNG grid through the inference library, the same call GET /generate makes, so the
/// same seeds and settings give the same bytes.</summary>
public static class GenerateCommand
{
    /// <summary>PNG bytes of the seeds' grid (⌈√n⌉ columns unless given), deterministic for the same arguments.</summary>
    public static byte[] RenderGrid(OnnxModel model, IReadOnlyList<uint> seeds, GenerateSettings settings, int? columns = null) =>
        ImageGrid.Encode(GanPipelines.Generate(model, seeds, settings, CancellationToken.None), columns ?? ImageGrid.DefaultColumns(seeds.Count));

    /// <summary>Rows = classes (0…K−1), columns = seeds.</summary>
    public static byte[] RenderClassGrid(OnnxModel model, IReadOnlyList<uint> seeds, GenerateSettings settings)
    {
        if (!model.TakesLabel) throw new ArgumentException($"model '{model.Name}' is not conditional; --per-class needs a label input");
        if (InferenceLimits.Default.CountProblem(seeds.Count * model.Manifest.Labels.Length, "a per-class grid") is { } problem)
            throw new ArgumentException(problem);
        var tiles = new List<SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>>();
        try
        {
            for (long k = 0; k < model.Manifest.Labels.Length; k++)
                tiles.AddRange(GanPipelines.Generate(model, seeds, settings with { Label = k }, CancellationToken.None));
        }
        catch
        {
            foreach (var t in tiles) t.Dispose();
            throw;
        }
        return ImageGrid.Encode(tiles, seeds.Count);
    }

    public static Command Create()
    {
        var model = ModelArguments.Model();
        var models = ModelArguments.Models();
        var trunc = ModelArguments.Trunc();
        var noise = ModelArguments.Noise();
        var label = ModelArguments.Label();
        var seeds = new Option<string>("--seeds") { Description = $"seeds, e.g. 0-15,42 (at most {InferenceLimits.Default.MaxCount})", DefaultValueFactory = _ => "0-15" };
        var grid = new Option<string>("--grid") { Description = "output PNG", DefaultValueFactory = _ => "grid.png" };
        var columns = new Option<int?>("--columns") { Description = "grid columns (default ⌈√n⌉, as GET /generate?count=n)" };
        var perClass = new Option<bool>("--per-class") { Description = "conditional models: one row per class, the same seeds in every row" };
        var mixSeed = new Option<uint?>("--mix-seed") { Description = "StyleGAN: seed whose w drives the layers from --mix-cutoff on (GET /generate mix_seed)" };
        var mixCutoff = new Option<int?>("--mix-cutoff") { Description = "StyleGAN: first layer taken from --mix-seed (default num_ws / 2)" };
        var text = new Option<string?>("--text") { Description = "text-to-image models (StackGAN): what to draw, in the model's vocabulary (GET /generate text=)" };
        var controls = ModelArguments.Controls();
        var cmd = new Command("generate", "seeds → images through the exported ONNX model (ONNX Runtime), saved as a PNG grid")
        {
            model, models, seeds, label, grid, columns, perClass, trunc, noise, mixSeed, mixCutoff, text, controls,
        };
        cmd.SetAction(parse => ModelArguments.Run(parse, stdout =>
        {
            var seedList = SeedLatent.ParseSeeds(parse.GetValue(seeds)!);
            using var m = ModelArguments.Open(parse, model, models);
            var settings = ModelArguments.WithTrunc(m, new GenerateSettings(null, ModelArguments.LabelIndex(m, parse.GetValue(label)),
                parse.GetValue(mixSeed), parse.GetValue(mixCutoff), parse.GetValue(noise), Text: parse.GetValue(text),
                Controls: ModelArguments.ControlValues(parse.GetValue(controls))), parse.GetValue(trunc));
            var bytes = parse.GetValue(perClass)
                ? RenderClassGrid(m, seedList, settings)
                : RenderGrid(m, seedList, settings, parse.GetValue(columns));
            ModelArguments.Write(stdout, parse.GetValue(grid)!, bytes, $"{seedList.Count} seeds");
            return 0;
        }));
        return cmd;
    }
}
