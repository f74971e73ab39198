using System.Diagnostics;
using GanService.Api.Auth;
using GanService.Api.Tests.Fixtures;

namespace GanService.Api.Tests.Contract;

/// <summary>The live service with an API key and the translate, generate and encoder fixtures, for the checks that
/// read its OpenAPI document from outside (tests/clients: redocly, the TypeScript client).</summary>
public sealed class LiveApi : IDisposable
{
    public const string Key = "contract-7e1f-key";

    public LiveApi()
    {
        Api = new KestrelApi(FixtureModels.CreateFolder(FixtureModels.Translate, FixtureModels.Dcgan, FixtureModels.Encoder), new Dictionary<string, string?>
        {
            ["Gan:Auth:Keys:0:Name"] = "contract",
            ["Gan:Auth:Keys:0:Sha256"] = ApiKeys.Hash(Key),
        });
        using var http = new HttpClient { BaseAddress = Api.BaseAddress };
        Spec = http.GetStringAsync("/swagger/v1/swagger.json").GetAwaiter().GetResult();
    }

    public KestrelApi Api { get; }
    public string Spec { get; }

    public void Dispose()
    {
        Api.Dispose();
        try { Directory.Delete(Api.Factory.ModelsPath, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// The API as a contract, checked with tools nobody here wrote, on the document the running service serves:
/// <c>redocly lint</c> with the recommended rules (tests/clients/redocly.yaml), and a TypeScript client generated from
/// it (openapi-typescript, then tsc: a spec change that breaks the client's calls fails here) driving the service.
/// The npm tools are tests/clients/package-lock.json's (npm ci when node_modules is missing).
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class ApiContractTests(LiveApi live) : IClassFixture<LiveApi>
{
    [NodeFact]
    public void Redocly_lint_passes_on_the_live_document()
    {
        var spec = Clients.WriteSpec(live.Spec);
        var (code, output) = Clients.Run("npx", $"--no-install redocly lint {spec} --format=stylish");
        Assert.True(code == 0, output);
        Assert.Contains("valid", output);
    }

    [NodeFact]
    public void The_generated_TypeScript_client_drives_the_service()
    {
        var spec = Clients.WriteSpec(live.Spec);
        var (code, output) = Clients.Run("node", $"gen.mjs {spec} gen/api.d.ts");
        Assert.True(code == 0, output);
        (code, output) = Clients.Run("npx", "--no-install tsc -p .");
        Assert.True(code == 0, "the client no longer compiles against the spec: " + output);
        (code, output) = Clients.Run("node", $"out/js/roundtrip.js {live.Api.BaseAddress.ToString().TrimEnd('/')} {LiveApi.Key}");
        Assert.True(code == 0, output);
        Assert.Contains("round trip ok", output);
    }
}

/// <summary>tests/clients: where the npm tools and the TypeScript client live.</summary>
public static class Clients
{
    public static readonly string Folder = Path.Combine(RepositoryRoot(), "tests", "clients");

    private static readonly Lazy<bool> Installed = new(() =>
    {
        if (Directory.Exists(Path.Combine(Folder, "node_modules", ".bin"))) return true;
        var (code, output) = Run("npm", "ci --no-audit --no-fund");
        Assert.True(code == 0, "npm ci in tests/clients failed: " + output);
        return true;
    });

    /// <summary>Writes the document where redocly.yaml's exceptions name it (out/openapi.json); returns that path.</summary>
    public static string WriteSpec(string json)
    {
        _ = Installed.Value;
        Directory.CreateDirectory(Path.Combine(Folder, "out"));
        File.WriteAllText(Path.Combine(Folder, "out", "openapi.json"), json);
        return "out/openapi.json";
    }

    public static (int Code, string Output) Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(50))) { process.Kill(entireProcessTree: true); return (-1, $"{file} {arguments}: timed out\n{stdout.Result}{stderr.Result}"); }
        return (process.ExitCode, $"{file} {arguments}:\n{stdout.Result}\n{stderr.Result}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GanService.sln"))) return dir.FullName;
        throw new InvalidOperationException("GanService.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Runs only where Node.js is on the PATH; skips with a message on a developer machine without it. Under CI
/// (CI set, as `.ci/run` runs; it installs Node) it never skips: a missing Node there fails the test instead of hiding it.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        Skip = GanService.TestSupport.Prerequisite.SkipUnless(path.Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "node"))), "Node.js (node, npm) is not installed");
    }
}

/// <summary>The tests that write tests/clients/out and gen run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class NodeCollection
{
    public const string Name = "tests/clients";
}
