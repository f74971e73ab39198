using System.CommandLine;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Families;
using GanService.Training.Training;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan train &lt;family&gt; …`, one subcommand per trainable family of the registry (<see cref="GanFamilies"/>): its
/// name, its options record's defaults and its own flags come from the family's descriptor. Every family gets the same
/// common flags (<see cref="CommonFlags"/>: --data, --out, --batch-size, --max-minutes, --max-steps,
/// --checkpoint-minutes, --device, --seed, --init-from) and --resume, --dry-run, --threads, --set; all of them go through the one
/// <see cref="OptionsBinder"/>, so any option of the record can also be set with `--set name=value` (names as printed
/// by --dry-run) and an unknown name is an error everywhere. Help texts show each default from the record itself.
/// </summary>
public static class TrainCommand
{
    /// <summary>The flags every `gan train` subcommand has; their keys exist in every family's options record.</summary>
    public static readonly FamilyFlag[] CommonFlags =
    [
        new("--data", "data", "dataset folder"),
        new("--out", "out", "run folder: checkpoint/, losses.csv, metrics.jsonl, samples/ (grids, loss_plot.png)"),
        new("--batch-size", "batchSize", "images per step"),
        new("--max-minutes", "maxMinutes", "stop after this much training time (0 = no limit)"),
        new("--max-steps", "maxSteps", "stop after this many steps (0 = all epochs)"),
        new("--checkpoint-minutes", "checkpointMinutes", "time-based checkpoint interval (plus every epoch end)"),
        new("--device", "device", "cpu | cuda | cuda:N"),
        new("--seed", "seed", "random seed (weights, sampling, shuffling)"),
        new("--init-from", "initFrom", "transfer: start a new run from another run's checkpoint folder of this family (tensors whose names and shapes match, e.g. a 32² StyleGAN2 into a 64² one; fresh optimiser state)"),
        new("--init-widen", "initWiden", "with --init-from: a layer narrower in that checkpoint (fewer channels) is copied into this run's wider one, its new inputs zero, so the wider network starts computing what the narrower one did (true | false)"),
    ];

    /// <summary>Former spellings: hidden, still accepted, with a note naming the current flag.</summary>
    private static readonly (string Old, string Current)[] FormerFlags = [("--batch", "--batch-size"), ("--minutes", "--max-minutes")];

    /// <summary>The `train` group: one subcommand per registered family.</summary>
    public static Command Create()
    {
        var cmd = new Command("train", "train a GAN family; `gan train <family> --help` lists its options and their defaults");
        foreach (var family in GanFamilies.All)
            if (family.Training is { } training) cmd.Subcommands.Add(CreateFamily(family, training));
        return cmd;
    }

    private static Command CreateFamily(IGanFamily family, IFamilyTraining training)
    {
        var defaults = training.Defaults();
        string defaultOut = Path.Combine("runs", family.Name);
        string Help(FamilyFlag f)
        {
            string d = f.Keys[0] == "out" ? defaultOut : OptionsBinder.DefaultText(defaults, f.Keys[0]);
            return d == "" ? f.Description : $"{f.Description} (default: {d})";
        }
        var resume = new Option<bool>("--resume") { Description = "continue from <out>/checkpoint: its weights, optimiser state and options (flags given now override those options)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the resolved options as JSON and exit" };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads (default: 0 = libtorch's choice; 1 is often faster on a shared CPU)" };
        var set = new Option<string[]>("--set") { Description = "any option, name=value (repeatable); names as --dry-run prints them", AllowMultipleArgumentsPerToken = true };
        var flags = CommonFlags.Concat(training.Flags)
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
                var outKey = OptionsBinder.Find(OptionsBinder.Keys(defaults.GetType()), "out", TextWriter.Null);
                string outDir = overrides.LastOrDefault(kv => OptionsBinder.Names(outKey, kv.Key)).Value ?? defaultOut;
                overrides.Add(new("out", outDir));
                bool isResume = parse.GetValue(resume);
                var ckpt = Path.Combine(outDir, TrainingRun.CheckpointFolder);
                if (isResume && !File.Exists(Path.Combine(ckpt, Checkpoint.StateFile)))
                    throw new ArgumentException($"--resume: no checkpoint in '{ckpt}'");
                var options = OptionsBinder.Apply(isResume ? training.ReadCheckpointOptions(ckpt) : training.Defaults(), overrides, error);
                // Fails here, before any data is read, when the device cannot be used (e.g. cuda with the CPU libtorch).
                Devices.Parse(options.Device);
                if (training.Check(options) is { } problem) throw new ArgumentException(problem);
                if (options.Data == "") throw new ArgumentException("--data is required");
                if (parse.GetValue(dryRun))
                {
                    output.WriteLine(OptionsBinder.ToJson(options));
                    return 0;
                }
                if (parse.GetValue(threads) > 0) TorchSharp.torch.set_num_threads(parse.GetValue(threads));
                return training.Train(options, isResume, output);
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
