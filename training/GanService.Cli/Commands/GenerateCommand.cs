using System.CommandLine;
using GanService.Contracts;
using Microsoft.ML.OnnxRuntime;

namespace GanService.Cli.Commands;

/// <summary>What `gan generate` needs from a model: seeds (+ optional class) → (count, C, H, W) images in the
/// manifest's range. One implementation per model layout; StyleGAN's two-graph models add theirs in <see cref="GenerateCommand.Open"/>.</summary>
public interface ISeedImageModel : IDisposable
{
    ModelManifest Manifest { get; }
    float[] Generate(IReadOnlyList<uint> seeds, long? label);
}

/// <summary>A single-graph generate model: inputs by role — latent (B, nz) from SeedLatent.Normal(seed, nz), label (B,) int64.</summary>
public sealed class OnnxLatentModel : ISeedImageModel
{
    private readonly InferenceSession _session;
    public ModelManifest Manifest { get; }

    public OnnxLatentModel(string directory, ModelManifest manifest)
    {
        Manifest = manifest;
        var graph = manifest.MainGraph;
        string path = Path.Combine(directory, graph.File);
        if (ModelManifest.Sha256Of(path) != graph.Sha256) throw new InvalidDataException($"{path}: SHA-256 does not match model.json");
        _session = new InferenceSession(path, new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL });
    }

    public float[] Generate(IReadOnlyList<uint> seeds, long? label)
    {
        var graph = Manifest.MainGraph;
        int nz = Manifest.Latent?.Size ?? throw new InvalidDataException("model has no latent size");
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach (var input in graph.Inputs)
            {
                names.Add(input.Name);
                switch (input.Role)
                {
                    case TensorRoles.Latent:
                        values.Add(OrtValue.CreateTensorValueFromMemory(SeedLatent.Batch(seeds, nz), [seeds.Count, nz]));
                        break;
                    case TensorRoles.Label:
                        if (label is null) throw new ArgumentException($"model '{Manifest.Name}' is class-conditional: pass --label (0…{Manifest.Labels.Length - 1}: {string.Join(", ", Manifest.Labels)})");
                        if (label < 0 || label >= Manifest.Labels.Length) throw new ArgumentException($"label {label} is outside 0…{Manifest.Labels.Length - 1}");
                        values.Add(OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(label.Value, seeds.Count).ToArray(), [seeds.Count]));
                        break;
                    default: throw new InvalidDataException($"input '{input.Name}' has role '{input.Role}', which `gan generate` cannot feed");
                }
            }
            using var run = new RunOptions();
            using var results = _session.Run(run, names, values, [graph.Outputs[0].Name]);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally { foreach (var v in values) v.Dispose(); }
    }

    public void Dispose() => _session.Dispose();
}

public static class GenerateCommand
{
    /// <summary>Opens a model folder for seed → image generation (the extension point for other layouts).</summary>
    public static Func<string, ISeedImageModel> Open { get; set; } = directory =>
    {
        var manifest = ModelManifest.Load(Path.Combine(directory, "model.json"));
        if (manifest.Task != ModelTasks.Generate) throw new ArgumentException($"model '{manifest.Name}' is a {manifest.Task} model, not generate");
        return new OnnxLatentModel(directory, manifest);
    };

    /// <summary>Seeds → PNG bytes of a grid (deterministic: same model, seeds and label → same bytes).</summary>
    public static byte[] RenderGrid(ISeedImageModel model, IReadOnlyList<uint> seeds, long? label, int columns)
    {
        var spec = model.Manifest.Image;
        var pixels = model.Generate(seeds, label);
        int plane = spec.Channels * spec.Height * spec.Width;
        var tiles = Enumerable.Range(0, seeds.Count).Select(i => ImageCodec.FromTensor(pixels.AsSpan(i * plane, plane), spec)).ToList();
        try
        {
            using var grid = ImageCodec.Grid(tiles, columns);
            return ImageCodec.Encode(grid);
        }
        finally { foreach (var t in tiles) t.Dispose(); }
    }

    /// <summary>Rows = classes (0…K−1), columns = seeds.</summary>
    public static byte[] RenderClassGrid(ISeedImageModel model, IReadOnlyList<uint> seeds)
    {
        var spec = model.Manifest.Image;
        int plane = spec.Channels * spec.Height * spec.Width;
        var tiles = new List<SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>>();
        try
        {
            for (long k = 0; k < model.Manifest.Labels.Length; k++)
            {
                var pixels = model.Generate(seeds, k);
                for (int i = 0; i < seeds.Count; i++) tiles.Add(ImageCodec.FromTensor(pixels.AsSpan(i * plane, plane), spec));
            }
            using var grid = ImageCodec.Grid(tiles, seeds.Count);
            return ImageCodec.Encode(grid);
        }
        finally { foreach (var t in tiles) t.Dispose(); }
    }

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model folder, or a model name under --models", Required = true };
        var models = new Option<string>("--models") { Description = "model repository", DefaultValueFactory = _ => "models" };
        var trunc = new Option<float?>("--trunc") { Description = "StyleGAN: truncation ψ (default: the manifest's)" };
        var noise = new Option<StyleNoiseMode>("--noise-mode") { Description = "StyleGAN: const | random | none", DefaultValueFactory = _ => StyleNoiseMode.Const };
        var seeds = new Option<string>("--seeds") { Description = "seeds, e.g. 0-15,42", DefaultValueFactory = _ => "0-15" };
        var label = new Option<long?>("--label") { Description = "class index for conditional models" };
        var grid = new Option<string>("--grid") { Description = "output PNG", DefaultValueFactory = _ => "grid.png" };
        var columns = new Option<int?>("--columns") { Description = "grid columns (default ⌈√n⌉, as GET /generate?count=n)" };
        var perClass = new Option<bool>("--per-class") { Description = "conditional models: one row per class, the same seeds in every row" };
        var cmd = new Command("generate", "seeds → images through the exported ONNX model (ONNX Runtime), saved as a PNG grid") { model, models, seeds, label, grid, columns, perClass, trunc, noise };
        cmd.SetAction(parse =>
        {
            byte[] bytes;
            IReadOnlyList<uint> seedList;
            try
            {
                seedList = SeedLatent.ParseSeeds(parse.GetValue(seeds)!);
                var dir = StyleGanCommands.ResolveModel(parse.GetValue(model)!, parse.GetValue(models)!);
                int cols = parse.GetValue(columns) ?? (int)Math.Ceiling(Math.Sqrt(seedList.Count));
                if (StyleGanCommands.IsStyleGan(dir))
                {
                    // Two graphs (mapping + synthesis): truncation, noise mode.
                    var psi = parse.GetValue(trunc) ?? ModelManifest.Load(Path.Combine(dir, "model.json")).Style!.DefaultPsi;
                    bytes = StyleGanCommands.GenerateGrid(dir, seedList, psi, parse.GetValue(noise), cols);
                }
                else
                {
                    using var m = Open(dir);
                    bytes = parse.GetValue(perClass)
                        ? RenderClassGrid(m, seedList)
                        : RenderGrid(m, seedList, parse.GetValue(label), cols);
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidDataException or FileNotFoundException or ManifestException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
            File.WriteAllBytes(parse.GetValue(grid)!, bytes);
            Console.WriteLine($"wrote {parse.GetValue(grid)} ({seedList.Count} images, {bytes.Length} bytes)");
            return 0;
        });
        return cmd;
    }
}
