using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Import;

namespace GanService.Training.Training;

/// <summary>A `gan train` flag and the option key(s) it sets (ProGAN's --lr sets both learning rates).</summary>
public sealed record FamilyFlag(string Flag, string[] Keys, string Description)
{
    public FamilyFlag(string flag, string key, string description) : this(flag, [key], description) { }
}

/// <summary>
/// A family as `gan` sees it, registered once in <see cref="Families.GanFamilies"/>: its name and description, how it
/// trains (null for an export-only family), its export and its checkpoint importer (either may be null). The CLI's
/// `train`, `export` and `import` commands are built from the registry.
/// </summary>
public interface IGanFamily
{
    string Name { get; }
    string Description { get; }
    IFamilyTraining? Training { get; }
    IExportableFamily? Export { get; }
    ICheckpointImporter? Importer { get; }
}

/// <summary>How `gan train NAME` runs a family, untyped for the CLI (<see cref="GanFamily{TOptions}"/> is the typed side).</summary>
public interface IFamilyTraining
{
    /// <summary>The options record, with the family's defaults (it derives from <see cref="RunOptions"/>).</summary>
    RunOptions Defaults();
    /// <summary>The family's own flags; the common ones (--data, --out, --batch-size, …) every family has.</summary>
    IReadOnlyList<FamilyFlag> Flags { get; }
    /// <summary>A problem with resolved options, found before any data is read (null = none).</summary>
    string? Check(RunOptions options);
    /// <summary>A checkpoint's options, refusing another family's checkpoint.</summary>
    RunOptions ReadCheckpointOptions(string checkpointDirectory);
    /// <summary>Reads the data, builds the trainer and runs it; returns the exit code.</summary>
    int Train(RunOptions options, bool resume, TextWriter log);
}

/// <summary>
/// A trainable family typed on its options record: a family writes its name, description, defaults, flags and how a
/// run starts (data → trainer → <see cref="GanTrainer{TInput,TOptions}.Train(ITrainingData{TInput},long,bool,TextWriter)"/>).
/// </summary>
public abstract class GanFamily<TOptions> : IGanFamily, IFamilyTraining where TOptions : RunOptions
{
    public abstract string Name { get; }
    public abstract string Description { get; }
    public virtual IExportableFamily? Export => null;
    public virtual ICheckpointImporter? Importer => null;
    IFamilyTraining? IGanFamily.Training => this;

    public abstract TOptions Defaults();
    public virtual IReadOnlyList<FamilyFlag> Flags => [];
    public virtual string? Check(TOptions options) => null;
    /// <summary>Reads the data, builds the trainer and runs it; returns the exit code.</summary>
    public abstract int Train(TOptions options, bool resume, TextWriter log);

    public TOptions ReadCheckpointOptions(string checkpointDirectory) => Checkpoint.ReadOptions<TOptions>(checkpointDirectory, Name);

    RunOptions IFamilyTraining.Defaults() => Defaults();
    string? IFamilyTraining.Check(RunOptions options) => Check((TOptions)options);
    RunOptions IFamilyTraining.ReadCheckpointOptions(string checkpointDirectory) => ReadCheckpointOptions(checkpointDirectory);
    int IFamilyTraining.Train(RunOptions options, bool resume, TextWriter log) => Train((TOptions)options, resume, log);
}

/// <summary>A family `gan export` knows but `gan train` does not (a bare network for checking the export chain).</summary>
public sealed class ExportOnlyFamily(IExportableFamily export) : IGanFamily
{
    public string Name => export.Name;
    public string Description => export.Description;
    public IFamilyTraining? Training => null;
    public IExportableFamily Export => export;
    IExportableFamily? IGanFamily.Export => export;
    public ICheckpointImporter? Importer => null;
}

/// <summary>A family `gan import` knows but `gan train` and `gan export` do not (yet): official weights of a network we
/// can load and export but not train.</summary>
public sealed class ImportOnlyFamily(string name, string description, ICheckpointImporter importer) : IGanFamily
{
    public string Name => name;
    public string Description => description;
    public IFamilyTraining? Training => null;
    public IExportableFamily? Export => null;
    public ICheckpointImporter Importer => importer;
    ICheckpointImporter? IGanFamily.Importer => importer;
}
