using System.Text;

namespace GanService.Training.Data.Emoji;

/// <summary>One row of OpenMoji's data/openmoji.csv.</summary>
public sealed record OpenMojiEntry(string Hexcode, string Group, string Subgroup, string Annotation, string[] Tags)
{
    public string Key => EmojiKey.FromHex(Hexcode);

    /// <summary>
    /// The caption text: the annotation, then the tags, then the words of the group and subgroup ("smileys-emotion",
    /// "face-smiling" → "smileys emotion face smiling"), comma-separated; repeated words are kept once, first place wins.
    /// </summary>
    public string Caption
    {
        get
        {
            var parts = new List<string> { Annotation };
            parts.AddRange(Tags);
            parts.Add(Group.Replace('-', ' '));
            parts.Add(Subgroup.Replace('-', ' '));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            return string.Join(", ", parts.Select(p => p.Trim()).Where(p => p.Length > 0 && seen.Add(p)));
        }
    }
}

/// <summary>Parses openmoji.csv (RFC 4180: quoted fields hold commas and doubled quotes) by its header names.</summary>
public static class OpenMojiCatalogue
{
    public static IReadOnlyList<OpenMojiEntry> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"OpenMoji catalogue '{path}' does not exist");
        return Parse(File.ReadAllText(path));
    }

    public static IReadOnlyList<OpenMojiEntry> Parse(string csv)
    {
        var rows = CsvRows(csv).ToList();
        if (rows.Count == 0) throw new InvalidDataException("openmoji.csv is empty");
        var header = rows[0];
        int Col(string name) => Array.IndexOf(header, name) is int i and >= 0 ? i : throw new InvalidDataException($"openmoji.csv has no '{name}' column");
        int hex = Col("hexcode"), group = Col("group"), sub = Col("subgroups"), ann = Col("annotation"), tags = Col("tags");
        var entries = new List<OpenMojiEntry>();
        foreach (var r in rows.Skip(1))
        {
            if (r.Length <= tags || r[hex].Length == 0) continue;
            entries.Add(new OpenMojiEntry(r[hex], r[group], r[sub], r[ann],
                r[tags].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        }
        return entries;
    }

    private static IEnumerable<string[]> CsvRows(string text)
    {
        var row = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                row.Add(field.ToString()); field.Clear();
                yield return row.ToArray();
                row.Clear();
            }
            else field.Append(c);
        }
        if (field.Length > 0 || row.Count > 0) { row.Add(field.ToString()); yield return row.ToArray(); }
    }
}
