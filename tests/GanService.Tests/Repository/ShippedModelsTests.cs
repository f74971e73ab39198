using GanService.Contracts;
using GanService.Training.Export;

namespace GanService.Tests.Repository;

/// <summary>What users get from models/ and the docs says nothing of the machine it was made on, and each model folder
/// is one consistent package: model.json = the manifest inside every ONNX file, every hash right.</summary>
public class ShippedModelsTests
{
    public static TheoryData<string> ModelFolders()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Path.Combine(RepositoryLayoutTests.Root(), "models")).Order())
            data.Add(Path.GetFileName(dir));
        return data;
    }

    [Theory]
    [MemberData(nameof(ModelFolders))]
    public void Model_json_equals_the_manifest_embedded_in_each_onnx_and_every_hash_matches(string model)
    {
        var dir = Path.Combine(RepositoryLayoutTests.Root(), "models", model);
        var manifest = ModelManifest.Load(Path.Combine(dir, ModelPackage.ManifestFile));
        Assert.Equal(model, manifest.Name);
        foreach (var g in manifest.Graphs)
        {
            var path = Path.Combine(dir, g.File);
            Assert.Equal(g.Sha256, ModelManifest.Sha256Of(path));
            var embedded = ModelPackage.EmbeddedManifest(path);
            Assert.NotNull(embedded);
            // Compared as manifests (parsed, then written the one way): the embedded copy has blank hashes by design.
            var parsed = System.Text.Json.JsonSerializer.Deserialize<ModelManifest>(embedded, ModelManifest.JsonOptions)!;
            Assert.Equal(ModelPackage.MetadataJson(manifest), ModelPackage.MetadataJson(parsed));
            Assert.Empty(TrainingProvenance.MachineSpecific(embedded));
        }
    }

    /// <summary>Every file users read: model manifests and cards, every README, everything under docs/.</summary>
    public static TheoryData<string> UserFacingTextFiles()
    {
        var root = RepositoryLayoutTests.Root();
        string[] skip = ["bin", "obj", "node_modules", ".git"];
        var files = Directory.EnumerateFiles(root, "*.md", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) is "README.md" or "card.md" || Path.GetRelativePath(root, f).StartsWith("docs" + Path.DirectorySeparatorChar))
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "models"), ModelPackage.ManifestFile, SearchOption.AllDirectories))
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(skip.Contains));
        var data = new TheoryData<string>();
        foreach (var f in files.Order()) data.Add(Path.GetRelativePath(root, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(UserFacingTextFiles))]
    public void User_facing_text_has_no_development_machine_path_or_core_count_prose(string file)
    {
        var problems = TrainingProvenance.MachineSpecific(File.ReadAllText(Path.Combine(RepositoryLayoutTests.Root(), file)));
        Assert.True(problems.Count == 0, $"{file}: {string.Join("; ", problems)}");
    }

    [Theory]
    [InlineData("\"data\": \"/tmp/shapes64\"")]
    [InlineData("see /work/shared/DESIGN.md")]
    [InlineData("under /home/me/data")]
    [InlineData("26 min on 2 shared CPU cores")]
    [InlineData("on the idle 2-core machine")]
    [InlineData("on 2 heavily shared CPU cores")]
    public void The_check_finds_machine_specific_text(string text) => Assert.NotEmpty(TrainingProvenance.MachineSpecific(text));

    [Theory]
    [InlineData("https://openmoji.org/library")]
    [InlineData("rendered by gan datasets emoji --size 64")]
    [InlineData("GET /models/{name}/sample.png")]
    [InlineData("26 min on CPU")]
    [InlineData("`MaxConcurrentInferences` (cores)")]
    public void The_check_leaves_portable_text_alone(string text) => Assert.Empty(TrainingProvenance.MachineSpecific(text));
}
