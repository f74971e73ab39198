using System.Text.RegularExpressions;

namespace GanService.Tests.Deploy;

/// <summary>A Dockerfile read as Docker reads it, as far as the checks need: continuation lines joined, comments
/// dropped, ARG defaults substituted into FROM, instructions grouped by build stage.</summary>
public sealed partial class Dockerfile
{
    public sealed record Instruction(string Keyword, string Arguments);
    public sealed record Stage(string Image, string? Name, IReadOnlyList<Instruction> Instructions);

    public IReadOnlyList<Stage> Stages { get; }
    public Stage Final => Stages[^1];

    private Dockerfile(IReadOnlyList<Stage> stages) => Stages = stages;

    public static Dockerfile Load(string path)
    {
        var logical = new List<string>();
        var current = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.TrimEnd();
            if (current.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0)) continue;
            if (line.EndsWith('\\')) { current += line[..^1] + " "; continue; }
            logical.Add((current + line).Trim());
            current = "";
        }
        var args = new Dictionary<string, string>();
        var stages = new List<Stage>();
        List<Instruction>? body = null;
        foreach (var line in logical)
        {
            var space = line.IndexOf(' ');
            var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var rest = space < 0 ? "" : line[(space + 1)..].Trim();
            if (keyword == "ARG" && body is null && rest.Split('=', 2) is [var k, var v]) args[k] = v;
            if (keyword == "FROM")
            {
                var m = FromLine().Match(rest);
                var image = ArgReference().Replace(m.Groups["image"].Value, a => args.GetValueOrDefault(a.Groups[1].Value, a.Value));
                body = [];
                stages.Add(new Stage(image, m.Groups["name"].Success ? m.Groups["name"].Value : null, body));
                continue;
            }
            body?.Add(new Instruction(keyword, rest));
        }
        return new Dockerfile(stages);
    }

    /// <summary>Sources of every COPY/ADD from the build context (not <c>--from=</c> another stage).</summary>
    public IEnumerable<string> ContextSources() =>
        Stages.SelectMany(s => s.Instructions)
            .Where(i => i.Keyword is "COPY" or "ADD")
            .Select(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => !parts.Any(p => p.StartsWith("--from=", StringComparison.Ordinal)))
            .SelectMany(parts => parts.Where(p => !p.StartsWith("--", StringComparison.Ordinal)).SkipLast(1));

    [GeneratedRegex(@"^(?:--platform=\S+\s+)?(?<image>\S+)(?:\s+AS\s+(?<name>\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"\$\{?(\w+)\}?")]
    private static partial Regex ArgReference();
}
