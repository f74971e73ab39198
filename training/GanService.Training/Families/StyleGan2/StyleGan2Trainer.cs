using System.Text.Json.Serialization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Training.Families.StyleGan2;

/// <summary>Training options (NVlabs StyleGAN2-ADA defaults unless a comment says why not).</summary>
public sealed record StyleGan2TrainOptions
{
    public StyleGan2Architecture Arch { get; init; } = new();
    public string Data { get; init; } = "";                // image folder the run reads (resume reads it again); never exported
    public string DataDescription { get; init; } = "";     // for the manifest ("" = folder name + image count, recorded at training)
    // Keys batchSize / out as in every family; options files from before read their former names (batch, output).
    [JsonPropertyName("batchSize"), OptionAlias("batch")] public int Batch { get; init; } = 32;
    public double LearningRateG { get; init; } = 0.0025;   // NVlabs small configs (cifar / paper256 use 2.5e-3 / 2e-3)
    public double LearningRateD { get; init; } = 0.0025;
    public double Beta1 { get; init; } = 0;
    public double Beta2 { get; init; } = 0.99;
    public double R1Gamma { get; init; } = 0.01;           // NVlabs cifar config (32²); 10 is for 1024² FFHQ
    public int R1Interval { get; init; } = 16;             // lazy regularisation
    public double StyleMixingProb { get; init; } = 0.9;
    public double PathLengthWeight { get; init; } = 0;     // optional (NVlabs 2; its cifar config turns it off too)
    public int PathLengthInterval { get; init; } = 4;
    public double PathLengthDecay { get; init; } = 0.01;
    public double EmaKimg { get; init; } = -1;             // −1: NVlabs auto, batch·10/32
    public double EmaRampup { get; init; } = 0.05;
    public string Augment { get; init; } = "color,translation,cutout"; // DiffAugment policy, "" = off
    public bool Mirror { get; init; } = true;
    public int Epochs { get; init; } = 1000;
    public double MaxMinutes { get; init; } = 60;          // 0 = no limit
    public long MaxSteps { get; init; }                    // 0 = all epochs
    public double CheckpointMinutes { get; init; } = 3;
    public int SampleCount { get; init; } = 32;            // fixed seeds 0 … n−1 in every sample grid
    public int Seed { get; init; } = 0;
    [JsonPropertyName("out"), OptionAlias("output")] public string Output { get; init; } = "runs/stylegan2";
    public string Device { get; init; } = "cpu";           // cpu | cuda | cuda:N
    public int? ImageLimit { get; init; }
}

/// <summary>
/// StyleGAN2 training loop (NVlabs training_loop + StyleGAN2Loss): per minibatch the phases Gmain, Greg (path length,
/// every 4, optional), Dmain and Dreg (R1, every 16), each its own optimiser step; lazy-regularisation corrections of
/// the Adam hyper-parameters (lr·r, β^r with r = I/(I+1)); G EMA with ramp-up; non-saturating logistic loss.
/// </summary>
public sealed class StyleGan2Trainer : IDisposable
{
    public const string Family = "stylegan2";
    public StyleGan2TrainOptions Options { get; }
    public StyleGan2Generator G { get; }
    public StyleGan2Generator GEma { get; }
    public StyleGan2Discriminator D { get; }
    private readonly TorchSharp.Modules.Adam _optG, _optD;
    private readonly Random _rng;
    private readonly Tensor _plMean;
    private readonly Device _device;
    public long Step { get; private set; }
    public int Epoch { get; private set; }
    private double _elapsedBefore;

    public StyleGan2Trainer(StyleGan2TrainOptions options, string? resumeFrom = null)
    {
        Options = options;
        torch.manual_seed(options.Seed);
        _rng = new Random(options.Seed);
        G = new StyleGan2Generator(options.Arch);
        GEma = new StyleGan2Generator(options.Arch);
        D = new StyleGan2Discriminator(options.Arch);
        CopyInto(G, GEma, 0);
        GEma.eval();
        _device = Translation.Networks.ParseDevice(options.Device);
        // Parameters move before the optimisers capture them; checkpoints load into them on that device.
        G.to(_device); GEma.to(_device); D.to(_device);
        _plMean = torch.zeros([], device: _device);
        double rG = options.PathLengthWeight > 0 ? options.PathLengthInterval / (options.PathLengthInterval + 1.0) : 1;
        double rD = options.R1Gamma > 0 ? options.R1Interval / (options.R1Interval + 1.0) : 1;
        _optG = new ScalarSafeAdam(G.parameters(), options.LearningRateG * rG, Math.Pow(options.Beta1, rG), Math.Pow(options.Beta2, rG), 1e-8);
        _optD = new ScalarSafeAdam(D.parameters(), options.LearningRateD * rD, Math.Pow(options.Beta1, rD), Math.Pow(options.Beta2, rD), 1e-8);
        if (resumeFrom is not null)
        {
            Checkpoint.LoadModule(resumeFrom, "G", G);
            Checkpoint.LoadModule(resumeFrom, "G_ema", GEma);
            Checkpoint.LoadModule(resumeFrom, "D", D);
            Checkpoint.LoadOptimizer(resumeFrom, "G", _optG);
            Checkpoint.LoadOptimizer(resumeFrom, "D", _optD);
            var state = Checkpoint.ReadState(resumeFrom);
            (Epoch, Step, _elapsedBefore) = (state.Epoch, state.Step, state.ElapsedSeconds);
            torch.manual_seed(options.Seed + Step);
            _rng = new Random(options.Seed + (int)(Step % int.MaxValue));
        }
    }

    private Tensor Aug(Tensor x) => Options.Augment.Length == 0 ? x : DiffAugment.Apply(x, Options.Augment);

    private static void RequiresGrad(nn.Module m, bool on)
    {
        foreach (var p in m.parameters()) p.requires_grad = on;
    }

    /// <summary>One minibatch: all phases. Returns the losses for the log.</summary>
    public Dictionary<string, double> TrainStep(StyleGanImageFolder data)
    {
        var o = Options;
        var losses = new Dictionary<string, double>();
        G.train(); D.train();
        using (var scope = torch.NewDisposeScope())
        {
            // Gmain: softplus(−D(G(z))).
            RequiresGrad(D, false);
            _optG.zero_grad();
            var z = torch.randn(o.Batch, o.Arch.ZDim, device: _device);
            var fake = G.synthesis.Forward(G.MixedWs(z, o.StyleMixingProb, _rng, updateWAvg: false), NoiseMode.Random);
            var lossG = nn.functional.softplus(-D.forward(Aug(fake))).mean();
            lossG.backward();
            _optG.step();
            losses["G"] = lossG.item<float>();

            // Greg: path length regularisation (lazy).
            if (o.PathLengthWeight > 0 && Step % o.PathLengthInterval == 0)
            {
                _optG.zero_grad();
                int plBatch = Math.Max(1, o.Batch / 2);
                var ws = G.MixedWs(torch.randn(plBatch, o.Arch.ZDim, device: _device), o.StyleMixingProb, _rng, false);
                var img = G.synthesis.Forward(ws, NoiseMode.Random);
                var penalty = Penalties.PathLength(img, ws, _plMean, o.PathLengthDecay);
                var lossPl = (penalty * o.PathLengthWeight).mean() * o.PathLengthInterval;
                lossPl.backward();
                _optG.step();
                losses["PL"] = penalty.mean().item<float>();
            }
            else if (o.PathLengthWeight > 0) losses["PL"] = double.NaN;
            RequiresGrad(D, true);

            // Dmain: softplus(D(G(z))) + softplus(−D(x)).
            RequiresGrad(G, false);
            _optD.zero_grad();
            Tensor fakeD;
            using (torch.no_grad())
                fakeD = G.synthesis.Forward(G.MixedWs(torch.randn(o.Batch, o.Arch.ZDim, device: _device), o.StyleMixingProb, _rng, updateWAvg: true), NoiseMode.Random);
            var real = data.Batch(o.Batch, o.Mirror).to(_device);
            var fakeLogits = D.forward(Aug(fakeD));
            var realLogits = D.forward(Aug(real));
            var lossD = nn.functional.softplus(fakeLogits).mean() + nn.functional.softplus(-realLogits).mean();
            lossD.backward();
            _optD.step();
            losses["D"] = lossD.item<float>();
            losses["D_real"] = realLogits.mean().item<float>();
            losses["D_fake"] = fakeLogits.mean().item<float>();

            // Dreg: R1 = γ/2 · ‖∇ₓ D(x)‖² on reals (lazy, × interval).
            if (o.R1Gamma > 0 && Step % o.R1Interval == 0)
            {
                _optD.zero_grad();
                var (lossR1, penalty) = R1(real);
                lossR1.backward();
                _optD.step();
                losses["R1"] = penalty.mean().item<float>();
            }
            else losses["R1"] = double.NaN;
            RequiresGrad(G, true);

            // G EMA (NVlabs: half-life ema_kimg, ramped up over the first images).
            double emaKimg = o.EmaKimg >= 0 ? o.EmaKimg : o.Batch * 10.0 / 32;
            double nimg = (Step + 1) * (double)o.Batch;
            double emaNimg = o.EmaRampup > 0 ? Math.Min(emaKimg * 1000, nimg * o.EmaRampup) : emaKimg * 1000;
            CopyInto(G, GEma, Math.Pow(0.5, o.Batch / Math.Max(emaNimg, 1e-8)));
        }
        Step++;
        return losses;
    }

    /// <summary>The Dreg phase's loss on a real batch: lazy R1 through the augmenting D (the regulariser sees what Dmain
    /// sees), and the per-sample ‖∇ₓ D(x)‖² it penalises.</summary>
    public (Tensor Loss, Tensor SquaredGradientNorm) R1(Tensor real)
    {
        var penalty = Penalties.R1SquaredGradientNorm(x => D.forward(Aug(x)), real);
        return (Penalties.LazyR1(penalty, Options.R1Gamma, Options.R1Interval), penalty);
    }

    /// <summary>target = lerp(source, target, β) for parameters; buffers (w_avg, const noise) copied.</summary>
    public static void CopyInto(nn.Module source, nn.Module target, double beta)
    {
        using var _ = torch.no_grad();
        var tp = target.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in source.named_parameters()) tp[name].copy_(p.lerp(tp[name], beta));
        var tb = target.named_buffers().ToDictionary(p => p.name, p => p.buffer);
        foreach (var (name, b) in source.named_buffers()) tb[name].copy_(b);
    }

    /// <summary>G_ema images for seeds (SeedLatent, const noise, ψ) as (C, H, W) tiles.</summary>
    public static List<Tensor> Sample(StyleGan2Generator g, IReadOnlyList<uint> seeds, double psi = 1)
    {
        g.eval();
        using var _ = torch.no_grad();
        var device = g.mapping.w_avg.device;
        var z = torch.tensor(SeedLatent.Batch(seeds, g.Arch.ZDim), [seeds.Count, g.Arch.ZDim], device: device);
        var img = g.Generate(z, psi).clamp(-1, 1).cpu();
        return Enumerable.Range(0, seeds.Count).Select(i => img[i]).ToList();
    }

    public void Save(string directory, double elapsedSeconds) => Save(directory, elapsedSeconds, Options);

    private void Save(string directory, double elapsedSeconds, StyleGan2TrainOptions options) =>
        Checkpoint.Save(directory, Family, options, new TrainingState(Epoch, Step, elapsedSeconds, Options.Seed),
            new Dictionary<string, nn.Module> { ["G"] = G, ["G_ema"] = GEma, ["D"] = D },
            new Dictionary<string, optim.Optimizer> { ["G"] = _optG, ["D"] = _optD });

    /// <summary>The whole run: epochs over the folder, CSV/progress/sample grids/loss plot, time-based checkpoints.</summary>
    public void Run(StyleGanImageFolder data, TextWriter? console = null)
    {
        var o = Options;
        // What export will call the data: the given description, else the folder's name and size (never its path).
        var saved = o with { DataDescription = TrainingProvenance.DescribeData(o.DataDescription, o.Data, data.Count) };
        using var run = new TrainingRun(o.Output, TimeSpan.FromMinutes(o.CheckpointMinutes), _elapsedBefore, console);
        long stepsPerEpoch = Math.Max(1, data.Count / o.Batch);
        var seeds = Enumerable.Range(0, o.SampleCount).Select(i => (uint)i).ToArray();
        int columns = (int)Math.Ceiling(Math.Sqrt(o.SampleCount));
        long totalSteps = o.MaxSteps > 0 ? Math.Min(o.MaxSteps, stepsPerEpoch * o.Epochs) : stepsPerEpoch * o.Epochs;
        bool stop = false;
        for (; Epoch < o.Epochs && !stop; Epoch++)
        {
            for (long s = Step % stepsPerEpoch; s < stepsPerEpoch; s++)
            {
                var losses = TrainStep(data);
                run.Log(Epoch, Step, losses);
                run.Progress(Epoch, o.Epochs, s + 1, stepsPerEpoch, losses, Step, totalSteps);
                if (run.CheckpointDue)
                {
                    Save(run.CheckpointDirectory, run.ElapsedSeconds, saved);
                    run.MarkCheckpoint();
                    run.SaveLossPlot();
                }
                if (Step >= totalSteps || (o.MaxMinutes > 0 && run.ElapsedSeconds >= o.MaxMinutes * 60)) { stop = true; break; } // 0 = no limit, as in every family
            }
            using (var scope = torch.NewDisposeScope())
                run.SaveSampleGrid(Epoch, Sample(GEma, seeds), columns, data.Spec);
            run.SaveLossPlot();
            if (stop) break;
        }
        if (!stop) Epoch = o.Epochs;
        Save(run.CheckpointDirectory, run.ElapsedSeconds, saved);
        run.MarkCheckpoint();
        (console ?? Console.Out).WriteLine($"\nstopped at epoch {Epoch + 1}, step {Step}, {run.ElapsedSeconds / 60:F1} min; checkpoint {run.CheckpointDirectory}");
    }

    public void Dispose()
    {
        _optG.Dispose(); _optD.Dispose();
        G.Dispose(); GEma.Dispose(); D.Dispose();
        _plMean.Dispose();
    }
}
