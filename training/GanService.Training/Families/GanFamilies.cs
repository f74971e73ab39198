using GanService.Training.Training;

namespace GanService.Training.Families;

/// <summary>
/// The one registry of families (explicit, no reflection): `gan train`, `gan export` and `gan import` are built from
/// it. Adding a family is one line here (docs/adding-a-family.md).
/// </summary>
public static class GanFamilies
{
    private static readonly List<IGanFamily> Registered =
    [
        new Gan.GenerationFamily("gan"),
        new Gan.GenerationFamily("dcgan"),
        new Gan.GenerationFamily("cgan"),
        new StyleGan2.StyleGan2Family(),
        new StackGan.StackGanFamily(),
        new BigGan.BigGanFamily(),
        new ProGan.ProGanFamily(),
        new StyleGan.StyleGanFamily(),
        new InfoGan.InfoGanFamily(),
        new Encoders.EncoderGanFamily("aae"),
        new Encoders.EncoderGanFamily("ali"),
        new Translation.Pix2PixFamily(),
        new Translation.CycleGanFamily(),
        new Translation.StarGanFamily(),
        new SrGan.SrGanFamily(),
        new ExportOnlyFamily(new Pix2Pix.UnetExportFamily()),
        new ImportOnlyFamily("esrgan", "ESRGAN / Real-ESRGAN upscaler (RRDBNet; BasicSR or original ESRGAN key layout): import only", new Import.EsrganImporter()),
    ];

    /// <summary>Every family, in the order `gan train --help` lists them.</summary>
    public static IReadOnlyList<IGanFamily> All => Registered;

    public static IGanFamily Get(string name) =>
        Registered.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown family '{name}'; known: {string.Join(", ", Registered.Select(f => f.Name).Order())}");

    /// <summary>Adds a family for the process's lifetime (a test's own family); the name must be new.</summary>
    public static void Register(IGanFamily family)
    {
        if (Registered.Any(f => f.Name.Equals(family.Name, StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException($"family '{family.Name}' is already registered");
        Registered.Add(family);
    }

    /// <summary>Removes a family added by <see cref="Register"/>.</summary>
    public static void Unregister(string name) => Registered.RemoveAll(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
