using System.Text.Json;

namespace GanService.Tests.Import;

/// <summary>
/// The reference-implementation checkpoints copied from ../shared/peer-fixtures into Import/PeerFixtures (README.md
/// there says how they were made); the test project copies them next to the test assembly.
/// </summary>
public static class PeerFixtures
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "Import", "PeerFixtures");

    public static string File(string folder, string name) => Path.Combine(Root, folder, name);

    public static JsonElement Meta(string folder) =>
        JsonDocument.Parse(System.IO.File.ReadAllText(File(folder, "meta.json"))).RootElement;

    public static Npy.Array Npy(string folder, string name) => Import.Npy.Read(File(folder, name));
}
