namespace GanService.Tests.Repository;

/// <summary>The README's two commands are the ones .ci/run and the docs rely on. (The Docker files' checks are in
/// Deploy/DockerfileTests.cs.)</summary>
public class RepositoryLayoutTests
{
    internal static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GanService.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("GanService.sln not found above " + AppContext.BaseDirectory);
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
