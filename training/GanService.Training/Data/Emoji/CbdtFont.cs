using System.Buffers.Binary;

namespace GanService.Training.Data.Emoji;

/// <summary>
/// Reads the colour bitmaps of a CBDT/CBLC font (Noto Color Emoji): the PNG of each glyph, and which emoji (code point
/// or sequence) draws which glyph — from the cmap for single code points and from the GSUB ligature lookups for
/// sequences (ZWJ sequences, flags, keycaps, skin tones). Only what emoji fonts use is read: cmap formats 4 and 12,
/// index subtable formats 1 and 3, image formats 17–19, ligature substitution (directly or via an extension lookup).
/// </summary>
public sealed class CbdtFont
{
    private readonly byte[] _data;
    private readonly Dictionary<int, (int Offset, int Length)> _png = [];

    /// <summary>Emoji key (<see cref="EmojiKey"/>) → glyph id, for glyphs that have a colour bitmap.</summary>
    public IReadOnlyDictionary<string, int> Sequences { get; }

    private CbdtFont(byte[] data)
    {
        _data = data;
        var tables = new Dictionary<string, int>();
        int numTables = U16(4);
        for (int i = 0; i < numTables; i++)
        {
            int rec = 12 + 16 * i;
            tables[System.Text.Encoding.ASCII.GetString(data, rec, 4)] = (int)U32(rec + 8);
        }
        if (!tables.TryGetValue("CBLC", out int cblc) || !tables.TryGetValue("CBDT", out int cbdt) || !tables.TryGetValue("cmap", out int cmap))
            throw new InvalidDataException("not a CBDT colour-bitmap font (no CBLC/CBDT/cmap table)");
        ReadStrikes(cblc, cbdt);
        var cps = ReadCmap(cmap);
        var glyphToCp = new Dictionary<int, int>();
        foreach (var (cp, g) in cps.OrderBy(kv => kv.Key)) glyphToCp.TryAdd(g, cp);
        var seq = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (cp, g) in cps)
            if (_png.ContainsKey(g) && cp > 0x7F) seq.TryAdd(EmojiKey.FromHex(cp.ToString("x")), g);
        if (tables.TryGetValue("GSUB", out int gsub))
            foreach (var (components, lig) in ReadLigatures(gsub))
            {
                if (!_png.ContainsKey(lig) || components.Any(c => !glyphToCp.ContainsKey(c))) continue;
                string key = EmojiKey.FromHex(string.Join('-', components.Select(c => glyphToCp[c].ToString("x"))));
                if (key.Length > 0) seq.TryAdd(key, lig);
            }
        Sequences = seq;
    }

    public static CbdtFont Read(byte[] data) => new(data);

    public byte[] Png(int glyph) => _data.AsSpan(_png[glyph].Offset, _png[glyph].Length).ToArray();

    private int U16(int o) => BinaryPrimitives.ReadUInt16BigEndian(_data.AsSpan(o));
    private uint U32(int o) => BinaryPrimitives.ReadUInt32BigEndian(_data.AsSpan(o));

    /// <summary>The largest strike's bitmaps (Noto has one, 109 ppem).</summary>
    private void ReadStrikes(int cblc, int cbdt)
    {
        int numSizes = (int)U32(cblc + 4), best = -1, bestPpem = -1;
        for (int s = 0; s < numSizes; s++)
            if (_data[cblc + 8 + 48 * s + 44] > bestPpem) (best, bestPpem) = (s, _data[cblc + 8 + 48 * s + 44]);
        if (best < 0) return;
        int size = cblc + 8 + 48 * best;
        int arrayStart = cblc + (int)U32(size), count = (int)U32(size + 8);
        for (int i = 0; i < count; i++)
        {
            int e = arrayStart + 8 * i;
            int first = U16(e), last = U16(e + 2), sub = arrayStart + (int)U32(e + 4);
            int indexFormat = U16(sub), imageFormat = U16(sub + 2), imageData = cbdt + (int)U32(sub + 4);
            for (int g = first; g <= last; g++)
            {
                int k = g - first;
                (int start, int end) = indexFormat switch
                {
                    1 => ((int)U32(sub + 8 + 4 * k), (int)U32(sub + 8 + 4 * (k + 1))),
                    3 => (U16(sub + 8 + 2 * k), U16(sub + 8 + 2 * (k + 1))),
                    _ => (0, 0),
                };
                if (end <= start) continue;
                int at = imageData + start;
                int header = imageFormat switch { 17 => 5, 18 => 8, 19 => 0, _ => -1 };
                if (header < 0) continue;
                int len = (int)U32(at + header);
                _png[g] = (at + header + 4, len);
            }
        }
    }

    private Dictionary<int, int> ReadCmap(int cmap)
    {
        var map = new Dictionary<int, int>();
        int n = U16(cmap + 2);
        int? f12 = null, f4 = null;
        for (int i = 0; i < n; i++)
        {
            int rec = cmap + 4 + 8 * i, sub = cmap + (int)U32(rec + 4);
            if (U16(sub) == 12) f12 ??= sub;
            else if (U16(sub) == 4) f4 ??= sub;
        }
        if (f12 is int t)
        {
            int groups = (int)U32(t + 12);
            for (int g = 0; g < groups; g++)
            {
                int rec = t + 16 + 12 * g;
                uint start = U32(rec), end = U32(rec + 4), glyph = U32(rec + 8);
                for (uint c = start; c <= end; c++) map[(int)c] = (int)(glyph + c - start);
            }
        }
        else if (f4 is int f)
        {
            int segs = U16(f + 6) / 2;
            int ends = f + 14, starts = ends + 2 * segs + 2, deltas = starts + 2 * segs, ranges = deltas + 2 * segs;
            for (int s = 0; s < segs; s++)
            {
                int end = U16(ends + 2 * s), start = U16(starts + 2 * s), delta = (short)U16(deltas + 2 * s), ro = U16(ranges + 2 * s);
                for (int c = start; c <= end && c != 0xFFFF; c++)
                {
                    int g = ro == 0 ? (c + delta) & 0xFFFF : U16(ranges + 2 * s + ro + 2 * (c - start));
                    if (g != 0) map[c] = ro == 0 ? g : (g + delta) & 0xFFFF;
                }
            }
        }
        return map;
    }

    /// <summary>Every ligature (component glyphs → ligature glyph) of every lookup of type 4 (or 7 wrapping 4).</summary>
    private IEnumerable<(int[] Components, int Ligature)> ReadLigatures(int gsub)
    {
        int lookupList = gsub + U16(gsub + 8);
        int lookups = U16(lookupList);
        for (int l = 0; l < lookups; l++)
        {
            int lookup = lookupList + U16(lookupList + 2 + 2 * l);
            int type = U16(lookup), subCount = U16(lookup + 4);
            for (int s = 0; s < subCount; s++)
            {
                int sub = lookup + U16(lookup + 6 + 2 * s);
                int subType = type;
                if (type == 7) { subType = U16(sub + 2); sub += (int)U32(sub + 4); }
                if (subType != 4 || U16(sub) != 1) continue;
                var coverage = Coverage(sub + U16(sub + 2));
                int setCount = U16(sub + 4);
                for (int i = 0; i < setCount && i < coverage.Count; i++)
                {
                    int set = sub + U16(sub + 6 + 2 * i);
                    int ligCount = U16(set);
                    for (int j = 0; j < ligCount; j++)
                    {
                        int lig = set + U16(set + 2 + 2 * j);
                        int glyph = U16(lig), comps = U16(lig + 2);
                        var c = new int[comps];
                        c[0] = coverage[i];
                        for (int k = 1; k < comps; k++) c[k] = U16(lig + 4 + 2 * (k - 1));
                        yield return (c, glyph);
                    }
                }
            }
        }
    }

    private List<int> Coverage(int at)
    {
        var glyphs = new List<int>();
        int format = U16(at), count = U16(at + 2);
        for (int i = 0; i < count; i++)
            if (format == 1) glyphs.Add(U16(at + 4 + 2 * i));
            else
            {
                int rec = at + 4 + 6 * i;
                for (int g = U16(rec); g <= U16(rec + 2); g++) glyphs.Add(g);
            }
        return glyphs;
    }
}
