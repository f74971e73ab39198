namespace GanService.Tests.Repository;

/// <summary>Checks a Docker engine would otherwise catch (none runs here): every COPY source exists; the README's two
/// commands are the ones .ci/run and the docs rely on.</summary>
public class RepositoryLayoutTests
{
    internal static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GanService.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("GanService.sln not found above " + AppContext.BaseDirectory);
    }

    [Theory]
    [InlineData("docker/Dockerfile.cpu")]
    [InlineData("docker/Dockerfile.gpu")]
    public void Dockerfile_copy_sources_exist(string dockerfile)
    {
        var root = Root();
        var lines = File.ReadAllLines(Path.Combine(root, dockerfile));
        Assert.Contains(lines, l => l.StartsWith("FROM ", StringComparison.Ordinal));
        int checkedSources = 0;
        foreach (var line in lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=")))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var src in parts.Skip(1).SkipLast(1))
            {
                Assert.True(File.Exists(Path.Combine(root, src)) || Directory.Exists(Path.Combine(root, src)), $"{dockerfile}: COPY source '{src}' does not exist");
                checkedSources++;
            }
        }
        Assert.True(checkedSources >= 5, "expected the build context copies");
    }

    [Fact]
    public void Readme_states_the_run_and_test_commands_and_ci_runs_the_test_command()
    {
        var root = Root();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        Assert.Contains("dotnet run --project src/GanService.Api", readme);
        Assert.Contains("dotnet test GanService.sln", readme);
        Assert.Contains("dotnet test GanService.sln", File.ReadAllText(Path.Combine(root, ".ci", "run")));
        Assert.True(File.Exists(Path.Combine(root, "src/GanService.Api/GanService.Api.csproj")));
    }
}
