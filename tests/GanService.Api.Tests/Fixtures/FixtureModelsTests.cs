using GanService.Contracts;

namespace GanService.Api.Tests.Fixtures;

public sealed class FixtureModelsTests
{
    /// <summary>Also the way to get models for a manual run: GAN_WRITE_FIXTURES=/some/dir dotnet test --filter Fixture_models.</summary>
    [Fact]
    public void Fixture_models_have_valid_manifests_with_matching_hashes()
    {
        var root = Environment.GetEnvironmentVariable("GAN_WRITE_FIXTURES") is { Length: > 0 } target ? target : FixtureModels.NewFolder();
        foreach (var m in FixtureModels.All) FixtureModels.Write(root, m);
        foreach (var m in FixtureModels.All)
        {
            var manifest = ModelManifest.Load(Path.Combine(root, m, "model.json"));
            foreach (var g in manifest.Graphs) Assert.Equal(g.Sha256, ModelManifest.Sha256Of(Path.Combine(root, m, g.File)));
        }
    }
}
