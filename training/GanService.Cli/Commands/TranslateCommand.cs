using System.CommandLine;
using GanService.Contracts;
using GanService.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan translate --model models/&lt;name&gt; --in IMAGE|DIR --out FILE|DIR [--target DOMAIN]`: runs a translation model
/// through the inference library (the pipeline POST /translate runs), after the same load-time checks of the ONNX files
/// against model.json. A model that takes any size runs each image at its own size (--resize native, its default);
/// others resize inputs to the model's size (--resize fit|crop|stretch, crop by default). Outputs are written as PNG.
/// </summary>
public static class TranslateCommand
{
    public static Command Create() => Build("translate", "translate images with an exported model through ONNX Runtime", upscaleOnly: false);

    /// <summary>`gan upscale`: the same for super-resolution models (image.outputScale &gt; 1), as POST /upscale.</summary>
    public static Command CreateUpscale() => Build("upscale", "upscale images with a super-resolution model (gan import esrgan) at their own size, tile by tile when large", upscaleOnly: true);

    private static Command Build(string name, string description, bool upscaleOnly)
    {
        var model = ModelArguments.Model();
        var models = ModelArguments.Models();
        var input = new Option<string>("--in") { Description = "an image or a folder of images", Required = true };
        var output = new Option<string>("--out") { Description = "output PNG (single image) or folder; with several targets, the PNG grid", Required = true };
        var target = new Option<string?>("--target") { Description = "target domain, by name or index (StarGAN models; one of the manifest labels); several (a,b,c) or all: one grid, a row per input: the input, then each target's output" };
        var resize = new Option<string?>("--resize") { Description = "native (the image's own size; the default for models that take any size) | fit | crop (the default for the others) | stretch" };
        var nativePixels = new Option<long>("--max-native-pixels") { Description = "largest output made whole at the image's own size; above it, tile by tile (the service's Gan:MaxNativePixels)", DefaultValueFactory = _ => InferenceLimits.Default.MaxNativePixels };
        var outputPixels = new Option<long>("--max-output-pixels") { Description = "largest output one image may make at its own size (width × height × scale²); a larger one is refused (the service's Gan:MaxOutputPixels)", DefaultValueFactory = _ => InferenceLimits.Default.MaxOutputPixels };
        var cmd = new Command(name, description) { model, models, input, output, target, resize, nativePixels, outputPixels };
        cmd.SetAction(parse => ModelArguments.Run(parse, stdout =>
        {
            using var m = ModelArguments.Open(parse, model, models);
            if (upscaleOnly && m.Manifest.Image.Scale == 1)
                throw new ArgumentException($"model '{m.Manifest.Name}' keeps the image's size (no image.outputScale): use gan translate");
            if (NativeSize.ParseSize(parse.GetValue(resize), m.Manifest.Image, ResizePolicy.Crop, out var policy, out var size) is { } sizeProblem)
                throw new ArgumentException("--resize: " + sizeProblem);
            string inPath = parse.GetValue(input)!, outPath = parse.GetValue(output)!;
            var files = Directory.Exists(inPath)
                ? Directory.EnumerateFiles(inPath).Where(f => new[] { ".png", ".jpg", ".jpeg", ".webp" }.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToArray()
                : File.Exists(inPath) ? [inPath] : throw new FileNotFoundException($"'{inPath}' is neither an image nor a folder");
            if (files.Length == 0) throw new FileNotFoundException($"'{inPath}' holds no PNG/JPEG/WebP images");
            if (parse.GetValue(target) is { } several && (several == "all" || several.Contains(',')))
                return TargetsGrid(m, files, several, policy, size, outPath, stdout);
            var targetIndex = TargetIndex(m, parse.GetValue(target));
            if (GanPipelines.TranslateProblem(m, targetIndex) is { } problem) throw new ArgumentException(problem);
            bool toFolder = Directory.Exists(inPath) || Directory.Exists(outPath);
            if (toFolder) Directory.CreateDirectory(outPath);
            var limits = InferenceLimits.Default with { MaxNativePixels = parse.GetValue(nativePixels), MaxOutputPixels = parse.GetValue(outputPixels) };
            foreach (var f in files)
            {
                var png = Translate(m, File.ReadAllBytes(f), targetIndex, policy, size, limits);
                var dest = toFolder ? Path.Combine(outPath, Path.GetFileNameWithoutExtension(f) + ".png") : outPath;
                File.WriteAllBytes(dest, png);
                stdout.WriteLine($"{f} → {dest}");
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>One grid for several targets (names or indices, or all): a row per input — the input at the size the outputs
    /// have, then each target's output in the order given.</summary>
    private static int TargetsGrid(OnnxModel m, string[] files, string targets, ResizePolicy policy, SizeMode size, string outPath, TextWriter stdout)
    {
        var indices = (targets == "all" ? m.Manifest.Labels : targets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Select(t => TargetIndex(m, t) ?? throw new ArgumentException("--target: an empty name")).ToArray();
        if (indices.Length == 0) throw new ArgumentException($"--target all: model '{m.Manifest.Name}' has no target domains");
        if (GanPipelines.TranslateProblem(m, indices[0]) is { } problem) throw new ArgumentException(problem);
        if (Directory.Exists(outPath)) throw new ArgumentException($"--out '{outPath}' is a folder; several targets make one grid, so give a PNG file");
        var tiles = new List<Image<Rgb24>>();
        try
        {
            foreach (var f in files)
            {
                using var decoded = ImageCodec.Decode(File.ReadAllBytes(f), new ImageLimits());
                var spec = m.Manifest.Image;
                tiles.Add(size == SizeMode.Auto && spec.AnySize
                    ? ImageCodec.Resize(decoded, decoded.Width * spec.Scale, decoded.Height * spec.Scale, ResizePolicy.Stretch)
                    : ImageCodec.Resize(decoded, spec.Width * spec.Scale, spec.Height * spec.Scale, policy));
                foreach (var t in indices) tiles.Add(GanPipelines.Translate(m, decoded, policy, t, CancellationToken.None, size: size));
            }
        }
        catch
        {
            foreach (var t in tiles) t.Dispose();
            throw;
        }
        File.WriteAllBytes(outPath, ImageGrid.Encode(tiles, 1 + indices.Length)); // Encode disposes the tiles
        stdout.WriteLine($"{files.Length} input(s) × (input, {string.Join(", ", indices.Select(i => m.Manifest.Labels[i]))}) → {outPath}");
        return 0;
    }

    /// <summary>--target by name or index; null when the model takes none (the pipeline's check says what is missing).</summary>
    public static int? TargetIndex(OnnxModel model, string? text) =>
        string.IsNullOrEmpty(text) ? null
        : ModelLabels.TryParse(text, model.Manifest.Labels, "--target", out var index, out var error) ? index : throw new ArgumentException(error);

    /// <summary>Image file bytes (PNG/JPEG/WebP, through the same structural intake as uploads) → PNG bytes.</summary>
    public static byte[] Translate(OnnxModel model, byte[] imageBytes, int? targetIndex, ResizePolicy policy, SizeMode size = SizeMode.Auto,
        InferenceLimits? limits = null)
    {
        using var decoded = ImageCodec.Decode(imageBytes, new ImageLimits());
        return ImageGrid.Encode([GanPipelines.Translate(model, decoded, policy, targetIndex, CancellationToken.None, size: size, limits: limits)], 1);
    }
}
