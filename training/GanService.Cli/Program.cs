using System.CommandLine;
using GanService.Cli.Commands;
using GanService.Training.Platform;

// `gan` — train, export, generate, translate, evaluate. The CLI only validates and resolves options; the work lives in
// GanService.Training (training, export) and GanService.Inference (running exported models, as the API does). Each
// command group is one file under Commands/.
var root = new RootCommand("gan — train GANs with TorchSharp, export them to ONNX, run them with ONNX Runtime");
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(ImportCommand.Create());
root.Subcommands.Add(PackageCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(TrainPerceptualCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(TranslateCommand.Create());
root.Subcommands.Add(TranslateCommand.CreateUpscale());
root.Subcommands.Add(RepackageCommand.Create());
root.Subcommands.Add(StyleGanCommands.StyleMix());
root.Subcommands.Add(InterpolateCommand.Create());
root.Subcommands.Add(StyleGanCommands.TruncationSweep());
root.Subcommands.Add(ControlCommands.CodeSweep());
root.Subcommands.Add(DatasetsCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(ZooCommand.Create());
root.Subcommands.Add(DoctorCommand.Create());
// "Use this libtorch" (docs/platform.md, CUDA libtorch): loaded before any command touches TorchSharp.
var libtorch = new Option<string?>("--libtorch")
{
    Description = $"load libtorch (CPU or CUDA) from this folder, e.g. a PyTorch install's torch/lib; it must be libtorch {LibTorchLocation.ExpectedLine}.x " +
        $"(default: ${LibTorchLocation.Variable}, else the libtorch this build ships)",
    Recursive = true,
};
root.Options.Add(libtorch);
var parsed = root.Parse(args);
try { LibTorchLocation.UseConfigured(parsed.GetValue(libtorch)); }
catch (LibTorchLocationException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
return parsed.Invoke();
