using System.CommandLine;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Families.Translation;
using GanService.Training.Losses;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan train &lt;family&gt; --data DIR …`. Each family is one entry in <see cref="Families"/>: its name, its options
/// record's defaults, a few family flags (flag → option name), and how to build the dataset and the trainer. To add a
/// family (e.g. dcgan), add one <see cref="TrainFamily"/> line; everything else is shared. Any option of the record can
/// also be set with `--set name=value` (names as printed by --dry-run).
/// </summary>
public static class TrainCommand
{
    public sealed record TrainFamily(
        string Name,
        string Description,
        Func<object> Defaults,
        (string Flag, string Key, string Description)[] Flags,
        Func<object, bool, TextWriter, int> Run, // (options, resume, log) → exit code
        Func<string, object> ReadCheckpointOptions);

    public static readonly List<TrainFamily> Families =
    [
        Translation<Pix2PixOptions>("pix2pix", "pix2pix: paired A→B translation (U-Net G, PatchGAN D, GAN + λ·L1). --data: A|B images in DIR[/train] or A/ + B/ folders",
            () => new Pix2PixOptions(),
            [("--netG", "netG", "unet_256 | unet_128 | unet_<size> | resnet_<n>blocks"), ("--netD", "netD", "basic | n_layers | pixel"),
             ("--ngf", "ngf", "generator width"), ("--ndf", "ndf", "discriminator width"), ("--norm", "norm", "batch | instance | none"),
             ("--gan-mode", "ganMode", "adversarial loss (vanilla): " + AdversarialLosses.Help), ("--lambda-l1", "lambdaL1", "L1 weight (100)")],
            (o, log) => new AlignedDataset(o.Data, Transform(o), o.ParsedDirection, o.Seed),
            (o, _) => new Pix2PixTrainer(o)),
        Translation<CycleGanOptions>("cyclegan", "CycleGAN: unpaired A↔B (ResNet G ×2, PatchGAN D ×2, LSGAN + cycle + identity). --data: DIR with trainA/ and trainB/",
            () => new CycleGanOptions(),
            [("--netG", "netG", "resnet_9blocks | resnet_6blocks | unet_<size>"), ("--netD", "netD", "basic | n_layers | pixel"),
             ("--ngf", "ngf", "generator width"), ("--ndf", "ndf", "discriminator width"), ("--norm", "norm", "instance | batch | none"),
             ("--gan-mode", "ganMode", "adversarial loss (lsgan): " + AdversarialLosses.Help), ("--pool-size", "poolSize", "image history pool (50)"),
             ("--lambda-identity", "lambdaIdentity", "identity weight relative to λ_cycle (0.5)")],
            (o, log) => new UnalignedDataset(o.Data, Transform(o), o.ParsedDirection, o.Seed),
            (o, _) => new CycleGanTrainer(o)),
        Translation<StarGanOptions>("stargan", "StarGAN: multi-domain translation (one G conditioned on the target label, WGAN-GP D with a classifier). --data: one sub-folder per domain, or images + --set attrFile=list_attr.txt",
            () => new StarGanOptions(),
            [("--conv-dim", "gConvDim", "generator width (64)"), ("--d-conv-dim", "dConvDim", "discriminator width (64)"),
             ("--g-repeat", "gRepeat", "residual blocks in G (6)"), ("--d-repeat", "dRepeat", "stride-2 convs in D (6)"),
             ("--n-critic", "nCritic", "D steps per G step (5)"), ("--attr-file", "attrFile", "CelebA-style attribute list"),
             ("--attrs", "selectedAttrs", "comma-separated attributes to use from --attr-file")],
            (o, log) => o.AttrFile is null
                ? LabelledDataset.FromFolders(o.Data, Transform(o), o.Seed)
                : LabelledDataset.FromAttributeFile(o.Data, o.AttrFile, o.SelectedAttrs, Transform(o), o.Seed),
            (o, ds) =>
            {
                var labelled = (LabelledDataset)ds;
                if (o.Labels.Length > 0 && !o.Labels.SequenceEqual(labelled.Domains))
                    throw new ArgumentException($"the checkpoint was trained on domains {string.Join(", ", o.Labels)}, the data has {string.Join(", ", labelled.Domains)}");
                return new StarGanTrainer(o with { Labels = [.. labelled.Domains], MultiLabel = labelled.MultiLabel });
            }),
    ];

    private static ImageTransform Transform(TranslationOptions o) => new(o.LoadSize, o.CropSize, !o.NoFlip, o.InputChannels);

    /// <summary>An image-to-image family: dataset + trainer + the shared loop.</summary>
    private static TrainFamily Translation<T>(string name, string description, Func<T> defaults, (string, string, string)[] flags,
        Func<T, TextWriter, IImageDataset> dataset, Func<T, IImageDataset, IGanTrainer> trainer) where T : TranslationOptions =>
        new(name, description, defaults, flags,
            (options, resume, log) =>
            {
                var o = (T)options;
                var ds = dataset(o, log);
                using var t = trainer(o, ds);
                var loader = new DataLoader(ds, o.BatchSize, o.Seed, shuffle: true, o.Workers, o.Prefetch, log);
                log.WriteLine($"{name}: {ds.Count} training samples, {loader.BatchesPerEpoch} batches/epoch, {o.TotalEpochs} epochs → {o.Out}");
                var state = TranslationTraining.Run(t, loader, resume, log);
                log.WriteLine($"done: epoch {state.Epoch}, step {state.Step}, checkpoint {Path.Combine(o.Out, "checkpoint")}");
                return 0;
            },
            dir => Checkpoint.ReadOptions<T>(dir).Options);

    /// <summary>The `train` group: every registered family, plus families that bring their own command (StyleGAN2).</summary>
    public static Command Create(params Command[] ownCommands)
    {
        var cmd = new Command("train", "train a GAN family; `gan train <family> --help` lists its options");
        foreach (var family in Families) cmd.Subcommands.Add(CreateFamily(family));
        foreach (var own in ownCommands) cmd.Subcommands.Add(own);
        return cmd;
    }

    private static Command CreateFamily(TrainFamily family)
    {
        var data = new Option<string?>("--data") { Description = "dataset folder" };
        var output = new Option<string?>("--out") { Description = $"run folder (default runs/{family.Name})" };
        var resume = new Option<bool>("--resume") { Description = "continue from <out>/checkpoint (weights, optimiser state, options)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the resolved options as JSON and exit" };
        var set = new Option<string[]>("--set") { Description = "any option, name=value (repeatable); see --dry-run for names", AllowMultipleArgumentsPerToken = true };
        var common = new (Option<string?> Option, string Key)[]
        {
            (new("--epochs") { Description = "epochs at the initial learning rate (nEpochs)" }, "nEpochs"),
            (new("--epochs-decay") { Description = "epochs of linear LR decay (nEpochsDecay)" }, "nEpochsDecay"),
            (new("--batch-size") { Description = "batch size" }, "batchSize"),
            (new("--load-size") { Description = "resize to this before the random crop" }, "loadSize"),
            (new("--crop-size") { Description = "training / model image size" }, "cropSize"),
            (new("--lr") { Description = "Adam learning rate" }, "lr"),
            (new("--direction") { Description = "AtoB | BtoA" }, "direction"),
            (new("--seed") { Description = "random seed" }, "seed"),
            (new("--device") { Description = "cpu | cuda | cuda:N" }, "device"),
            (new("--max-steps") { Description = "stop after this many steps (0 = all epochs)" }, "maxSteps"),
            (new("--max-minutes") { Description = "stop after this many minutes (0 = no limit)" }, "maxMinutes"),
            (new("--checkpoint-minutes") { Description = "time-based checkpoint interval" }, "checkpointMinutes"),
        };
        var specific = family.Flags.Select(f => (Option: new Option<string?>(f.Flag) { Description = f.Description }, f.Key)).ToArray();
        var cmd = new Command(family.Name, family.Description) { data, output, resume, dryRun, set };
        foreach (var (o, _) in common.Concat(specific)) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            try
            {
                var overrides = new List<KeyValuePair<string, string>>();
                if (parse.GetValue(data) is { } d) overrides.Add(new("data", d));
                foreach (var (o, key) in common.Concat(specific))
                    if (parse.GetValue(o) is { } v) overrides.Add(new(key, v));
                foreach (var s in parse.GetValue(set) ?? [])
                {
                    var kv = s.Split('=', 2);
                    if (kv.Length != 2) throw new ArgumentException($"--set '{s}' must be name=value");
                    overrides.Add(new(kv[0], kv[1]));
                }
                string outDir = parse.GetValue(output) ?? Path.Combine("runs", family.Name);
                overrides.Add(new("out", outDir));
                bool isResume = parse.GetValue(resume);
                var ckpt = Path.Combine(outDir, "checkpoint");
                object options = isResume && File.Exists(Path.Combine(ckpt, Checkpoint.OptionsFile))
                    ? family.ReadCheckpointOptions(ckpt) : family.Defaults();
                if (isResume && !File.Exists(Path.Combine(ckpt, Checkpoint.StateFile)))
                    throw new ArgumentException($"--resume: no checkpoint in '{ckpt}'");
                options = OptionsBinder.Apply(options, overrides);
                if (parse.GetValue(dryRun))
                {
                    Console.WriteLine(OptionsBinder.ToJson(options));
                    return 0;
                }
                if (options is TranslationOptions t && string.IsNullOrEmpty(t.Data)) throw new ArgumentException("--data is required");
                return family.Run(options, isResume, Console.Out);
            }
            catch (Exception e) when (e is ArgumentException or DatasetLayoutException or FileNotFoundException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return cmd;
    }
}
