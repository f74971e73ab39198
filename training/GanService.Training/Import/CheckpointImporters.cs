namespace GanService.Training.Import;

/// <summary>The checkpoint importers `gan import` accepts: those of the one registry,
/// <see cref="GanService.Training.Families.GanFamilies"/> (pix2pix and CycleGAN from junyanz, StarGAN from yunjey,
/// StyleGAN2 from rosinality or NVlabs).</summary>
public static class CheckpointImporters
{
    /// <summary>Every importer, in registry order.</summary>
    public static IReadOnlyList<ICheckpointImporter> All =>
        [.. GanService.Training.Families.GanFamilies.All.Select(f => f.Importer).OfType<ICheckpointImporter>()];

    public static IEnumerable<string> Families => All.Select(i => i.Family);

    public static ICheckpointImporter Get(string family) =>
        All.FirstOrDefault(i => string.Equals(i.Family, family, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"no importer for '{family}'; known: {string.Join(", ", Families)}");
}
