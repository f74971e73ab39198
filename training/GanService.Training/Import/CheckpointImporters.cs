namespace GanService.Training.Import;

/// <summary>
/// The explicit registry of checkpoint importers, one per family `gan import` accepts (no reflection). Each importer
/// lives in its own file; adding a family is one line in one of the lists below.
/// </summary>
public static class CheckpointImporters
{
    // Image-to-image translation families (junyanz pix2pix/CycleGAN, yunjey StarGAN).
    private static ICheckpointImporter[] Translation() =>
    [
        new JunyanzGeneratorImporter("pix2pix"),
        new JunyanzGeneratorImporter("cyclegan"),
        new StarGanImporter(),
    ];

    // Unconditional generation families (StyleGAN2: rosinality, NVlabs).
    private static ICheckpointImporter[] Generation() =>
    [
        new StyleGan2Importer(),
    ];

    /// <summary>Every importer, in the order `gan import --help` lists them.</summary>
    public static IReadOnlyList<ICheckpointImporter> All { get; } = [.. Translation(), .. Generation()];

    public static IEnumerable<string> Families => All.Select(i => i.Family);

    public static ICheckpointImporter Get(string family) =>
        All.FirstOrDefault(i => string.Equals(i.Family, family, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"no importer for '{family}'; known: {string.Join(", ", Families)}");
}
