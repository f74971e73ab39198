namespace GanService.Training.Training;

/// <summary>
/// The settings every family's options record shares: what the run reads and how it is described, where it writes,
/// its seed and device, and how long it runs and how often it checkpoints. Each family's record derives from it and adds
/// its networks, losses, batch size and epochs (their defaults differ by family); the JSON keys are the same in every
/// family (data, dataDescription, dataLicense, out, seed, device, maxSteps, maxMinutes, checkpointMinutes).
/// </summary>
public abstract record RunOptions
{
    public string Data { get; init; } = "";                // what the run reads (resume reads it again); never exported
    public string DataDescription { get; init; } = "";     // for the manifest ("" = folder name + count, recorded at training)
    public string DataLicense { get; init; } = "";         // the data's licence, for the manifest
    // Run folder: checkpoint/, losses.csv, metrics.jsonl, samples/. StyleGAN2 options files from before read "output".
    [OptionAlias("output")] public string Out { get; init; } = "";
    public int Seed { get; init; }
    public string Device { get; init; } = "cpu";           // cpu | cuda | cuda:N where the family's step moves tensors
    public long MaxSteps { get; init; }                    // > 0: stop after this many steps in total
    public double MaxMinutes { get; init; }                // > 0: stop after this much time in this session
    public double CheckpointMinutes { get; init; } = 3;    // time-based checkpoint interval (plus every epoch end)
    // Transfer: a new run starts from another run's checkpoint of the same family (every tensor whose name and shape
    // match, as NVlabs's resume_pkl copies them); "" = fresh weights. A resume ignores it.
    public string InitFrom { get; init; } = "";
    // With InitFrom: a tensor the checkpoint holds narrower than this run's network (a wider channel-base, say) is copied
    // into its leading channels instead of being left as initialised (Checkpoint.Transfer, widen).
    public bool InitWiden { get; init; }

    /// <summary>A family whose step does not move tensors to a GPU refuses any other device before it starts.</summary>
    public void RequireCpu(string family)
    {
        if (Devices.Parse(Device).type != DeviceType.CPU)
            throw new ArgumentException($"--device {Device}: {family} trains on the CPU only for now (its step does not move tensors to a GPU)");
    }

    /// <summary>These options as the checkpoint stores them: the data described (the given description, else the
    /// folder's name and <paramref name="count"/> samples), so export can say what was trained on without its path.</summary>
    public RunOptions DescribedData(long count) =>
        this with { DataDescription = Export.TrainingProvenance.DescribeData(DataDescription, Data, count) };

    /// <summary>The loop's settings for this run: the folder, seed, limits and checkpoint interval from these options.</summary>
    public LoopSettings Loop(object saved, int epochs, bool resume, TextWriter? console, long? maxSteps = null) => new()
    {
        RunDirectory = Out, Options = saved, Seed = Seed, Epochs = epochs, MaxSteps = maxSteps ?? MaxSteps,
        MaxMinutes = MaxMinutes, CheckpointMinutes = CheckpointMinutes, Resume = resume, Console = console, InitFrom = InitFrom,
        InitWiden = InitWiden,
    };
}

/// <summary>The options of a family that trains on a folder of images (or an IDX set) at one size: the size and channel
/// count the images are loaded at, and how many of them (0 = all).</summary>
public interface IImageRunOptions
{
    int Size { get; }
    int Channels { get; }
    int ImageLimit { get; }
}
