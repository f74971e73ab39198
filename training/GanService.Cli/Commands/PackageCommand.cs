using System.CommandLine;
using GanService.Contracts;
using GanService.Training.Export;
using Microsoft.ML.OnnxRuntime;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan package --onnx FILE --name NAME --task translate|generate`: serves an ONNX file someone exported themselves
/// (torch.onnx.export), through <see cref="ForeignOnnxPackager"/>; the command asks only for what the graph cannot say
/// (a dynamic spatial size, a value range the last op does not fix, label names).
/// </summary>
public static class PackageCommand
{
    public static Command Create()
    {
        var onnx = new Option<string>("--onnx") { Description = "the ONNX file to serve (copied unchanged)", Required = true };
        var name = new Option<string>("--name") { Description = "model name (folder under --models): lower-case letters, digits, . _ -", Required = true };
        var task = new Option<string>("--task") { Description = "translate (image → image) or generate (latent → image)", Required = true };
        task.AcceptOnlyFromAmong(ModelTasks.Translate, ModelTasks.Generate);
        var size = new Option<int?>("--size") { Description = "spatial size, when the graph's height/width are dynamic" };
        var range = new Option<string?>("--range") { Description = "pixel value range of the image tensors: -1,1 or 0,1 (inferred when the output is a Tanh or Sigmoid)" };
        var labels = new Option<string?>("--labels") { Description = "comma-separated names: StarGAN-style domains (translate) or classes (generate)" };
        var latent = new Option<int?>("--latent") { Description = "latent size, when the graph's latent dimension is dynamic" };
        var models = new Option<string>("--models") { Description = "model repository folder", DefaultValueFactory = _ => "models" };
        var licence = new Option<string?>("--licence") { Description = "the weights' licence, recorded in model.json" };
        var multiple = new Option<int?>("--size-multiple") { Description = "translate graphs with dynamic height/width: serve any image whose sides are multiples of this (the network's total stride, e.g. 4 for a ResNet CycleGAN, 1 for ESRGAN ×4) at its own size; --size is then the size it was trained at" };
        var margin = new Option<int?>("--tile-margin") { Description = "with --size-multiple: the receptive-field margin in input pixels, so images over the native-size limit run tile by tile (only for networks without instance norm or other global statistics)" };
        var cmd = new Command("package", "serve a foreign ONNX file: infer its tensor roles and shapes, validate it once, write model.json")
        {
            onnx, name, task, size, range, labels, latent, models, licence, multiple, margin,
        };
        cmd.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var request = new ForeignOnnxRequest(parse.GetValue(onnx)!, parse.GetValue(name)!, parse.GetValue(task)!, parse.GetValue(models)!,
                    parse.GetValue(size), ParseRange(parse.GetValue(range)), ImportCommand.SplitLabels(parse.GetValue(labels)), parse.GetValue(latent),
                    parse.GetValue(licence), parse.GetValue(multiple), parse.GetValue(margin));
                var (dir, inferred) = ForeignOnnxPackager.Package(request);
                foreach (var line in inferred) output.WriteLine($"inferred: {line}");
                output.WriteLine($"wrote {Path.Combine(dir, "model.onnx")} and {Path.Combine(dir, "model.json")}");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException
                                          or ManifestException or OnnxRuntimeException)
            {
                error.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
                return 2;
            }
        });
        return cmd;
    }

    public static (float Min, float Max)? ParseRange(string? range) => range switch
    {
        null => null,
        "-1,1" => (-1f, 1f),
        "0,1" => (0f, 1f),
        _ => throw new ArgumentException($"--range '{range}' must be -1,1 or 0,1"),
    };
}
