namespace GanService.Training.Import;

/// <summary>What `gan import` asks of an importer.</summary>
/// <param name="Format">auto | junyanz | yunjey | rosinality | nvlabs</param>
/// <param name="Options">importer-specific settings, e.g. "bnStats" = "running" | "instance"</param>
public sealed record ImportRequest(
    string CheckpointPath,
    string Name,
    string ModelsDir,
    int? Size = null,
    IReadOnlyList<string>? Labels = null,
    string Format = "auto",
    string? Licence = null,
    IReadOnlyDictionary<string, string>? Options = null);

/// <summary>The written model folder and the lines that say what was inferred (the CLI prints them).</summary>
public sealed record ImportResult(string ModelDir, IReadOnlyList<string> Inferred);

/// <summary>One family's importer (pix2pix, cyclegan, stargan, stylegan2).</summary>
public interface ICheckpointImporter
{
    string Family { get; }
    ImportResult Import(ImportRequest request, TextWriter log);
}
