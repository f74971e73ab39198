using System.CommandLine;
using GanService.Cli.Commands;

// `gan` — train, export, generate, translate, evaluate. The CLI only validates and resolves options; the work lives in
// GanService.Training. Each command group is one file under Commands/.
var root = new RootCommand("gan — train GANs with TorchSharp, export them to ONNX, run them with ONNX Runtime");
root.Subcommands.Add(ExportCommand.Create());
// StyleGAN2 (issue 5): `train stylegan2` goes under the shared `train` command at merge; until then a minimal group.
root.Subcommands.Add(new Command("train", "train a GAN family") { TrainStyleGanCommand.Create() });
root.Subcommands.Add(StyleGanCommands.Generate()); // minimal StyleGAN-only `generate`; merge with GenerateCommand
root.Subcommands.Add(StyleGanCommands.StyleMix());
root.Subcommands.Add(StyleGanCommands.Interpolate());
root.Subcommands.Add(StyleGanCommands.TruncationSweep());
return root.Parse(args).Invoke();
