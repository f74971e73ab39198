using System.CommandLine;
using System.Globalization;
using GanService.Contracts;
using GanService.Inference;
using GanService.Training.Metrics;

namespace GanService.Cli.Commands;

/// <summary>
/// Commands over a model's manifest-declared controls (InfoGAN's code, c1, …), through the same inference library as
/// GET /generate: `gan code-sweep` (the InfoGAN figure: rows = a categorical control's values, columns = a continuous
/// control swept over a range, one seed) and `gan eval codes` (how well a categorical control matches a classifier's
/// classes: best one-to-one assignment accuracy and purity).
/// </summary>
public static class ControlCommands
{
    private static ControlSpec Find(OnnxModel m, string? name, bool categorical)
    {
        var candidates = m.Manifest.Controls.Select(c => c.Control).Where(c => (c.Count is not null) == categorical).ToList();
        if (candidates.Count == 0) throw new ArgumentException($"model '{m.Name}' declares no {(categorical ? "categorical" : "continuous")} control");
        if (name is null) return candidates[0];
        return candidates.FirstOrDefault(c => c.Query == name)
            ?? throw new ArgumentException($"model '{m.Name}' has no {(categorical ? "categorical" : "continuous")} control '{name}'; it has: {string.Join(", ", candidates.Select(c => c.Query))}");
    }

    /// <summary>Tiles row-major: row r = categorical value r, column j = the continuous control at from + j·(to − from)/(steps − 1).</summary>
    public static List<SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>> Sweep(OnnxModel m, ControlSpec rows, ControlSpec cols, double from, double to, int steps, uint seed)
    {
        if (steps < 2) throw new ArgumentException("--steps must be at least 2");
        var tiles = new List<SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>>();
        try
        {
            for (int r = 0; r < rows.Count; r++)
                for (int j = 0; j < steps; j++)
                {
                    var controls = new Dictionary<string, double> { [rows.Query] = r, [cols.Query] = from + j * (to - from) / (steps - 1) };
                    tiles.AddRange(GanPipelines.Generate(m, [seed], new GenerateSettings(Controls: controls), CancellationToken.None));
                }
            return tiles;
        }
        catch
        {
            foreach (var t in tiles) t.Dispose();
            throw;
        }
    }

    public static Command CodeSweep()
    {
        var model = ModelArguments.Model();
        var models = ModelArguments.Models();
        var rows = new Option<string?>("--rows") { Description = "categorical control for the rows (default: the model's first)" };
        var cols = new Option<string?>("--cols") { Description = "continuous control for the columns (default: the model's first)" };
        var from = new Option<double>("--from") { DefaultValueFactory = _ => -2 };
        var to = new Option<double>("--to") { DefaultValueFactory = _ => 2 };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 9 };
        var seed = new Option<uint>("--seed") { DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "code-sweep.png" };
        var cmd = new Command("code-sweep", "InfoGAN-style figure: rows = a categorical control's values, columns = a continuous control swept --from … --to (other controls at their defaults)")
        {
            model, models, rows, cols, from, to, steps, seed, output,
        };
        cmd.SetAction(parse => ModelArguments.Run(parse, stdout =>
        {
            using var m = ModelArguments.Open(parse, model, models);
            var r = Find(m, parse.GetValue(rows), categorical: true);
            var c = Find(m, parse.GetValue(cols), categorical: false);
            int n = parse.GetValue(steps);
            var bytes = ImageGrid.Encode(Sweep(m, r, c, parse.GetValue(from), parse.GetValue(to), n, parse.GetValue(seed)), n);
            ModelArguments.Write(stdout, parse.GetValue(output)!, bytes, $"{r.Count} × {n}: rows {r.Query}, columns {c.Query}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>counts[code, class] over seeds 0…per−1 for every value of the categorical control (the same z for every
    /// code, so a difference is the code's); other controls at their defaults.</summary>
    public static long[,] Confusion(OnnxModel m, ControlSpec code, FeatureExtractor classifier, int per, int classes)
    {
        var counts = new long[code.Count!.Value, classes];
        var spec = m.Manifest.Image;
        for (int k = 0; k < code.Count; k++)
            for (int start = 0; start < per; start += InferenceLimits.Default.MaxCount)
            {
                using var scope = torch.NewDisposeScope();
                var seeds = Enumerable.Range(start, Math.Min(InferenceLimits.Default.MaxCount, per - start)).Select(i => (uint)i).ToArray();
                var images = GanPipelines.GenerateTensor(m, seeds, new GenerateSettings(Controls: new Dictionary<string, double> { [code.Query] = k }), CancellationToken.None);
                var (_, logits) = classifier.Run(torch.tensor(images.Floats!, images.Shape), spec);
                if (logits is null) throw new ArgumentException("the classifier has no 'logits' output");
                foreach (var c in logits.argmax(1).data<long>().ToArray()) counts[k, c]++;
            }
        return counts;
    }

    public static Command EvalCodes()
    {
        var model = ModelArguments.Model();
        var models = ModelArguments.Models();
        var features = new Option<string>("--features") { Description = "ONNX classifier with a 'logits' output", DefaultValueFactory = _ => "metrics/fmnist-classifier.onnx" };
        var control = new Option<string?>("--control") { Description = "categorical control (default: the model's first)" };
        var per = new Option<int>("--count") { Description = "samples per code value (seeds 0…count−1)", DefaultValueFactory = _ => 500 };
        var names = new Option<string>("--class-names") { Description = "comma-separated class names for the table", DefaultValueFactory = _ => "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot" };
        var cmd = new Command("codes", "how well a categorical control matches a classifier's classes: best one-to-one assignment accuracy and purity") { model, models, features, control, per, names };
        cmd.SetAction(parse => ModelArguments.Run(parse, stdout =>
        {
            using var m = ModelArguments.Open(parse, model, models);
            var code = Find(m, parse.GetValue(control), categorical: true);
            using var classifier = new FeatureExtractor(parse.GetValue(features)!);
            var classNames = parse.GetValue(names)!.Split(',');
            var counts = Confusion(m, code, classifier, parse.GetValue(per), classNames.Length);
            var (accuracy, assignment) = CodeClassAgreement.BestAssignmentAccuracy(counts);
            var inv = CultureInfo.InvariantCulture;
            stdout.WriteLine(string.Create(inv, $"model {m.Name}: {code.Count} values of '{code.Query}' × {parse.GetValue(per)} seeds, classified by {Path.GetFileName(parse.GetValue(features))}"));
            stdout.WriteLine("| code | " + string.Join(" | ", classNames) + " | assigned |");
            stdout.WriteLine("|---|" + string.Concat(Enumerable.Repeat("---|", classNames.Length + 1)));
            for (int k = 0; k < code.Count; k++)
                stdout.WriteLine($"| {k} | " + string.Join(" | ", Enumerable.Range(0, classNames.Length).Select(c => counts[k, c].ToString(inv))) + $" | {classNames[assignment[k]]} |");
            stdout.WriteLine(string.Create(inv, $"best one-to-one assignment accuracy {accuracy:P1}; purity {CodeClassAgreement.Purity(counts):P1} (chance: {1.0 / classNames.Length:P0})"));
            return 0;
        }));
        return cmd;
    }
}
