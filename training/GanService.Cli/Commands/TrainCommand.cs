using System.CommandLine;
using System.Text.Json.Nodes;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Families.StyleGan;
using GanService.Training.Families.Translation;
using GanService.Training.Training;
using GanService.Training.Losses;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan train &lt;family&gt; …`. Each family is one <see cref="TrainFamily"/>: its name, its options record's defaults, its
/// own flags (flag → option keys), and how to run. Every family gets the same common flags (<see cref="CommonFlags"/>:
/// --data, --out, --batch-size, --max-minutes, --max-steps, --checkpoint-minutes, --device, --seed) and --resume,
/// --dry-run, --threads, --set; all of them go through the one <see cref="OptionsBinder"/>, so any option of the record
/// can also be set with `--set name=value` (names as printed by --dry-run) and an unknown name is an error everywhere.
/// Help texts show each default from the record itself.
/// </summary>
public static class TrainCommand
{
    /// <summary>A flag and the option key(s) it sets (StyleGAN2's --lr sets both learning rates).</summary>
    public sealed record TrainFlag(string Flag, string[] Keys, string Description)
    {
        public TrainFlag(string flag, string key, string description) : this(flag, [key], description) { }
    }

    public sealed record TrainFamily(
        string Name,
        string Description,
        Func<object> Defaults,
        TrainFlag[] Flags,
        Func<object, bool, TextWriter, int> Run, // (options, resume, log) → exit code
        Func<string, object> ReadCheckpointOptions,
        Func<object, string?>? Check = null);    // a problem with the resolved options, or null

    /// <summary>The flags every `gan train` subcommand has; their keys exist in every family's options record.</summary>
    public static readonly TrainFlag[] CommonFlags =
    [
        new("--data", "data", "dataset folder"),
        new("--out", "out", "run folder: checkpoint/, losses.csv, metrics.jsonl, samples/ (grids, loss_plot.png)"),
        new("--batch-size", "batchSize", "images per step"),
        new("--max-minutes", "maxMinutes", "stop after this much training time (0 = no limit)"),
        new("--max-steps", "maxSteps", "stop after this many steps (0 = all epochs)"),
        new("--checkpoint-minutes", "checkpointMinutes", "time-based checkpoint interval (plus every epoch end)"),
        new("--device", "device", "cpu | cuda | cuda:N"),
        new("--seed", "seed", "random seed (weights, sampling, shuffling)"),
    ];

    /// <summary>Former spellings: hidden, still accepted, with a note naming the current flag.</summary>
    private static readonly (string Old, string Current)[] FormerFlags = [("--batch", "--batch-size"), ("--minutes", "--max-minutes")];

    public static readonly List<TrainFamily> Families =
    [
        .. TrainGenerationCommands.Families(),
        TrainStyleGanCommand.Family(),
        TrainStackGanCommand.Family(),
        TrainBigGanCommand.Family(),
        TrainProGanCommand.Family(),
        new(StyleGanTrainer.Family, StyleGanTrainer.Description, () => new StyleGanOptions(), [.. StyleGanTrainer.Flags.Select(f => new TrainFlag(f.Flag, f.Keys, f.Help))], StyleGanTrainer.RunCommand, dir => ReadCheckpoint<StyleGanOptions>(dir, StyleGanTrainer.Family), StyleGanTrainer.Check),
        TrainInfoGanCommand.Family(),
        .. TrainEncoderGanCommands.Families(),
        Translation<Pix2PixOptions>("pix2pix", "pix2pix: paired A→B translation (U-Net G, PatchGAN D, GAN + λ·L1). --data: A|B images in DIR[/train] or A/ + B/ folders",
            () => new Pix2PixOptions(),
            [new("--netG", "netG", "unet_256 | unet_128 | unet_<size> | resnet_<n>blocks"), new("--netD", "netD", "basic | n_layers | pixel"),
             new("--ngf", "ngf", "generator width"), new("--ndf", "ndf", "discriminator width"), new("--norm", "norm", "batch | instance | none"),
             new("--gan-mode", "ganMode", "adversarial loss: " + AdversarialLosses.Help), new("--lambda-l1", "lambdaL1", "L1 weight")],
            (o, log) => new AlignedDataset(o.Data, Transform(o), o.ParsedDirection, o.Seed),
            (o, _) => new Pix2PixTrainer(o)),
        Translation<CycleGanOptions>("cyclegan", "CycleGAN: unpaired A↔B (ResNet G ×2, PatchGAN D ×2, LSGAN + cycle + identity). --data: DIR with trainA/ and trainB/",
            () => new CycleGanOptions(),
            [new("--netG", "netG", "resnet_9blocks | resnet_6blocks | unet_<size>"), new("--netD", "netD", "basic | n_layers | pixel"),
             new("--ngf", "ngf", "generator width"), new("--ndf", "ndf", "discriminator width"), new("--norm", "norm", "instance | batch | none"),
             new("--gan-mode", "ganMode", "adversarial loss: " + AdversarialLosses.Help), new("--pool-size", "poolSize", "image history pool"),
             new("--lambda-identity", "lambdaIdentity", "identity weight relative to λ_cycle")],
            (o, log) => new UnalignedDataset(o.Data, Transform(o), o.ParsedDirection, o.Seed),
            (o, _) => new CycleGanTrainer(o)),
        Translation<StarGanOptions>("stargan", "StarGAN: multi-domain translation (one G conditioned on the target label, WGAN-GP D with a classifier). --data: one sub-folder per domain, or images + --set attrFile=list_attr.txt",
            () => new StarGanOptions(),
            [new("--conv-dim", "gConvDim", "generator width"), new("--d-conv-dim", "dConvDim", "discriminator width"),
             new("--g-repeat", "gRepeat", "residual blocks in G"), new("--d-repeat", "dRepeat", "stride-2 convs in D"),
             new("--n-critic", "nCritic", "D steps per G step"), new("--attr-file", "attrFile", "CelebA-style attribute list"),
             new("--attrs", "selectedAttrs", "comma-separated attributes to use from --attr-file")],
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
    private static TrainFamily Translation<T>(string name, string description, Func<T> defaults, TrainFlag[] flags,
        Func<T, TextWriter, IImageDataset> dataset, Func<T, IImageDataset, ITranslationTrainer> trainer) where T : TranslationOptions =>
        new(name, description, defaults,
            [new("--epochs", "nEpochs", "epochs at the initial learning rate"), new("--epochs-decay", "nEpochsDecay", "epochs of linear LR decay"),
             new("--load-size", "loadSize", "resize to this before the random crop"), new("--crop-size", "cropSize", "training / model image size"),
             new("--lr", "lr", "Adam learning rate"), new("--direction", "direction", "AtoB | BtoA"), .. flags],
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
            dir => ReadCheckpoint<T>(dir, name));

    /// <summary>A checkpoint's options, refusing another family's checkpoint.</summary>
    public static T ReadCheckpoint<T>(string dir, string family)
    {
        var (saved, options) = Checkpoint.ReadOptions<T>(dir);
        if (!saved.Equals(family, StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"{dir} is a {saved} checkpoint, not {family}");
        return options;
    }

    /// <summary>The `train` group: one subcommand per registered family.</summary>
    public static Command Create()
    {
        var cmd = new Command("train", "train a GAN family; `gan train <family> --help` lists its options and their defaults");
        foreach (var family in Families) cmd.Subcommands.Add(CreateFamily(family));
        return cmd;
    }

    private static Command CreateFamily(TrainFamily family)
    {
        var defaults = family.Defaults();
        string defaultOut = Path.Combine("runs", family.Name);
        string Help(TrainFlag f)
        {
            string d = f.Keys[0] == "out" ? defaultOut : OptionsBinder.DefaultText(defaults, f.Keys[0]);
            return d == "" ? f.Description : $"{f.Description} (default: {d})";
        }
        var resume = new Option<bool>("--resume") { Description = "continue from <out>/checkpoint: its weights, optimiser state and options (flags given now override those options)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the resolved options as JSON and exit" };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads (default: 0 = libtorch's choice; 1 is often faster on a shared CPU)" };
        var set = new Option<string[]>("--set") { Description = "any option, name=value (repeatable); names as --dry-run prints them", AllowMultipleArgumentsPerToken = true };
        var flags = CommonFlags.Concat(family.Flags)
            .Select(f => (Option: new Option<string?>(f.Flag) { Description = Help(f) }, f.Keys)).ToArray();
        var former = FormerFlags.Select(f => (Option: new Option<string?>(f.Old) { Hidden = true }, f.Old, f.Current,
            Keys: CommonFlags.First(c => c.Flag == f.Current).Keys)).ToArray();
        var cmd = new Command(family.Name, family.Description) { resume, dryRun, threads, set };
        foreach (var (o, _) in flags) cmd.Options.Add(o);
        foreach (var f in former) cmd.Options.Add(f.Option);
        cmd.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var overrides = new List<KeyValuePair<string, string>>();
                foreach (var f in former)
                    if (parse.GetValue(f.Option) is { } v)
                    {
                        error.WriteLine($"note: {f.Old} is deprecated; use {f.Current}");
                        overrides.AddRange(f.Keys.Select(k => new KeyValuePair<string, string>(k, v)));
                    }
                foreach (var (o, keys) in flags)
                    if (parse.GetValue(o) is { } v) overrides.AddRange(keys.Select(k => new KeyValuePair<string, string>(k, v)));
                overrides.AddRange(OptionsBinder.ParsePairs(parse.GetValue(set) ?? []));
                // The run folder decides where --resume looks, so it is resolved first, under any spelling of its key.
                var outKey = OptionsBinder.Find(OptionsBinder.Keys(family.Defaults().GetType()), "out", TextWriter.Null);
                string outDir = overrides.LastOrDefault(kv => OptionsBinder.Names(outKey, kv.Key)).Value ?? defaultOut;
                overrides.Add(new("out", outDir));
                bool isResume = parse.GetValue(resume);
                var ckpt = Path.Combine(outDir, "checkpoint");
                if (isResume && !File.Exists(Path.Combine(ckpt, Checkpoint.StateFile)))
                    throw new ArgumentException($"--resume: no checkpoint in '{ckpt}'");
                object options = isResume ? family.ReadCheckpointOptions(ckpt) : family.Defaults();
                options = OptionsBinder.Apply(options, overrides, error);
                // Fails here, before any data is read, when the device cannot be used (e.g. cuda with the CPU libtorch).
                Networks.ParseDevice(JsonNode.Parse(OptionsBinder.ToJson(options))!["device"]!.GetValue<string>());
                if (family.Check?.Invoke(options) is { } problem) throw new ArgumentException(problem);
                if (JsonNode.Parse(OptionsBinder.ToJson(options))!["data"]?.GetValue<string>() is null or "") throw new ArgumentException("--data is required");
                if (parse.GetValue(dryRun))
                {
                    output.WriteLine(OptionsBinder.ToJson(options));
                    return 0;
                }
                if (parse.GetValue(threads) > 0) TorchSharp.torch.set_num_threads(parse.GetValue(threads));
                return family.Run(options, isResume, output);
            }
            catch (Exception e) when (e is ArgumentException or DatasetLayoutException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
            {
                error.WriteLine($"error: {e.Message}");
                return 2;
            }
            catch (TrainingNumericsException e)
            {
                error.WriteLine($"error: {e.Message}");
                return 3;
            }
        });
        return cmd;
    }
}
