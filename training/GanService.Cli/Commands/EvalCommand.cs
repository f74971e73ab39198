using System.CommandLine;
using System.Globalization;
using GanService.Contracts;
using GanService.Inference;
using GanService.Training.Data;
using GanService.Training.Metrics;
using GanService.Training.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan eval --model models/x --features extractor.onnx`: Fréchet and kernel distances between the features of
/// generated samples (seeds 0…n−1) and of real images, with any ONNX feature extractor (first input: (B, C, H, W) image
/// in the model's range; output "features" (B, d), optional "logits" (B, K) for the cGAN class check).
/// `gan eval train-classifier`: trains the small Fashion-MNIST classifier shipped as metrics/fmnist-classifier.onnx.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model folder" };
        var features = new Option<string>("--features") { Description = "ONNX feature extractor", DefaultValueFactory = _ => "metrics/fmnist-classifier.onnx" };
        var data = new Option<string>("--data") { Description = "real images (IDX folder or image folder); the test split of an IDX folder", DefaultValueFactory = _ => IdxDataset.FashionMnistFolder };
        var count = new Option<int>("--count") { Description = "generated samples", DefaultValueFactory = _ => 5000 };
        var subsets = new Option<int>("--subsets") { Description = "KID subsets (of 1000)", DefaultValueFactory = _ => 50 };
        var trunc = ModelArguments.Trunc();
        var images = new Option<string?>("--images") { Description = "instead of --model: the images of this folder against --data (e.g. the training set against the held-out set: the floor a model can reach)" };
        var size = new Option<int>("--size") { Description = "with --images: the size both sets are compared at", DefaultValueFactory = _ => 64 };
        var cmd = new Command("eval", "FID/KID-style distances of a generate model over a user-supplied ONNX feature extractor") { model, features, data, count, subsets, trunc, images, size };
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(images) is { } folder)
            {
                if (parse.GetValue(model) is not null) throw new ArgumentException("--images replaces --model; give one of them");
                var imageSpec = new ImageSpec(3, parse.GetValue(size), parse.GetValue(size));
                using var fx = new FeatureExtractor(parse.GetValue(features)!);
                using var realSet = LoadReal(parse.GetValue(data)!, imageSpec);
                using var otherSet = LoadReal(folder, imageSpec);
                var a = fx.Run(realSet.Batch(torch.arange(realSet.Count, dtype: ScalarType.Int64)), imageSpec).Features;
                var b = fx.Run(otherSet.Batch(torch.arange(otherSet.Count, dtype: ScalarType.Int64)), imageSpec).Features;
                Report(parse.InvocationConfiguration.Output, $"images {Path.GetFileName(Path.TrimEndingDirectorySeparator(folder))}", a, b, parse.GetValue(features)!, parse.GetValue(subsets), realSet.Count);
                return 0;
            }
            var modelDir = parse.GetValue(model) ?? throw new ArgumentException("--model or --images is required");
            using var gen = ModelArguments.Open(modelDir);
            using var extractor = new FeatureExtractor(parse.GetValue(features)!);
            var spec = gen.Manifest.Image;
            using var real = LoadReal(parse.GetValue(data)!, spec);
            var realFeatures = extractor.Run(real.Batch(torch.arange(real.Count, dtype: ScalarType.Int64)), spec).Features;
            int n = parse.GetValue(count);
            var fakes = new List<Tensor>();
            var accuracy = new List<double>();
            int classes = gen.Manifest.Labels.Length;
            // The library runs at most InferenceLimits.MaxCount seeds per call: generate in batches of that size.
            Tensor Generated(int first, int count, long? label)
            {
                var parts = new List<Tensor>();
                for (int start = first; start < first + count; start += InferenceLimits.Default.MaxCount)
                {
                    var seeds = Enumerable.Range(start, Math.Min(InferenceLimits.Default.MaxCount, first + count - start)).Select(i => (uint)i).ToArray();
                    var images = GanPipelines.GenerateTensor(gen, seeds, ModelArguments.WithTrunc(gen, new GenerateSettings(Label: label), parse.GetValue(trunc)), CancellationToken.None);
                    parts.Add(torch.tensor(images.Floats!, images.Shape));
                }
                return torch.cat(parts, 0);
            }
            if (classes > 0 && gen.TakesLabel)
            {
                int per = n / classes;
                for (int k = 0; k < classes; k++)
                {
                    var (f, logits) = extractor.Run(Generated(k * per, per, k), spec);
                    fakes.Add(f);
                    if (logits is not null) accuracy.Add(logits.argmax(1).eq(k).to_type(ScalarType.Float64).mean().item<double>());
                }
            }
            else
            {
                for (int start = 0; start < n; start += 500)
                    fakes.Add(extractor.Run(Generated(start, Math.Min(500, n - start), null), spec).Features);
            }
            var fake = torch.cat(fakes, 0);
            Report(parse.InvocationConfiguration.Output, $"model {gen.Manifest.Name}", realFeatures, fake, parse.GetValue(features)!, parse.GetValue(subsets), real.Count, "generated");
            var inv = CultureInfo.InvariantCulture;
            if (accuracy.Count > 0)
                parse.InvocationConfiguration.Output.WriteLine(string.Create(inv, $"class accuracy {accuracy.Average():P1} (per class: {string.Join(", ", accuracy.Select((a, k) => $"{gen.Manifest.Labels[k]} {a:P0}"))})"));
            return 0;
        });
        cmd.Subcommands.Add(TrainClassifier());
        cmd.Subcommands.Add(EvalTranslationCommand.Create());
        cmd.Subcommands.Add(EvalUpscaleCommand.Create());
        cmd.Subcommands.Add(EvalTextCommand.Create());
        cmd.Subcommands.Add(EvalTranslationCommand.TrainStyleClassifier());
        cmd.Subcommands.Add(EvalNearestCommand.Create());
        cmd.Subcommands.Add(ControlCommands.EvalCodes());
        cmd.Subcommands.Add(ReconstructionEvalCommand.Create());
        return cmd;
    }

    /// <summary>The FD and KID lines between the real features and the other set's.</summary>
    private static void Report(TextWriter output, string what, Tensor real, Tensor other, string features, int subsets, long realCount, string otherName = "images")
    {
        double fid = FrechetDistance.Compute(real, other);
        var (kid, kidStd) = KernelDistance.Compute(real, other, subsets);
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"{what}: {other.shape[0]} {otherName} vs {realCount} real; features {Path.GetFileName(features)} (d = {other.shape[1]})"));
        output.WriteLine(string.Create(inv, $"FD  {fid:F3}   (FID-FMNIST when the extractor is the Fashion-MNIST classifier; not comparable to Inception FID)"));
        output.WriteLine(string.Create(inv, $"KID {kid:F5} ± {kidStd:F5}"));
    }

    /// <summary>Real images at the model's size: the test split of an IDX folder, or an image folder.</summary>
    internal static LabelledImageSet LoadReal(string path, ImageSpec spec)
    {
        bool idx = Directory.Exists(path) && Directory.GetFiles(path).Any(f => Path.GetFileName(f).Contains("idx3-ubyte", StringComparison.Ordinal));
        using var raw = idx ? IdxDataset.LoadFolder(path, train: false) : ImageFolderDataset.Load(path, spec.Width, spec.Channels);
        var sized = raw.ToSize(spec.Width);
        return ReferenceEquals(sized, raw) ? new LabelledImageSet(raw.Pixels.clone(), raw.Labels?.clone(), raw.ClassNames) : sized;
    }

    private static Command TrainClassifier()
    {
        var data = new Option<string>("--data") { DefaultValueFactory = _ => IdxDataset.FashionMnistFolder };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 3 };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "metrics/fmnist-classifier.onnx" };
        var cmd = new Command("train-classifier", "train the small Fashion-MNIST classifier used as FID-FMNIST feature extractor") { data, epochs, output };
        cmd.SetAction(parse =>
        {
            using var trainRaw = IdxDataset.LoadFolder(parse.GetValue(data)!, train: true);
            using var testRaw = IdxDataset.LoadFolder(parse.GetValue(data)!, train: false);
            var train = trainRaw.ToSize(32);
            var test = testRaw.ToSize(32);
            var c = new FashionClassifier();
            var accs = FashionClassifier.Train(c, train, test, parse.GetValue(epochs), Console.Out);
            var onnx = OnnxExporter.Export(c, FashionClassifier.Inputs, FashionClassifier.Outputs,
                new Dictionary<string, string> { ["test_accuracy"] = accs[^1].ToString("F4", CultureInfo.InvariantCulture), ["data"] = "Fashion-MNIST (MIT), 28² padded to 32², [-1, 1]" });
            var path = parse.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            OnnxExporter.Save(onnx, path);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {path}: test accuracy {accs[^1]:P2}, {c.parameters().Sum(p => p.numel()):N0} params"));
            return 0;
        });
        return cmd;
    }
}

/// <summary>Runs an ONNX feature extractor over image batches: outputs "features" (or the first output) and "logits" if
/// present. Images of another size than the extractor's fixed input (e.g. 64² samples, the 32² emoji style classifier)
/// are resized first: area averaging down, bilinear up.</summary>
public sealed class FeatureExtractor : IDisposable
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;
    private readonly string _input, _features;
    private readonly string? _logits;
    private readonly long _height, _width; // the input's fixed size; ≤ 0 = any

    public FeatureExtractor(string path)
    {
        // On the CPU, like the CLI's model sessions (ModelArguments.Open): a metric does not depend on the machine's GPU.
        (_session, _options) = new SessionFactory("cpu").Create(File.ReadAllBytes(path), Path.GetFileName(path));
        _input = _session.InputNames[0];
        _features = _session.OutputNames.Contains("features") ? "features" : _session.OutputNames[0];
        _logits = _session.OutputNames.Contains("logits") ? "logits" : null;
        var dims = _session.InputMetadata[_input].Dimensions;
        (_height, _width) = dims.Length == 4 ? (dims[2], dims[3]) : (-1, -1);
    }

    /// <summary>The side of the extractor's fixed square input (32 for the emoji classifiers); null when it takes any size.</summary>
    public int? InputSize => _height > 0 && _height == _width ? (int)_height : null;

    /// <summary>The images at the extractor's input size (unchanged when it takes any size or they already match).</summary>
    public Tensor Fit(Tensor images)
    {
        if (_height <= 0 || _width <= 0 || (images.shape[2] == _height && images.shape[3] == _width)) return images;
        bool down = images.shape[2] >= _height && images.shape[3] >= _width;
        return torch.nn.functional.interpolate(images, [_height, _width], mode: down ? InterpolationMode.Area : InterpolationMode.Bilinear,
            align_corners: down ? null : false);
    }

    public (Tensor Features, Tensor? Logits) Run(Tensor images, ImageSpec spec)
    {
        var feats = new List<Tensor>();
        var logits = new List<Tensor>();
        string[] outputs = _logits is null ? [_features] : [_features, _logits];
        images = Fit(images);
        for (long i = 0; i < images.shape[0]; i += 500)
        {
            var chunk = images.narrow(0, i, Math.Min(500, images.shape[0] - i)).contiguous();
            using var value = OrtValue.CreateTensorValueFromMemory(chunk.data<float>().ToArray(), chunk.shape);
            using var run = new RunOptions();
            using var results = _session.Run(run, [_input], [value], outputs);
            var fs = results[0].GetTensorTypeAndShape().Shape;
            feats.Add(torch.tensor(results[0].GetTensorDataAsSpan<float>().ToArray(), fs));
            if (_logits is not null)
                logits.Add(torch.tensor(results[1].GetTensorDataAsSpan<float>().ToArray(), results[1].GetTensorTypeAndShape().Shape));
        }
        return (torch.cat(feats, 0), _logits is null ? null : torch.cat(logits, 0));
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }
}
