using System.CommandLine;
using GanService.Contracts;
using Microsoft.ML.OnnxRuntime;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan translate --model models/&lt;name&gt; --in IMAGE|DIR --out FILE|DIR [--target DOMAIN]`: runs an exported translation
/// model through ONNX Runtime (CPU), after checking the ONNX file's SHA-256 against model.json. Inputs are resized
/// to the model's size (--resize fit|crop|stretch), outputs written as PNG.
/// </summary>
public static class TranslateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model folder (holding model.json)", Required = true };
        var input = new Option<string>("--in") { Description = "an image or a folder of images", Required = true };
        var output = new Option<string>("--out") { Description = "output PNG (single image) or folder", Required = true };
        var target = new Option<string?>("--target") { Description = "target domain (StarGAN models; one of the manifest labels)" };
        var resize = new Option<string>("--resize") { Description = "fit | crop | stretch", DefaultValueFactory = _ => "crop" };
        var cmd = new Command("translate", "translate images with an exported model through ONNX Runtime") { model, input, output, target, resize };
        cmd.SetAction(parse =>
        {
            try
            {
                var policy = Enum.Parse<ResizePolicy>(parse.GetValue(resize)!, ignoreCase: true);
                using var translator = new OnnxTranslator(parse.GetValue(model)!);
                string inPath = parse.GetValue(input)!, outPath = parse.GetValue(output)!;
                var files = Directory.Exists(inPath)
                    ? Directory.EnumerateFiles(inPath).Where(f => new[] { ".png", ".jpg", ".jpeg", ".webp" }.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToArray()
                    : File.Exists(inPath) ? [inPath] : throw new FileNotFoundException($"'{inPath}' is neither an image nor a folder");
                if (files.Length == 0) throw new FileNotFoundException($"'{inPath}' holds no PNG/JPEG/WebP images");
                bool toFolder = Directory.Exists(inPath) || Directory.Exists(outPath);
                if (toFolder) Directory.CreateDirectory(outPath);
                foreach (var f in files)
                {
                    var png = translator.Translate(File.ReadAllBytes(f), parse.GetValue(target), policy);
                    var dest = toFolder ? Path.Combine(outPath, Path.GetFileNameWithoutExtension(f) + ".png") : outPath;
                    File.WriteAllBytes(dest, png);
                    Console.WriteLine($"{f} → {dest}");
                }
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or FileNotFoundException or ManifestException or ImageRejectedException or InvalidDataException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return cmd;
    }
}

/// <summary>One ORT session for a translation model folder; verifies the manifest hash before loading.</summary>
public sealed class OnnxTranslator : IDisposable
{
    private readonly InferenceSession _session;
    public ModelManifest Manifest { get; }

    public OnnxTranslator(string modelDir)
    {
        Manifest = ModelManifest.Load(Path.Combine(modelDir, "model.json"));
        if (Manifest.Task != ModelTasks.Translate) throw new ArgumentException($"model '{Manifest.Name}' is a {Manifest.Task} model, not translate");
        var graph = Manifest.MainGraph;
        var onnx = Path.Combine(modelDir, graph.File);
        var hash = ModelManifest.Sha256Of(onnx);
        if (!hash.Equals(graph.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{onnx}: SHA-256 {hash} does not match model.json ({graph.Sha256}); refusing to load");
        _session = new InferenceSession(onnx, new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL });
    }

    public byte[] Translate(byte[] imageBytes, string? target, ResizePolicy policy)
    {
        var spec = Manifest.Image;
        var graph = Manifest.MainGraph;
        using var decoded = ImageCodec.Decode(imageBytes, new ImageLimits());
        using var sized = ImageCodec.Resize(decoded, spec.Width, spec.Height, policy);
        var chw = ImageCodec.ToTensor(sized, spec);
        var values = new List<OrtValue>();
        try
        {
            var names = new List<string>();
            foreach (var t in graph.Inputs)
            {
                names.Add(t.Name);
                switch (t.Role)
                {
                    case TensorRoles.Image:
                        values.Add(OrtValue.CreateTensorValueFromMemory(chw, [1, spec.Channels, spec.Height, spec.Width]));
                        break;
                    case TensorRoles.LabelVector:
                        if (target is null) throw new ArgumentException($"this model needs --target, one of: {string.Join(", ", Manifest.Labels)}");
                        int k = Array.IndexOf(Manifest.Labels, target);
                        if (k < 0) throw new ArgumentException($"unknown target '{target}'; labels: {string.Join(", ", Manifest.Labels)}");
                        var onehot = new float[Manifest.Labels.Length];
                        onehot[k] = 1;
                        values.Add(OrtValue.CreateTensorValueFromMemory(onehot, [1, onehot.Length]));
                        break;
                    default: throw new ArgumentException($"input '{t.Name}' has role '{t.Role}', which translate cannot feed");
                }
            }
            using var run = new RunOptions();
            using var results = _session.Run(run, names, values, [graph.Outputs[0].Name]);
            using var image = ImageCodec.FromTensor(results[0].GetTensorDataAsSpan<float>(), spec);
            return ImageCodec.Encode(image);
        }
        finally { foreach (var v in values) v.Dispose(); }
    }

    public void Dispose() => _session.Dispose();
}
