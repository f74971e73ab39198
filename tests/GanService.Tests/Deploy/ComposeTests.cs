using System.Diagnostics;
using System.Text.RegularExpressions;
using GanService.Tests.Repository;

namespace GanService.Tests.Deploy;

/// <summary>docker-compose.yml as docker-compose itself reads it (`config`, no engine needed), per profile, and the
/// nginx configuration of the replicas profile against it.</summary>
public class ComposeTests
{
    public const string DockerCompose = "/usr/bin/docker-compose";
    /// <summary>The skip reason of <see cref="ComposeFactAttribute"/> and <see cref="ComposeTheoryAttribute"/> (null when present or under CI).</summary>
    internal static string? SkipReason => GanService.TestSupport.Prerequisite.SkipUnless(File.Exists(DockerCompose), $"{DockerCompose} is not installed (apt-get install -y docker-compose)");

    [ComposeTheory]
    [InlineData("")]
    [InlineData("gpu")]
    [InlineData("replicas")]
    public void Each_profile_parses(string profile)
    {
        var (exit, output) = Compose(profile, "config", "-q");
        Assert.True(exit == 0, output);
    }

    [ComposeFact]
    public void Plain_up_starts_only_the_cpu_api_and_each_profile_adds_its_services()
    {
        var (exit, output) = Compose("replicas", "--profile", "gpu", "config");
        Assert.True(exit == 0, output);
        var profiles = Services(output).ToDictionary(s => s.Key, s => Regex.Match(s.Value, @"profiles:\n- (\w+)") is { Success: true } m ? m.Groups[1].Value : "");
        Assert.Equal(new Dictionary<string, string>
        {
            ["api"] = "", ["api-gpu"] = "gpu", ["api-1"] = "replicas", ["api-2"] = "replicas", ["api-3"] = "replicas", ["proxy"] = "replicas",
        }, profiles);
    }

    [ComposeFact]
    public void Every_api_service_probes_readyz_has_limits_and_mounts_models_read_only()
    {
        var (exit, output) = Compose("replicas", "--profile", "gpu", "config");
        Assert.True(exit == 0, output);
        var services = Services(output);
        foreach (var name in new[] { "api", "api-gpu", "api-1", "api-2", "api-3" })
        {
            var body = services[name];
            Assert.Contains("- --probe", body);
            Assert.Contains("- http://127.0.0.1:8080/readyz", body);
            Assert.Matches(@"limits:\s+cpus: [\d.]+\s+memory: \d+[mg]", body);
            Assert.Matches(@"read_only: true\s+source: \S+/models\s+target: /models", body);
        }
        Assert.Contains("driver: nvidia", services["api-gpu"]);
        Assert.Matches(@"image: nginx:\d+\.\d+\.\d+", services["proxy"]);
        Assert.Contains("condition: service_healthy", services["proxy"]);
    }

    [Fact]
    public void Nginx_proxies_to_exactly_the_replicas_of_the_compose_file()
    {
        var root = RepositoryLayoutTests.Root();
        var nginx = File.ReadAllText(Path.Combine(root, "docker/nginx.conf"));
        var upstream = Regex.Matches(nginx, @"^\s*server\s+([\w-]+):8080\b", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToArray();
        var compose = File.ReadAllText(Path.Combine(root, "docker-compose.yml"));
        var replicas = Regex.Matches(compose, @"^  ([\w-]+): \*replica\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(3, replicas.Length);
        Assert.Equal(replicas, upstream);
        Assert.Contains("docker/nginx.conf", compose);
        // nginx must let the API answer 413 itself: its body limit sits above Gan:MaxRequestBytes + multipart framing.
        var limit = long.Parse(Regex.Match(nginx, @"client_max_body_size (\d+)m;").Groups[1].Value) * 1024 * 1024;
        Assert.True(limit > new GanService.Api.GanOptions().MaxRequestBytes + GanService.Api.GanOptions.MultipartFramingBytes);
    }

    /// <summary>Top-level services of `docker-compose config` output, each with its indented body.</summary>
    private static Dictionary<string, string> Services(string config)
    {
        var result = new Dictionary<string, string>();
        string? current = null;
        bool inServices = false;
        foreach (var line in config.Split('\n'))
        {
            if (!line.StartsWith(' ')) { inServices = line.StartsWith("services:", StringComparison.Ordinal); current = null; continue; }
            if (!inServices) continue;
            var m = Regex.Match(line, @"^  ([\w-]+):\s*$");
            if (m.Success) { current = m.Groups[1].Value; result[current] = ""; }
            else if (current is not null) result[current] += line.Trim() + "\n";
        }
        return result;
    }

    private static (int Exit, string Output) Compose(string profile, params string[] args)
    {
        var start = new ProcessStartInfo(DockerCompose) { WorkingDirectory = RepositoryLayoutTests.Root(), RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add("docker-compose.yml");
        if (profile.Length > 0) { start.ArgumentList.Add("--profile"); start.ArgumentList.Add(profile); }
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, p.ExitCode == 0 ? stdout.Result : stdout.Result + stderr);
    }
}

/// <summary>Skipped, saying why, only where docker-compose is missing; never under CI (.ci/run installs it).</summary>
public sealed class ComposeFactAttribute : FactAttribute
{
    public ComposeFactAttribute()
    {
        Skip = ComposeTests.SkipReason;
    }
}

public sealed class ComposeTheoryAttribute : TheoryAttribute
{
    public ComposeTheoryAttribute()
    {
        Skip = ComposeTests.SkipReason;
    }
}
