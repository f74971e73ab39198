using GanService.Cli.Commands;

namespace GanService.Tests.Repository;

/// <summary>models/README.md's table is generated from the manifests and cards (`gan zoo table --write`), never kept by hand.</summary>
public class ZooTableTests
{
    [Fact]
    public void The_committed_zoo_table_equals_the_generated_one()
    {
        string models = Path.Combine(RepositoryLayoutTests.Root(), "models");
        string readme = File.ReadAllText(Path.Combine(models, "README.md"));
        Assert.Equal(ZooCommand.WithTable(readme, ZooCommand.Table(models)), readme);
        Assert.Contains(ZooCommand.BeginMarker, readme);
    }

    [Fact]
    public void The_table_has_a_row_per_model_with_its_card_headline()
    {
        string models = Path.Combine(RepositoryLayoutTests.Root(), "models");
        string table = ZooCommand.Table(models);
        foreach (var dir in Directory.GetDirectories(models).Where(d => File.Exists(Path.Combine(d, "model.json"))))
            Assert.Contains($"| `{Path.GetFileName(dir)}` |", table);
        Assert.Equal("SSIM 0.8", ZooCommand.Headline("# x\nsome text\nHeadline: SSIM 0.8\nHeadline: later"));
        Assert.Null(ZooCommand.Headline("# x\nno headline here"));
    }
}
