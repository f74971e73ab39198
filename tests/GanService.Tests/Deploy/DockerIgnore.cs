using System.Text.RegularExpressions;

namespace GanService.Tests.Deploy;

/// <summary>
/// .dockerignore as Docker reads it: one pattern per line (# comments), Go filepath.Match syntax plus <c>**</c> for any
/// number of folders, a leading <c>!</c> re-includes, the last matching line wins, and a pattern that matches a folder
/// excludes everything under it. Enough to check, without an engine, what a build context holds.
/// </summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Include)> _rules = [];

    public DockerIgnore(IEnumerable<string> lines)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            bool include = line.StartsWith('!');
            if (include) line = line[1..].Trim();
            line = line.Trim('/');
            if (line.Length == 0) continue;
            _rules.Add((new Regex("^" + ToRegex(line) + "$"), include));
        }
    }

    public static DockerIgnore Load(string path) => new(File.Exists(path) ? File.ReadAllLines(path) : []);

    /// <summary>True when <paramref name="relativePath"/> (forward slashes, from the context root) is left out.</summary>
    public bool Excludes(string relativePath)
    {
        var parts = relativePath.Replace('\\', '/').Trim('/').Split('/');
        var paths = Enumerable.Range(1, parts.Length).Select(n => string.Join('/', parts[..n])).ToArray();
        // Each line matches the path or a folder above it; the last line that matches decides.
        bool excluded = false;
        foreach (var (pattern, include) in _rules)
            if (paths.Any(pattern.IsMatch)) excluded = !include;
        return excluded;
    }

    private static string ToRegex(string pattern)
    {
        var s = new System.Text.StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" is zero or more folders; a trailing "**" is anything below.
                bool slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                s.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*') s.Append("[^/]*");
            else if (c == '?') s.Append("[^/]");
            else s.Append(Regex.Escape(c.ToString()));
        }
        return s.ToString();
    }
}
