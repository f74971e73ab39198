using System.Globalization;
using System.Text;
using GanService.Contracts;
using GanService.Training.Export;

namespace GanService.Training.Import;

/// <summary>
/// What every importer shares: checking the request's common settings, recording where the weights came from, and
/// writing models/&lt;name&gt;/ (ONNX graphs, model.json with the source file's SHA-256 and format, and a card.md that
/// says what was inferred).
/// </summary>
public static class ImportedModel
{
    public const string UnspecifiedLicence = "unspecified (pass --licence with the weights' licence)";

    /// <summary>The model folder, after checking the name (names are identifiers, never paths).</summary>
    public static string Directory(ImportRequest r)
    {
        if (!ModelName.IsValid(r.Name)) throw new ArgumentException($"--name '{r.Name}' must match {ModelName.Pattern}");
        return Path.Combine(r.ModelsDir, r.Name);
    }

    /// <summary>The source file's name, SHA-256, layout (junyanz, yunjey, …) and container (zip, legacy, pickle).</summary>
    public static SourceInfo Source(string checkpointPath, string format, string container, IEnumerable<string> inferred) =>
        new(Path.GetFileName(checkpointPath), ModelManifest.Sha256Of(checkpointPath), format, container, string.Join("; ", inferred));

    /// <summary>`--format` must be auto or the family's own layout.</summary>
    public static string CheckFormat(ImportRequest r, string family, params string[] layouts)
    {
        if (r.Format.Equals("auto", StringComparison.OrdinalIgnoreCase)) return layouts[0];
        var hit = layouts.FirstOrDefault(l => l.Equals(r.Format, StringComparison.OrdinalIgnoreCase));
        return hit ?? throw new ArgumentException($"--format {r.Format} does not apply to {family} (its checkpoints are {string.Join(" or ", layouts)}; or use auto)");
    }

    /// <summary>An importer-specific option (<see cref="ImportRequest.Options"/>) restricted to the allowed values.</summary>
    public static string Option(ImportRequest r, string key, string fallback, params string[] allowed)
    {
        string value = r.Options is not null && r.Options.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v) ? v : fallback;
        if (!allowed.Contains(value, StringComparer.OrdinalIgnoreCase))
            throw new ArgumentException($"{key} '{value}' must be {string.Join(" or ", allowed)}");
        return value.ToLowerInvariant();
    }

    /// <summary>The exported spatial size: --size or the family's default, a multiple of <paramref name="multiple"/>.</summary>
    public static int Size(ImportRequest r, int fallback, int multiple, int minimum, string why)
    {
        int size = r.Size ?? fallback;
        if (size < minimum || size % multiple != 0 || size > 4096)
            throw new ArgumentException($"--size {size.ToString(CultureInfo.InvariantCulture)} must be a multiple of {multiple} " +
                $"between {Math.Max(minimum, multiple)} and 4096 ({why})");
        return size;
    }

    /// <summary>Writes the model folder; returns the result the CLI prints.</summary>
    public static ImportResult Write(ImportRequest r, ModelManifest draft, IReadOnlyList<PackagedGraph> graphs, SourceInfo source,
        IReadOnlyList<string> inferred, IReadOnlyList<string> notes, TextWriter log)
    {
        string dir = Directory(r);
        var manifest = ModelPackage.Write(dir, draft with { Source = source, License = r.Licence ?? draft.License }, graphs);
        File.WriteAllText(Path.Combine(dir, "card.md"), Card(manifest, inferred, notes));
        foreach (var g in manifest.Graphs) log.WriteLine($"wrote {Path.Combine(dir, g.File)}  sha256 {g.Sha256}");
        log.WriteLine($"wrote {Path.Combine(dir, ModelPackage.ManifestFile)}");
        return new ImportResult(dir, inferred);
    }

    private static string Card(ModelManifest m, IReadOnlyList<string> inferred, IReadOnlyList<string> notes)
    {
        var b = new StringBuilder();
        b.AppendLine(CultureInfo.InvariantCulture, $"# {m.Name}");
        b.AppendLine();
        b.AppendLine(CultureInfo.InvariantCulture, $"{m.Description}");
        b.AppendLine();
        b.AppendLine(CultureInfo.InvariantCulture, $"- Imported with `gan import {m.Family}` from `{m.Source!.File}` ({m.Source.Format} layout, {m.Source.Container} container), SHA-256 `{m.Source.Sha256}`.");
        b.AppendLine("- Not trained here: the weights are the source file's, mapped onto our identical network and exported to ONNX.");
        b.AppendLine(CultureInfo.InvariantCulture, $"- Weights' licence: {m.License}.");
        b.AppendLine(CultureInfo.InvariantCulture, $"- Graph: {m.Image.Channels}×{m.Image.Height}×{m.Image.Width} images in [{m.Image.RangeMin}, {m.Image.RangeMax}].");
        if (m.Labels.Length > 0) b.AppendLine(CultureInfo.InvariantCulture, $"- Labels: {string.Join(", ", m.Labels)}.");
        b.AppendLine();
        b.AppendLine("## Inferred from the weights");
        b.AppendLine();
        foreach (var line in inferred) b.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
        if (notes.Count > 0)
        {
            b.AppendLine();
            b.AppendLine("## Notes");
            b.AppendLine();
            foreach (var line in notes) b.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
        }
        return b.ToString();
    }
}
