using System.CommandLine;
using GanService.Training.Benchmarks;

namespace GanService.Cli.Commands;

public static class BenchCommand
{
    public static Command Create()
    {
        var seeds = new Option<int>("--seeds") { DefaultValueFactory = _ => 5 };
        var ringSteps = new Option<int>("--ring-steps") { DefaultValueFactory = _ => 1500 };
        var gridSteps = new Option<int>("--grid-steps") { DefaultValueFactory = _ => 1500 };
        var gWidth = new Option<int>("--g-width") { Description = "generator hidden width (PacGAN: 400)", DefaultValueFactory = _ => 400 };
        var dWidth = new Option<int>("--d-width") { Description = "discriminator maxout width (PacGAN: 200)", DefaultValueFactory = _ => 200 };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 1e-4 };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "bench/mixtures.md" };
        var mixtures = new Command("mixtures", "PacGAN's ring-of-8 / grid-of-25 mode-coverage benchmark (GAN, LSGAN, WGAN-GP, PacGAN2, PacGAN4)") { seeds, ringSteps, gridSteps, gWidth, dWidth, lr, output };
        mixtures.SetAction(parse =>
        {
            torch.set_num_threads(1); // tiny MLPs: one thread avoids contention on the shared cores
            var md = MixtureBenchmark.Run(parse.GetValue(seeds), parse.GetValue(ringSteps), parse.GetValue(gridSteps), parse.GetValue(gWidth), parse.GetValue(dWidth), parse.GetValue(lr), Console.Out);
            var path = parse.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, md);
            Console.WriteLine(md);
            return 0;
        });
        return new Command("bench", "benchmarks") { mixtures };
    }
}
