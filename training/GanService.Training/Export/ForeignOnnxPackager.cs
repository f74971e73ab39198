using System.Globalization;
using GanService.Contracts;
using GanService.Inference;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace GanService.Training.Export;

/// <summary>What `gan package` asks for: the file, the model's name, task and folder, and what the graph may leave open.</summary>
/// <param name="SizeMultiple">Translate graphs with dynamic height and width: serve any image whose sides are multiples
/// of this (the network's total stride) at its own size, <paramref name="Size"/> being the size it was trained at.</param>
/// <param name="TileMargin">With <paramref name="SizeMultiple"/>: the receptive-field margin in input pixels that lets a
/// large image run tile by tile (only for networks without global statistics such as instance norm).</param>
public sealed record ForeignOnnxRequest(string OnnxPath, string Name, string Task, string ModelsDir, int? Size = null,
    (float Min, float Max)? Range = null, IReadOnlyList<string>? Labels = null, int? Latent = null, string? Licence = null,
    int? SizeMultiple = null, int? TileMargin = null);

/// <summary>
/// Serves an ONNX file someone exported themselves (`gan package`): the graph's inputs and outputs say most of the
/// manifest — tensor roles, shapes, the value range when the last op fixes it — and the request says the rest; the
/// graph runs once on zeros, then the file is copied unchanged and model.json written next to it
/// (<see cref="ModelPackage.WriteForeign"/>).
/// </summary>
public static class ForeignOnnxPackager
{
    public static (string Dir, IReadOnlyList<string> Inferred) Package(ForeignOnnxRequest r)
    {
        if (!ModelName.IsValid(r.Name)) throw new ArgumentException($"--name '{r.Name}' must match {ModelName.Pattern}");
        if (!File.Exists(r.OnnxPath)) throw new FileNotFoundException($"ONNX file '{r.OnnxPath}' does not exist");
        var inferred = new List<string>();
        InferenceSession session;
        SessionOptions options;
        // On the CPU, as the service's sessions are made: the one run here only checks that the graph loads and computes.
        try { (session, options) = new SessionFactory("cpu").Create(File.ReadAllBytes(r.OnnxPath), Path.GetFileName(r.OnnxPath)); }
        catch (OnnxRuntimeException e) { throw new InvalidDataException($"'{Path.GetFileName(r.OnnxPath)}' is not an ONNX model ONNX Runtime can load: {e.Message}"); }
        ModelManifest manifest;
        using (options)
        using (session)
        {
            var (outName, outMeta) = session.OutputMetadata.FirstOrDefault(o => o.Value.ElementType == typeof(float) && o.Value.Dimensions.Length == 4);
            if (outName is null) throw new ArgumentException("the graph has no 4-D float output (B, C, H, W) to serve as the image");
            if (session.OutputMetadata.Count > 1) inferred.Add($"image output: '{outName}' (the other {session.OutputMetadata.Count - 1} outputs are not served)");
            int channels = outMeta.Dimensions[1];
            if (channels is not (1 or 3)) throw new ArgumentException($"output '{outName}' has {Dim(channels)} channels; served images have 1 or 3 (a dynamic channel count cannot be served)");

            var inputs = r.Task == ModelTasks.Translate ? TranslateInputs(session, channels, r, inferred) : GenerateInputs(session, r, inferred);
            var imageInput = inputs.FirstOrDefault(i => i.Spec.Role == TensorRoles.Image)?.Meta;
            bool dynamic = imageInput is not null && (imageInput.Dimensions[2] <= 0 || imageInput.Dimensions[3] <= 0);
            if (r.SizeMultiple is not null && !dynamic)
                throw new ArgumentException(imageInput is null ? "--size-multiple applies to translate graphs (an image input) only"
                    : $"--size-multiple: the graph's image input is fixed at {Shape(imageInput.Dimensions)}; re-export it with dynamic height and width (dynamic_axes)");
            if (r.TileMargin is not null && r.SizeMultiple is null) throw new ArgumentException("--tile-margin needs --size-multiple");
            var (height, width) = SpatialSize(outMeta, imageInput, r.Size, inferred);
            if (r.SizeMultiple is { } k && (k is < 1 or > 4096 || height % k != 0 || width % k != 0))
                throw new ArgumentException($"--size-multiple {k} must be 1…4096 and divide the size {width}×{height}");
            if (r.TileMargin is { } m && m is < 0 or > 1024) throw new ArgumentException($"--tile-margin {m} must be 0…1024");
            var (min, max) = Range(r, outName, inferred);
            var batch = outMeta.Dimensions[0] > 0 ? outMeta.Dimensions[0] : -1L;
            if (batch > 0) inferred.Add($"the graph has a fixed batch of {batch} (exported without dynamic_axes)");

            var specs = inputs.Select(i => i.Spec with
            {
                Shape = i.Spec.Role == TensorRoles.Image ? [i.Meta.Dimensions[0] > 0 ? i.Meta.Dimensions[0] : -1, channels, height, width] : i.Spec.Shape,
            }).ToArray();
            // The output's size comes from the graph where it is fixed, else from a run: an upscaler's is its input's
            // times a whole scale, in both directions.
            var (outHeight, outWidth) = Validate(session, specs, outName);
            int scale = ScaleOf(height, width, outHeight, outWidth, outMeta);
            inferred.Add($"validated: one run on zeros gave a finite (1, {channels}, {outHeight}, {outWidth}) image" +
                (scale > 1 ? $": output scale ×{scale}" : ""));
            if (r.SizeMultiple is { } multiple)
            {
                // A second run at another size (one multiple wider, non-square) shows the graph really takes any size.
                var other = specs.Select(t => t.Role == TensorRoles.Image ? t with { Shape = [t.Shape[0], channels, height, width + multiple] } : t).ToArray();
                var (h2, w2) = Validate(session, other, outName);
                if (h2 != height * scale || w2 != (width + multiple) * scale)
                    throw new InvalidDataException($"--size-multiple {multiple}: a {width + multiple}×{height} input gave {w2}×{h2}, not {(width + multiple) * scale}×{height * scale}");
                inferred.Add($"any size whose sides are multiples of {multiple} (--size-multiple; checked with a {width + multiple}×{height} run)" +
                    (r.TileMargin is { } tm ? $", tile by tile with a margin of {tm} input pixels (--tile-margin, as declared)" : ""));
                specs = specs.Select(t => t.Role == TensorRoles.Image ? t with { Shape = [t.Shape[0], channels, -1, -1] } : t).ToArray();
            }
            var outSpec = new TensorSpec(outName, r.SizeMultiple is null ? [batch, channels, outHeight, outWidth] : [batch, channels, -1, -1], "float32", TensorRoles.Image);

            string sha = ModelManifest.Sha256Of(r.OnnxPath);
            var free = r.SizeMultiple is { } km ? new FreeSize(height, width, km, r.TileMargin, scale > 1 ? scale : null) : null;
            manifest = ManifestDraft.Of(r.Name, "onnx", [new GraphSpec("model", "model.onnx", sha, specs, [outSpec])], (min, max), free);
            // A fixed-size upscaler: the manifest's size is its input's, the output that times the scale.
            if (free is null && scale > 1) manifest = manifest with { Image = new ImageSpec(channels, height, width, min, max, OutputScale: scale) };
            manifest = manifest with
            {
                Labels = r.Labels?.ToArray() ?? [],
                License = r.Licence ?? "unspecified (pass --licence with the weights' licence)",
                Description = $"Foreign ONNX model packaged from {Path.GetFileName(r.OnnxPath)} ({r.Task}).",
                Source = new SourceInfo(Path.GetFileName(r.OnnxPath), sha, "onnx", "onnx", string.Join("; ", inferred)),
            };
        }

        string dir = Path.Combine(r.ModelsDir, r.Name);
        ModelPackage.WriteForeign(dir, manifest, r.OnnxPath);
        return (dir, inferred);
    }

    private sealed record Input(TensorSpec Spec, NodeMetadata Meta);

    private static List<Input> TranslateInputs(InferenceSession s, int channels, ForeignOnnxRequest r, List<string> inferred)
    {
        var result = new List<Input>();
        foreach (var (name, meta) in s.InputMetadata)
        {
            var d = meta.Dimensions;
            if (meta.ElementType == typeof(float) && d.Length == 4 && result.All(i => i.Spec.Role != TensorRoles.Image))
            {
                if (d[1] > 0 && d[1] != channels)
                    throw new ArgumentException($"input '{name}' has {d[1]} channels but the output has {channels}; served translate models keep the channel count");
                result.Add(new Input(new TensorSpec(name, [], "float32", TensorRoles.Image), meta));
                inferred.Add($"image input: '{name}' {Shape(d)}");
            }
            else if (meta.ElementType == typeof(float) && d.Length == 2)
            {
                int k = LabelCount(name, d[1], r.Labels, "domain names for the target-domain vector");
                result.Add(new Input(new TensorSpec(name, [-1, k], "float32", TensorRoles.LabelVector), meta));
                inferred.Add($"target-domain input: '{name}' (B, {k}), StarGAN-style one-hot");
            }
            else throw new ArgumentException($"input '{name}' {Shape(d)} {meta.ElementType.Name} has no role a translate model can feed " +
                "(an image (B, C, H, W) and optionally a float (B, K) target-domain vector)");
        }
        if (result.All(i => i.Spec.Role != TensorRoles.Image)) throw new ArgumentException("the graph has no 4-D float image input (B, C, H, W)");
        return result;
    }

    private static List<Input> GenerateInputs(InferenceSession s, ForeignOnnxRequest r, List<string> inferred)
    {
        var result = new List<Input>();
        foreach (var (name, meta) in s.InputMetadata)
        {
            var d = meta.Dimensions;
            if (meta.ElementType == typeof(float) && d.Length == 2 && result.All(i => i.Spec.Role != TensorRoles.Latent))
            {
                int z = d[1] > 0 ? d[1] : r.Latent ?? throw new ArgumentException($"latent input '{name}' has a dynamic size: pass --latent N");
                if (d[1] > 0 && r.Latent is { } given && given != d[1]) throw new ArgumentException($"--latent {given} contradicts the graph's latent input '{name}' of size {d[1]}");
                result.Add(new Input(new TensorSpec(name, [-1, z], "float32", TensorRoles.Latent), meta));
                inferred.Add($"latent input: '{name}' (B, {z}), standard normal (seed → z as everywhere in this service)");
            }
            else if (meta.ElementType == typeof(float) && d.Length == 4 && d[2] == 1 && d[3] == 1)
                throw new ArgumentException($"latent input '{name}' is {Shape(d)} (DCGAN-style (B, Z, 1, 1)); the service feeds (B, Z): " +
                    "re-export with a wrapper that reshapes z inside the graph");
            else if (meta.ElementType == typeof(long) && d.Length == 1)
            {
                if (r.Labels is not { Count: > 0 }) throw new ArgumentException($"input '{name}' takes a class index: pass --labels with the class names in index order");
                result.Add(new Input(new TensorSpec(name, [-1], "int64", TensorRoles.Label), meta));
                inferred.Add($"class input: '{name}' (B,) int64, {r.Labels.Count} classes");
            }
            else throw new ArgumentException($"input '{name}' {Shape(d)} {meta.ElementType.Name} has no role a generate model can feed " +
                "(a float latent (B, Z) and optionally an int64 class index (B,))");
        }
        if (result.All(i => i.Spec.Role != TensorRoles.Latent)) throw new ArgumentException("the graph has no 2-D float latent input (B, Z)");
        return result;
    }

    private static int LabelCount(string name, int dim, IReadOnlyList<string>? labels, string what)
    {
        if (labels is not { Count: > 0 }) throw new ArgumentException($"input '{name}' takes a (B, {Dim(dim)}) vector: pass --labels with the {what}");
        if (dim > 0 && dim != labels.Count) throw new ArgumentException($"--labels gives {labels.Count} names but input '{name}' has {dim}");
        return labels.Count;
    }

    /// <summary>The image size the model takes: its image input's (or, for a generator, its output's) where the graph
    /// fixes it, else --size.</summary>
    private static (int Height, int Width) SpatialSize(NodeMetadata output, NodeMetadata? input, int? size, List<string> inferred)
    {
        var d = (input ?? output).Dimensions;
        int h = d[2], w = d[3];
        if (h > 0 && w > 0)
        {
            if (size is { } s && (s != h || s != w)) throw new ArgumentException($"--size {s} contradicts the graph's fixed {h}×{w}");
            inferred.Add($"size {h}×{w} (fixed in the graph)");
            return (h, w);
        }
        if (size is not { } n) throw new ArgumentException("the graph's height/width are dynamic: pass --size N for the size to serve");
        if (n is < 1 or > 4096) throw new ArgumentException($"--size {n} must be 1…4096");
        inferred.Add($"size {n}×{n} (--size; the graph's spatial dims are dynamic)");
        return (n, n);
    }

    /// <summary>The output's size over the input's: 1 for a translator, a whole factor for an upscaler, the same in both
    /// directions; anything else cannot be served.</summary>
    private static int ScaleOf(int height, int width, int outHeight, int outWidth, NodeMetadata outMeta)
    {
        if (outHeight % height != 0 || outWidth % width != 0 || outHeight / height != outWidth / width || outHeight < height)
            throw new ArgumentException($"the output ({outWidth}×{outHeight}) is not the input ({width}×{height}) times a whole scale; " +
                "served translate models keep the size or multiply it by a whole factor");
        int scale = outHeight / height;
        if (scale > 16) throw new ArgumentException($"output scale ×{scale} is over ×16");
        if (outMeta.Dimensions[2] > 0 && outMeta.Dimensions[2] != outHeight) throw new InvalidDataException($"the graph declares an output height of {outMeta.Dimensions[2]} but made {outHeight}");
        return scale;
    }

    /// <summary>The image range from the op that produces the output (Tanh → [-1, 1], Sigmoid → [0, 1]), else --range.</summary>
    private static (float Min, float Max) Range(ForeignOnnxRequest r, string outputName, List<string> inferred)
    {
        string? op = FinalOp(r.OnnxPath, outputName);
        (float, float)? fromGraph = op switch { "Tanh" => (-1f, 1f), "Sigmoid" => (0f, 1f), _ => null };
        if (r.Range is { } given)
        {
            inferred.Add(fromGraph is { } g && g != given
                ? $"range [{given.Min}, {given.Max}] (--range; note the output comes from a {op}, whose range is [{g.Item1}, {g.Item2}])"
                : $"range [{given.Min}, {given.Max}] (--range)");
            return given;
        }
        if (fromGraph is not { } range)
            throw new ArgumentException($"the output '{outputName}' comes from {(op is null ? "an unknown op" : $"a {op}")}, which does not fix its value range: pass --range -1,1 or --range 0,1");
        inferred.Add($"range [{range.Item1}, {range.Item2}] (the output is a {op})");
        return range;
    }

    /// <summary>The op type that produces <paramref name="output"/>, looking through Identity nodes.</summary>
    private static string? FinalOp(string onnxPath, string output)
    {
        var graph = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnxPath)).Graph;
        string name = output;
        for (int hops = 0; hops < 16; hops++)
        {
            var node = graph.Node.LastOrDefault(n => n.Output.Contains(name));
            if (node is null) return null;
            if (node.OpType != "Identity") return node.OpType;
            name = node.Input[0];
        }
        return null;
    }

    /// <summary>One run on zeros (batch 1; label 0): the graph must load, accept the declared shapes and give a finite
    /// (1, C, H', W') image; returns (H', W').</summary>
    private static (int Height, int Width) Validate(InferenceSession s, TensorSpec[] inputs, string output)
    {
        var values = new List<OrtValue>();
        try
        {
            foreach (var t in inputs)
            {
                long[] shape = [1, .. t.Shape.Skip(1)];
                long count = shape.Aggregate(1L, (a, b) => a * b);
                values.Add(t.DataType == "int64" ? OrtValue.CreateTensorValueFromMemory(new long[count], shape) : OrtValue.CreateTensorValueFromMemory(new float[count], shape));
            }
            using var run = new RunOptions();
            IDisposableReadOnlyCollection<OrtValue> results;
            try { results = s.Run(run, inputs.Select(i => i.Name).ToArray(), values, [output]); }
            catch (OnnxRuntimeException e) { throw new InvalidDataException($"the graph failed its validation run on zeros: {e.Message}"); }
            using (results)
            {
                var shape = results[0].GetTensorTypeAndShape().Shape;
                if (shape.Length != 4 || shape[0] != 1) throw new InvalidDataException($"the validation run gave {Shape(shape)}, not one (1, C, H, W) image");
                foreach (var v in results[0].GetTensorDataAsSpan<float>())
                    if (!float.IsFinite(v)) throw new InvalidDataException("the validation run on zeros gave NaN or infinite values");
                return ((int)shape[2], (int)shape[3]);
            }
        }
        finally { foreach (var v in values) v.Dispose(); }
    }

    private static string Dim(int d) => d > 0 ? d.ToString(CultureInfo.InvariantCulture) : "a dynamic number of";
    private static string Shape(IEnumerable<int> d) => "(" + string.Join(", ", d.Select(x => x > 0 ? x.ToString(CultureInfo.InvariantCulture) : "?")) + ")";
    private static string Shape(IEnumerable<long> d) => "(" + string.Join(", ", d.Select(x => x.ToString(CultureInfo.InvariantCulture))) + ")";
}
