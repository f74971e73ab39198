using System.CommandLine;
using GanService.Cli.Commands;

// `gan` — train, export, generate, translate, evaluate. The CLI only validates and resolves options; the work lives in
// GanService.Training. Each command group is one file under Commands/.
var root = new RootCommand("gan — train GANs with TorchSharp, export them to ONNX, run them with ONNX Runtime");
root.Subcommands.Add(ExportCommand.Create());
// Minimal `train` group (generation families only on this branch; the translation branch's TrainCommand registry
// takes TrainGenerationCommands.Create() at merge).
var train = new Command("train", "train a model");
foreach (var c in TrainGenerationCommands.Create()) train.Subcommands.Add(c);
root.Subcommands.Add(train);
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
return root.Parse(args).Invoke();
