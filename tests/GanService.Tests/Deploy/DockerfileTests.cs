using System.Diagnostics;
using System.Text.RegularExpressions;
using GanService.Tests.Repository;

namespace GanService.Tests.Deploy;

/// <summary>What a Docker engine would catch, checked without one (none runs here): every COPY source is in the build
/// context, the images run as a non-root user, probe themselves, and build on pinned base tags.</summary>
public class DockerfileTests
{
    public static TheoryData<string> Dockerfiles() => ["docker/Dockerfile.cpu", "docker/Dockerfile.gpu", "docker/Dockerfile.train"];
    public static TheoryData<string> ServiceImages() => ["docker/Dockerfile.cpu", "docker/Dockerfile.gpu"];

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Every_copied_path_exists_and_dockerignore_keeps_it_and_its_tracked_files(string dockerfile)
    {
        var root = RepositoryLayoutTests.Root();
        var ignore = DockerIgnore.Load(Path.Combine(root, ".dockerignore"));
        var sources = Dockerfile.Load(Path.Combine(root, dockerfile)).ContextSources().ToArray();
        Assert.True(sources.Length >= 4, $"{dockerfile}: expected the build files and sources to be copied, found {sources.Length} COPY sources");
        var tracked = TrackedFiles(root);
        foreach (var source in sources)
        {
            var full = Path.Combine(root, source);
            Assert.True(File.Exists(full) || Directory.Exists(full), $"{dockerfile}: COPY source '{source}' does not exist");
            Assert.False(ignore.Excludes(source), $"{dockerfile}: COPY source '{source}' is excluded by .dockerignore");
            // A folder is copied with what .dockerignore leaves of it: none of its committed files may be left out.
            var prefix = source.TrimEnd('/') + "/";
            var lost = tracked.Where(f => f.StartsWith(prefix, StringComparison.Ordinal) && ignore.Excludes(f)).ToArray();
            Assert.True(lost.Length == 0, $"{dockerfile}: .dockerignore drops committed files under '{source}': {string.Join(", ", lost.Take(5))}");
        }
    }

    [Fact]
    public void Dockerignore_leaves_out_build_outputs_data_and_git_but_not_sources()
    {
        var ignore = DockerIgnore.Load(Path.Combine(RepositoryLayoutTests.Root(), ".dockerignore"));
        foreach (var outside in new[] { "src/GanService.Api/bin/Debug/net10.0/GanService.Api.dll", "training/GanService.Cli/obj/project.assets.json",
                     "models/fmnist-dcgan/model.onnx", "runs/p2p/checkpoint/state.json", "data/shapes/train/0.png", ".git/HEAD",
                     "tests/GanService.Tests/Import/PeerFixtures/stargan_G_conv8/200000-G.ckpt" })
            Assert.True(ignore.Excludes(outside), $"{outside} should not be in the build context");
        foreach (var inside in new[] { "src/GanService.Api/Program.cs", "src/GanService.Api/wwwroot/index.html", "training/GanService.Cli/GanService.Cli.csproj",
                     "build/LibTorchSharpGlibcxx.targets", "global.json", "Directory.Packages.props" })
            Assert.False(ignore.Excludes(inside), $"{inside} must be in the build context");
    }

    [Fact]
    public void Dockerignore_reader_follows_dockers_rules()
    {
        var ignore = new DockerIgnore(["# comment", "**/bin/", "src/", "!src/keep.txt", "*.log", "docs/**/*.png"]);
        Assert.True(ignore.Excludes("a/b/bin/x.dll"));            // ** spans folders
        Assert.True(ignore.Excludes("bin/x.dll"));                // ** also spans none
        Assert.True(ignore.Excludes("src/a/b.cs"));               // a folder excludes what is under it
        Assert.False(ignore.Excludes("src/keep.txt"));            // a later '!' line re-includes
        Assert.True(ignore.Excludes("x.log"));
        Assert.False(ignore.Excludes("a/x.log"));                 // '*' does not cross '/'
        Assert.True(ignore.Excludes("docs/a/b/c.png"));
        Assert.False(ignore.Excludes("docs/a/b/c.md"));
        Assert.False(ignore.Excludes("global.json"));
    }

    [Theory]
    [MemberData(nameof(ServiceImages))]
    public void Service_image_runs_as_non_root_and_its_healthcheck_probes_readyz_on_the_port_it_listens_on(string dockerfile)
    {
        var final = Dockerfile.Load(Path.Combine(RepositoryLayoutTests.Root(), dockerfile)).Final;
        AssertNonRootUser(dockerfile, final);
        var env = final.Instructions.Where(i => i.Keyword == "ENV")
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(kv => kv.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
        Assert.True(env.TryGetValue("ASPNETCORE_HTTP_PORTS", out var port), $"{dockerfile}: the runtime stage sets no ASPNETCORE_HTTP_PORTS");
        Assert.Equal("/models", env["Gan__ModelsPath"]);
        var health = Assert.Single(final.Instructions, i => i.Keyword == "HEALTHCHECK");
        Assert.Matches(@"^(--\w[\w-]*=\S+\s+)*CMD \[", health.Arguments);      // exec form: no shell needed
        Assert.Contains($"\"--probe\", \"http://127.0.0.1:{port}/readyz\"", health.Arguments);
        // The probe runs the entry point's own binary: what the image can run, the healthcheck can run.
        var entry = Assert.Single(final.Instructions, i => i.Keyword == "ENTRYPOINT").Arguments.TrimEnd(']');
        Assert.StartsWith(entry, health.Arguments[health.Arguments.IndexOf('[')..]);
    }

    [Fact]
    public void Training_image_runs_the_gan_cli_as_non_root()
    {
        var final = Dockerfile.Load(Path.Combine(RepositoryLayoutTests.Root(), "docker/Dockerfile.train")).Final;
        AssertNonRootUser("docker/Dockerfile.train", final);
        Assert.Contains("gan.dll", Assert.Single(final.Instructions, i => i.Keyword == "ENTRYPOINT").Arguments);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Base_images_are_pinned_to_exact_versions(string dockerfile)
    {
        var file = Dockerfile.Load(Path.Combine(RepositoryLayoutTests.Root(), dockerfile));
        var stageNames = file.Stages.Select(s => s.Name).OfType<string>().ToHashSet();
        foreach (var stage in file.Stages.Where(s => !stageNames.Contains(s.Image)))
            Assert.Matches(@"^[\w./-]+:\d+\.\d+\.\d+[\w.-]*$", stage.Image);  // name:MAJOR.MINOR.PATCH[-variant], no floating tag
    }

    [Fact]
    public void Service_images_and_the_training_image_share_one_sdk_and_the_sdk_satisfies_global_json()
    {
        var root = RepositoryLayoutTests.Root();
        var sdks = new[] { "docker/Dockerfile.cpu", "docker/Dockerfile.gpu", "docker/Dockerfile.train" }.Select(d => Dockerfile.Load(Path.Combine(root, d)).Stages[0].Image).Distinct().ToArray();
        var sdk = Assert.Single(sdks);
        var version = Regex.Match(sdk, @"sdk:(\d+)\.(\d+)\.(\d)(\d\d)").Groups;
        var wanted = Regex.Match(File.ReadAllText(Path.Combine(root, "global.json")), @"""version"":\s*""(\d+)\.(\d+)\.(\d)(\d\d)""").Groups;
        Assert.True(version[1].Success && wanted[1].Success, $"could not read the SDK versions ({sdk}, global.json)");
        // global.json rolls forward within the major.minor to later feature bands (latestFeature).
        Assert.Equal(wanted[1].Value + "." + wanted[2].Value, version[1].Value + "." + version[2].Value);
        Assert.True(int.Parse(version[3].Value) >= int.Parse(wanted[3].Value), $"{sdk} is older than global.json's {wanted[0].Value}");
    }

    private static void AssertNonRootUser(string dockerfile, Dockerfile.Stage final)
    {
        var user = final.Instructions.LastOrDefault(i => i.Keyword == "USER")?.Arguments;
        Assert.True(user is not null, $"{dockerfile}: the final stage sets no USER, so it runs as root");
        Assert.DoesNotMatch(@"^(root|0)(:|$)", user);
        var keywords = final.Instructions.Select(i => i.Keyword).ToList();
        Assert.True(keywords.LastIndexOf("USER") < keywords.LastIndexOf("ENTRYPOINT"), $"{dockerfile}: USER must come before ENTRYPOINT");
        if (user == "$APP_UID" && !final.Image.StartsWith("mcr.microsoft.com/dotnet/", StringComparison.Ordinal))
            Assert.Contains(final.Instructions, i => i.Keyword == "ENV" && i.Arguments.StartsWith("APP_UID=", StringComparison.Ordinal));
    }

    /// <summary>Committed files (git ls-files), or every file outside bin/ and obj/ when the tree is not a git checkout.</summary>
    private static string[] TrackedFiles(string root)
    {
        try
        {
            var git = Process.Start(new ProcessStartInfo("git", "ls-files -z") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = git.StandardOutput.ReadToEnd();
            git.WaitForExit();
            if (git.ExitCode == 0) return output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (System.ComponentModel.Win32Exception) { /* no git: fall back to the file system */ }
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !Regex.IsMatch(f, @"(^|/)(bin|obj|\.git)/")).ToArray();
    }
}
