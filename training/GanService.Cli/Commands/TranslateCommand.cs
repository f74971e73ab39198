using System.CommandLine;
using GanService.Contracts;
using GanService.Inference;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan translate --model models/&lt;name&gt; --in IMAGE|DIR --out FILE|DIR [--target DOMAIN]`: runs a translation model
/// through the inference library (the pipeline POST /translate runs), after the same load-time checks of the ONNX files
/// against model.json. Inputs are resized to the model's size (--resize fit|crop|stretch), outputs written as PNG.
/// </summary>
public static class TranslateCommand
{
    public static Command Create()
    {
        var model = ModelArguments.Model();
        var models = ModelArguments.Models();
        var input = new Option<string>("--in") { Description = "an image or a folder of images", Required = true };
        var output = new Option<string>("--out") { Description = "output PNG (single image) or folder", Required = true };
        var target = new Option<string?>("--target") { Description = "target domain, by name or index (StarGAN models; one of the manifest labels)" };
        var resize = new Option<string>("--resize") { Description = "fit | crop | stretch", DefaultValueFactory = _ => "crop" };
        var cmd = new Command("translate", "translate images with an exported model through ONNX Runtime") { model, models, input, output, target, resize };
        cmd.SetAction(parse => ModelArguments.Run(parse, stdout =>
        {
            var policy = Enum.Parse<ResizePolicy>(parse.GetValue(resize)!, ignoreCase: true);
            using var m = ModelArguments.Open(parse, model, models);
            var targetIndex = TargetIndex(m, parse.GetValue(target));
            if (GanPipelines.TranslateProblem(m, targetIndex) is { } problem) throw new ArgumentException(problem);
            string inPath = parse.GetValue(input)!, outPath = parse.GetValue(output)!;
            var files = Directory.Exists(inPath)
                ? Directory.EnumerateFiles(inPath).Where(f => new[] { ".png", ".jpg", ".jpeg", ".webp" }.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToArray()
                : File.Exists(inPath) ? [inPath] : throw new FileNotFoundException($"'{inPath}' is neither an image nor a folder");
            if (files.Length == 0) throw new FileNotFoundException($"'{inPath}' holds no PNG/JPEG/WebP images");
            bool toFolder = Directory.Exists(inPath) || Directory.Exists(outPath);
            if (toFolder) Directory.CreateDirectory(outPath);
            foreach (var f in files)
            {
                var png = Translate(m, File.ReadAllBytes(f), targetIndex, policy);
                var dest = toFolder ? Path.Combine(outPath, Path.GetFileNameWithoutExtension(f) + ".png") : outPath;
                File.WriteAllBytes(dest, png);
                stdout.WriteLine($"{f} → {dest}");
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>--target by name or index; null when the model takes none (the pipeline's check says what is missing).</summary>
    public static int? TargetIndex(OnnxModel model, string? text) =>
        string.IsNullOrEmpty(text) ? null
        : ModelLabels.TryParse(text, model.Manifest.Labels, "--target", out var index, out var error) ? index : throw new ArgumentException(error);

    /// <summary>Image file bytes (PNG/JPEG/WebP, through the same structural intake as uploads) → PNG bytes.</summary>
    public static byte[] Translate(OnnxModel model, byte[] imageBytes, int? targetIndex, ResizePolicy policy)
    {
        using var decoded = ImageCodec.Decode(imageBytes, new ImageLimits());
        return ImageGrid.Encode([GanPipelines.Translate(model, decoded, policy, targetIndex, CancellationToken.None)], 1);
    }
}
