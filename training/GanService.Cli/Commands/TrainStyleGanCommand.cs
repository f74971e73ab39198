using System.CommandLine;
using System.Text.Json;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Training;

namespace GanService.Cli.Commands;

/// <summary>`gan train stylegan2 --data DIR …` (a subcommand the shared `train` command adds).</summary>
public static class TrainStyleGanCommand
{
    public static Command Create()
    {
        var d = new StyleGan2TrainOptions();
        var data = new Option<string>("--data") { Description = "folder of images (any size; centre-cropped and resized)", Required = true };
        var output = new Option<string>("--out") { Description = "run folder (losses.csv, samples/, checkpoint/)", DefaultValueFactory = _ => d.Output };
        var size = new Option<int>("--size") { Description = "image resolution (power of two)", DefaultValueFactory = _ => d.Arch.Resolution };
        var channels = new Option<int>("--channels") { Description = "1 (grey) or 3 (RGB)", DefaultValueFactory = _ => d.Arch.ImageChannels };
        var zDim = new Option<int>("--z-dim") { DefaultValueFactory = _ => d.Arch.ZDim };
        var wDim = new Option<int>("--w-dim") { DefaultValueFactory = _ => d.Arch.WDim };
        var mapLayers = new Option<int>("--map-layers") { Description = "mapping depth", DefaultValueFactory = _ => d.Arch.MappingLayers };
        var chBase = new Option<int>("--channel-base") { Description = "channels(res) = min(base/res, max)", DefaultValueFactory = _ => d.Arch.ChannelBase };
        var chMax = new Option<int>("--channel-max") { DefaultValueFactory = _ => d.Arch.ChannelMax };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => d.Batch };
        var lr = new Option<double>("--lr") { Description = "Adam lr for G and D", DefaultValueFactory = _ => d.LearningRateG };
        var gamma = new Option<double>("--gamma") { Description = "R1 γ", DefaultValueFactory = _ => d.R1Gamma };
        var mixing = new Option<double>("--style-mixing") { DefaultValueFactory = _ => d.StyleMixingProb };
        var pl = new Option<double>("--pl-weight") { Description = "path-length regularisation weight (0 = off)", DefaultValueFactory = _ => d.PathLengthWeight };
        var augment = new Option<string>("--augment") { Description = "DiffAugment policy (\"\" = off)", DefaultValueFactory = _ => d.Augment };
        var mirror = new Option<bool>("--mirror") { DefaultValueFactory = _ => d.Mirror };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => d.Epochs };
        var minutes = new Option<double>("--minutes") { Description = "stop after this much training time", DefaultValueFactory = _ => d.MaxMinutes };
        var steps = new Option<long>("--max-steps") { DefaultValueFactory = _ => d.MaxSteps };
        var ckpt = new Option<double>("--checkpoint-minutes") { DefaultValueFactory = _ => d.CheckpointMinutes };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => d.Seed };
        var limit = new Option<int?>("--limit") { Description = "use only the first N images" };
        var resume = new Option<bool>("--resume") { Description = "continue from <out>/checkpoint (its options win)" };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads (0 = its default); 1 is much faster on a shared, oversubscribed CPU", DefaultValueFactory = _ => 0 };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the resolved options and exit" };
        var cmd = new Command("stylegan2", "train a StyleGAN2 (mapping + synthesis, residual D, R1, style mixing, EMA, DiffAugment) on an image folder")
        {
            data, output, size, channels, zDim, wDim, mapLayers, chBase, chMax, batch, lr, gamma, mixing, pl, augment, mirror,
            epochs, minutes, steps, ckpt, seed, limit, resume, threads, dryRun,
        };
        cmd.SetAction(parse =>
        {
            var options = new StyleGan2TrainOptions
            {
                Arch = d.Arch with
                {
                    Resolution = parse.GetValue(size), ImageChannels = parse.GetValue(channels), ZDim = parse.GetValue(zDim),
                    WDim = parse.GetValue(wDim), MappingLayers = parse.GetValue(mapLayers), ChannelBase = parse.GetValue(chBase),
                    ChannelMax = parse.GetValue(chMax),
                },
                Data = parse.GetValue(data)!, Output = parse.GetValue(output)!, Batch = parse.GetValue(batch),
                LearningRateG = parse.GetValue(lr), LearningRateD = parse.GetValue(lr), R1Gamma = parse.GetValue(gamma),
                StyleMixingProb = parse.GetValue(mixing), PathLengthWeight = parse.GetValue(pl), Augment = parse.GetValue(augment)!,
                Mirror = parse.GetValue(mirror), Epochs = parse.GetValue(epochs), MaxMinutes = parse.GetValue(minutes),
                MaxSteps = parse.GetValue(steps), CheckpointMinutes = parse.GetValue(ckpt), Seed = parse.GetValue(seed),
                ImageLimit = parse.GetValue(limit),
            };
            string? resumeFrom = null;
            if (parse.GetValue(resume))
            {
                resumeFrom = Path.Combine(options.Output, "checkpoint");
                var (family, saved) = Checkpoint.ReadOptions<StyleGan2TrainOptions>(resumeFrom);
                if (family != StyleGan2Trainer.Family) { Console.Error.WriteLine($"error: {resumeFrom} is a {family} checkpoint"); return 2; }
                // The architecture and data come from the checkpoint; stopping criteria may be extended on the command line,
                // and the run continues in the folder it was resumed from (--out), even if it was moved or copied there.
                options = saved with { Output = options.Output, MaxMinutes = options.MaxMinutes, Epochs = options.Epochs, MaxSteps = options.MaxSteps };
            }
            if (options.Batch % options.Arch.MbstdGroup != 0 && options.Batch > options.Arch.MbstdGroup)
            { Console.Error.WriteLine($"error: --batch must be a multiple of the minibatch-std group {options.Arch.MbstdGroup}"); return 2; }
            Console.WriteLine(JsonSerializer.Serialize(options, Checkpoint.Json));
            if (parse.GetValue(dryRun)) return 0;
            if (parse.GetValue(threads) > 0) TorchSharp.torch.set_num_threads(parse.GetValue(threads));
            using var dataset = StyleGanImageFolder.Load(options.Data, options.Arch.Resolution, options.Arch.ImageChannels, options.ImageLimit);
            Console.WriteLine($"{dataset.Count} images from {options.Data}");
            using var trainer = new StyleGan2Trainer(options, resumeFrom);
            Console.WriteLine($"G {NetworkParameters.Count(trainer.G):N0} params (num_ws {trainer.G.NumWs}), D {NetworkParameters.Count(trainer.D):N0} params");
            trainer.Run(dataset);
            return 0;
        });
        return cmd;
    }
}
