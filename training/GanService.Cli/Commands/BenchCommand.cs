using System.CommandLine;
using GanService.Training.Benchmarks;

namespace GanService.Cli.Commands;

public static class BenchCommand
{
    public static Command Create()
    {
        var d = new MixtureBenchmark.Settings();
        var seeds = new Option<int>("--seeds") { DefaultValueFactory = _ => 5 };
        var ringSteps = new Option<int>("--ring-steps") { DefaultValueFactory = _ => d.RingSteps };
        var gridSteps = new Option<int>("--grid-steps") { DefaultValueFactory = _ => d.GridSteps };
        var gWidth = new Option<int>("--g-width") { Description = "generator hidden width (PacGAN: 400)", DefaultValueFactory = _ => d.GWidth };
        var dWidth = new Option<int>("--d-width") { Description = "discriminator maxout width (PacGAN: 200)", DefaultValueFactory = _ => d.DWidth };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => d.Lr };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => d.Batch };
        var gBn = new Option<bool>("--g-batchnorm") { Description = "BatchNorm in G (PacGAN's G; on by default)", DefaultValueFactory = _ => d.GBatchNorm };
        var ema = new Option<double>("--ema") { Description = "sample from an EMA of G with this β (0 = the last G)", DefaultValueFactory = _ => d.EmaBeta };
        var decay = new Option<double>("--decay-fraction") { Description = "final fraction of the run over which lr decays linearly to 0", DefaultValueFactory = _ => d.DecayFraction };
        var workers = new Option<int>("--workers") { Description = "runs in parallel (one thread each)", DefaultValueFactory = _ => d.Workers };
        var only = new Option<string>("--configs") { Description = "comma-separated subset of GAN,LSGAN,WGAN-GP,PacGAN2,PacGAN4,GAN+R1 (default: these six), or the f-GAN rows f-KL,f-RKL,f-Pearson,f-Hellinger,f-JS,f-GAN, or GAN+R1+DRS (discriminator rejection sampling)", DefaultValueFactory = _ => "" };
        var data = new Option<string>("--data") { Description = "comma-separated subset of ring,grid (default both)", DefaultValueFactory = _ => "" };
        var plot = new Option<string>("--plot") { Description = "PNG of seed 0's samples (rows: ring, grid; columns: configurations); empty = none", DefaultValueFactory = _ => "bench/mixtures.png" };
        var traceEvery = new Option<int>("--trace-every") { Description = "print each run's metrics every N steps (0 = off)", DefaultValueFactory = _ => 0 };
        var beta1 = new Option<double>("--beta1") { DefaultValueFactory = _ => d.Beta1 };
        var beta2 = new Option<double>("--beta2") { DefaultValueFactory = _ => d.Beta2 };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "bench/mixtures.md" };
        var drsPercentile = new Option<double>("--drs-percentile") { Description = "GAN+R1+DRS: γ = this percentile of F over the burn-in samples (higher rejects more)", DefaultValueFactory = _ => d.DrsPercentile };
        var paper = new Option<bool>("--paper") { Description = $"PacGAN's appendix setting: widths 400 / 200, batch 100, Adam 1e-4 constant with β1 0.8, N(0, 0.02²) init, a fixed set of 100,000 points, {MixtureBenchmark.PaperIterations:N0} iterations (a long run; --ring-steps / --grid-steps shorten it; it replaces --g-width, --d-width, --lr, --batch, --beta1/2, --decay-fraction, --ema and --g-batchnorm, while --configs, --data, --seeds, --workers, --trace-every, --plot and --out apply as usual)" };
        var mixtures = new Command("mixtures", "PacGAN's ring-of-8 / grid-of-25 mode-coverage benchmark (GAN, LSGAN, WGAN-GP, PacGAN2, PacGAN4, GAN+R1)") { seeds, ringSteps, gridSteps, gWidth, dWidth, lr, batch, gBn, ema, decay, workers, only, data, traceEvery, beta1, beta2, plot, output, paper, drsPercentile };
        mixtures.SetAction(parse =>
        {
            torch.set_num_threads(1); // tiny MLPs: one thread per run avoids contention; runs go in parallel
            var st = new MixtureBenchmark.Settings
            {
                RingSteps = parse.GetValue(ringSteps), GridSteps = parse.GetValue(gridSteps), GWidth = parse.GetValue(gWidth), DWidth = parse.GetValue(dWidth),
                Lr = parse.GetValue(lr), Batch = parse.GetValue(batch), GBatchNorm = parse.GetValue(gBn), EmaBeta = parse.GetValue(ema),
                DecayFraction = parse.GetValue(decay), Workers = parse.GetValue(workers),
                Only = parse.GetValue(only)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                TraceEvery = parse.GetValue(traceEvery), DrsPercentile = parse.GetValue(drsPercentile), Beta1 = parse.GetValue(beta1), Beta2 = parse.GetValue(beta2), Trace = line => { lock (Console.Out) Console.WriteLine(line); }, PlotPath = parse.GetValue(plot)!,
                Data = parse.GetValue(data)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            };
            if (parse.GetValue(paper))
                st = MixtureBenchmark.Paper(st, parse.GetResult(ringSteps) is { Implicit: false } ? st.RingSteps : null,
                    parse.GetResult(gridSteps) is { Implicit: false } ? st.GridSteps : null);
            var md = MixtureBenchmark.Run(parse.GetValue(seeds), st, Console.Out);
            var path = parse.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, md);
            Console.WriteLine(md);
            return 0;
        });
        return new Command("bench", "benchmarks") { mixtures };
    }
}
