using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using GanService.Api;
using GanService.Tests.Repository;

namespace GanService.Tests.Deploy;

/// <summary>docs/deploy.md lists every setting the service binds, in both spellings, and the deployment files name no
/// setting that does not exist (a misspelt environment variable is silently ignored by .NET configuration).</summary>
public class DeployDocTests
{
    /// <summary>Configuration keys under Gan, from the options class: every public settable property, nested option
    /// classes recursively, a dictionary as <c>Name:&lt;key&gt;</c>, a list of option objects as <c>Name:&lt;n&gt;:Property</c>
    /// (an array of strings is one setting: <c>Name:0</c>, <c>Name:1</c>, … bind its items).</summary>
    public static IEnumerable<string> SettingKeys(Type type, string prefix)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            var key = prefix + ":" + p.Name;
            var t = p.PropertyType;
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>)) yield return key + ":<key>";
            else if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>) && t.GetGenericArguments()[0] is { IsClass: true } item && item != typeof(string))
                foreach (var nested in SettingKeys(item, key + ":<n>")) yield return nested;
            else if (t.IsClass && t != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(t))
                foreach (var nested in SettingKeys(t, key)) yield return nested;
            else yield return key;
        }
    }

    private static string[] Keys() => [.. SettingKeys(typeof(GanOptions), GanOptions.Section)];

    [Fact]
    public void Settings_are_read_from_the_options_class()
    {
        var keys = Keys();
        Assert.Contains("Gan:ModelsPath", keys);
        Assert.Contains("Gan:Defaults:<key>", keys);
        Assert.True(keys.Length >= 15, string.Join(", ", keys));
    }

    [Fact]
    public void Deploy_doc_lists_every_setting_with_its_environment_variable()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryLayoutTests.Root(), "docs/deploy.md"));
        var missing = Keys().Where(k => !doc.Contains($"`{k}`", StringComparison.Ordinal) || !doc.Contains($"`{k.Replace(":", "__")}`", StringComparison.Ordinal)).ToArray();
        Assert.True(missing.Length == 0, "docs/deploy.md does not list (as `Gan:X` and `Gan__X`): " + string.Join(", ", missing));
    }

    [Fact]
    public void Deployment_files_name_only_settings_that_exist()
    {
        var root = RepositoryLayoutTests.Root();
        // A key pattern: <key> is any dictionary key (the rest is the caller's), <n> a list index, and an array setting
        // may be followed by its item index.
        var known = Keys().Select(k => new Regex("^" + Regex.Escape(k).Replace(":<key>", "(:.*)?").Replace("<n>", @"(\d+|<n>)") + @"(:\d+|:<n>)?$")).ToArray();
        var files = new[] { "docs/deploy.md", "docker-compose.yml", "README.md", "docker/Dockerfile.cpu", "docker/Dockerfile.gpu" }
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "deploy"), "*.yaml", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)));
        int seen = 0;
        foreach (var file in files)
            foreach (Match m in Regex.Matches(File.ReadAllText(Path.Combine(root, file)), @"\bGan(?::|__)([A-Za-z0-9]+(?:(?::|__)[A-Za-z0-9<>.-]+)*)"))
            {
                var key = "Gan:" + m.Groups[1].Value.Replace("__", ":");
                Assert.True(known.Any(k => k.IsMatch(key)), $"{file}: '{m.Value}' is not a setting of GanOptions");
                seen++;
            }
        Assert.True(seen > 20, $"found only {seen} setting names in the deployment files");
    }
}
