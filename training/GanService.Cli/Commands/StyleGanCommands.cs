using System.CommandLine;
using System.Globalization;
using GanService.Contracts;
using GanService.Inference;

namespace GanService.Cli.Commands;

/// <summary>`gan style-mix` and `gan trunc-sweep`: the StyleGAN figures, drawn by the inference library's pipelines.</summary>
public static class StyleGanCommands
{
    public static Command StyleMix()
    {
        var model = ModelArguments.Model(); var models = ModelArguments.Models(); var trunc = ModelArguments.Trunc(); var noise = ModelArguments.Noise();
        var rows = new Option<string>("--rows") { Description = "row seeds (give the coarse/base image)", Required = true };
        var cols = new Option<string>("--cols") { Description = "column seeds (give the layers in --styles)", Required = true };
        var styles = new Option<string>("--styles") { Description = "ws rows taken from the column seed, e.g. 0-3 (coarse)", DefaultValueFactory = _ => "0-3" };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "style-mix.png" };
        var cmd = new Command("style-mix", $"style-mixing grid: rows × columns, chosen layers from the column seed (at most {InferenceLimits.Default.MaxCount} images)")
        {
            model, models, rows, cols, styles, trunc, noise, output,
        };
        cmd.SetAction(parse => ModelArguments.Run(parse, stdout =>
        {
            using var m = ModelArguments.Open(parse, model, models);
            var columnSeeds = SeedLatent.ParseSeeds(parse.GetValue(cols)!);
            var layers = SeedLatent.ParseSeeds(parse.GetValue(styles)!).Select(s => (int)Math.Min(s, int.MaxValue)).ToArray();
            var tiles = GanPipelines.StyleMix(m, SeedLatent.ParseSeeds(parse.GetValue(rows)!), columnSeeds, layers,
                new GenerateSettings(parse.GetValue(trunc), Noise: parse.GetValue(noise)), CancellationToken.None);
            ModelArguments.Write(stdout, parse.GetValue(output)!, ImageGrid.Encode(tiles, columnSeeds.Count + 1), "style-mix grid");
            return 0;
        }));
        return cmd;
    }

    /// <summary>`gan trunc-sweep`: one row per seed, one column per ψ (e.g. 1.0 → 0.5), to see truncation work; for
    /// z → image models (BigGAN) the columns are z thresholds (e.g. 2 → 0.25).</summary>
    public static Command TruncationSweep()
    {
        var model = ModelArguments.Model(); var models = ModelArguments.Models(); var noise = ModelArguments.Noise();
        var label = ModelArguments.Label();
        var seeds = new Option<string>("--seeds") { DefaultValueFactory = _ => "0-7" };
        var psis = new Option<string>("--psi", "--trunc") { Description = "comma-separated ψ values (z models: thresholds, e.g. 2,1,0.5,0.25)", DefaultValueFactory = _ => "1,0.9,0.8,0.7,0.6,0.5" };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "trunc-sweep.png" };
        var cmd = new Command("trunc-sweep", $"grid of seeds (rows) × truncation ψ or z threshold (columns), at most {InferenceLimits.Default.MaxCount} images") { model, models, seeds, psis, label, noise, output };
        cmd.SetAction(parse => ModelArguments.Run(parse, stdout =>
        {
            using var m = ModelArguments.Open(parse, model, models);
            var list = SeedLatent.ParseSeeds(parse.GetValue(seeds)!);
            var values = parse.GetValue(psis)!.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            if (InferenceLimits.Default.CountProblem(list.Count * values.Length, "a truncation sweep") is { } problem) throw new ArgumentException(problem);
            var perPsi = new List<List<SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>>>();
            try
            {
                foreach (var psi in values)
                    perPsi.Add(GanPipelines.Generate(m, list, ModelArguments.WithTrunc(m,
                        new GenerateSettings(Label: ModelArguments.LabelIndex(m, parse.GetValue(label)), Noise: parse.GetValue(noise)), psi), CancellationToken.None));
            }
            catch
            {
                foreach (var t in perPsi.SelectMany(c => c)) t.Dispose();
                throw;
            }
            var tiles = list.SelectMany((_, r) => perPsi.Select(column => column[r])).ToList();
            ModelArguments.Write(stdout, parse.GetValue(output)!, ImageGrid.Encode(tiles, values.Length), "truncation sweep");
            return 0;
        }));
        return cmd;
    }
}
