using System.Diagnostics;
using System.Globalization;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace GanService.Training.Data.Emoji;

/// <summary>
/// Emoji keys: the code point sequence as lower-case hex joined by '-', without leading zeros and without the
/// variation selector FE0F, because OpenMoji ("00A9", "2764-FE0F") and Twemoji ("a9", "2764") spell the same emoji
/// differently.
/// </summary>
public static class EmojiKey
{
    public static string FromHex(string hex)
    {
        var parts = hex.Split(['-', '_', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Select(p => int.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            .Where(cp => cp != 0xFE0F)
            .Select(cp => cp.ToString("x", CultureInfo.InvariantCulture));
        return string.Join('-', parts);
    }

    public static int[] CodePoints(string key) =>
        key.Split('-').Select(p => int.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The key with the skin-tone modifiers (U+1F3FB–1F3FF) removed: the five tones of one emoji share a split.</summary>
    public static string SplitGroup(string key) =>
        string.Join('-', key.Split('-').Where(p => p is not ("1f3fb" or "1f3fc" or "1f3fd" or "1f3fe" or "1f3ff")));

    /// <summary>
    /// True when the emoji belongs to the held-out test set: FNV-1a of its <see cref="SplitGroup"/> modulo 10 is 0
    /// (about 10%). A function of the code points alone, so the same emoji are test in every style and every build.
    /// </summary>
    public static bool IsTest(string key)
    {
        uint h = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(SplitGroup(key))) h = (h ^ b) * 16777619;
        return h % 10 == 0;
    }
}

/// <summary>One emoji style: which emoji it draws, and a picture of each on white at a given size.</summary>
public interface IEmojiStyle
{
    string Name { get; }
    IReadOnlyCollection<string> Keys { get; }
    Image<Rgb24> Render(string key, int size);
    /// <summary>Writes LICENSE-&lt;source&gt;.txt (the package's own licence text where it ships one) into <paramref name="dir"/>.</summary>
    void WriteLicence(string dir);
    string Attribution { get; }
    string SourceId { get; }
}

/// <summary>SVG emoji rasterised by rsvg-convert (librsvg), composited on white, cached per style and size.</summary>
public sealed class SvgEmojiStyle(string name, NpmPackage package, string packageDir, IReadOnlyDictionary<string, string> svgByKey,
    string? licenceFile, string renderCache, string rsvgCommand = "rsvg-convert") : IEmojiStyle
{
    public string Name => name;
    public IReadOnlyCollection<string> Keys => (IReadOnlyCollection<string>)svgByKey.Keys;
    public string Attribution => package.Attribution;
    public string SourceId => package.Spec;
    public string PackageDir => packageDir;

    public Image<Rgb24> Render(string key, int size)
    {
        string cached = Path.Combine(renderCache, $"{name}-{package.Version}", size.ToString(CultureInfo.InvariantCulture), key + ".png");
        if (!File.Exists(cached))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
            string tmp = cached + $".{Environment.CurrentManagedThreadId}.tmp";
            RsvgConvert(rsvgCommand, svgByKey[key], tmp, size);
            File.Move(tmp, cached, overwrite: true);
        }
        return ImageFolders.Decode(cached);
    }

    /// <summary>rsvg-convert, the renderer the shipped 32² emoji model was trained on; fit inside size², on white.</summary>
    public static void RsvgConvert(string command, string svg, string png, int size)
    {
        var psi = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "--width", size.ToString(CultureInfo.InvariantCulture), "--height", size.ToString(CultureInfo.InvariantCulture),
                     "--keep-aspect-ratio", "--background-color", "white", "--format", "png", "--output", png, svg })
            psi.ArgumentList.Add(a);
        Process? p;
        try { p = Process.Start(psi); }
        catch (System.ComponentModel.Win32Exception) { throw new EmojiPackageMissingException($"{command} was not found: apt-get install librsvg2-bin"); }
        if (p is null) throw new EmojiPackageMissingException($"{command} could not be started: apt-get install librsvg2-bin");
        using (p)
        {
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidDataException($"rsvg-convert failed on {Path.GetFileName(svg)}: {err.Trim()}");
        }
    }

    public void WriteLicence(string dir)
    {
        string target = Path.Combine(dir, $"LICENSE-{name}.txt");
        var text = new StringBuilder().AppendLine($"{package.Spec}: {package.Attribution}").AppendLine($"SPDX: {package.Licence}").AppendLine();
        if (licenceFile is not null && File.Exists(licenceFile)) text.Append(File.ReadAllText(licenceFile));
        File.WriteAllText(target, text.ToString());
    }
}

/// <summary>The sources the builder knows: where each style's SVGs live in its package and how they are keyed.</summary>
public static class EmojiSources
{
    public static readonly string[] Styles = ["openmoji", "openmoji-line", "twemoji", "fluent-flat", "fluent-modern", "noto"];
    public const string NotoFontDefault = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf";

    public sealed record Settings(NpmPackageCache Packages, string NotoFont = NotoFontDefault, string RsvgCommand = "rsvg-convert")
    {
        public string RenderCache => Path.Combine(Packages.CacheDir, "render");
    }

    public static IEmojiStyle Open(string style, Settings s)
    {
        switch (style)
        {
            case "openmoji":
            case "openmoji-line":
            {
                string dir = s.Packages.Unpacked(NpmPackageCache.OpenMoji);
                var catalogue = OpenMojiCatalogue.Read(Path.Combine(dir, "data", "openmoji.csv"));
                string folder = Path.Combine(dir, style == "openmoji" ? "color" : "black", "svg");
                var map = catalogue.Where(e => File.Exists(Path.Combine(folder, e.Hexcode + ".svg")))
                    .GroupBy(e => e.Key).ToDictionary(g => g.Key, g => Path.Combine(folder, g.First().Hexcode + ".svg"));
                return new SvgEmojiStyle(style, NpmPackageCache.OpenMoji, dir, map, Path.Combine(dir, "LICENSE.txt"), s.RenderCache, s.RsvgCommand);
            }
            case "twemoji":
            {
                string dir = s.Packages.Unpacked(NpmPackageCache.Twemoji);
                var map = Directory.EnumerateFiles(Path.Combine(dir, "dist", "svg"), "*.svg").Order(StringComparer.Ordinal)
                    .GroupBy(f => EmojiKey.FromHex(Path.GetFileNameWithoutExtension(f))).ToDictionary(g => g.Key, g => g.First());
                return new SvgEmojiStyle(style, NpmPackageCache.Twemoji, dir, map, Path.Combine(dir, "LICENSE"), s.RenderCache, s.RsvgCommand);
            }
            case "fluent-flat":
            case "fluent-modern":
            {
                // Fluent names its files by CLDR name, not code point: key them through OpenMoji's catalogue of names.
                string dir = s.Packages.Unpacked(NpmPackageCache.Fluent);
                var catalogue = OpenMojiCatalogue.Read(Path.Combine(s.Packages.Unpacked(NpmPackageCache.OpenMoji), "data", "openmoji.csv"));
                string folder = Path.Combine(dir, "icons", style == "fluent-flat" ? "flat" : "modern");
                var files = Directory.EnumerateFiles(folder, "*.svg").ToDictionary(f => Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal);
                var map = new Dictionary<string, string>();
                foreach (var e in catalogue)
                    foreach (var candidate in FluentNames(e.Annotation))
                        if (files.TryGetValue(candidate, out var f)) { map.TryAdd(e.Key, f); break; }
                return new SvgEmojiStyle(style, NpmPackageCache.Fluent, dir, map, Path.Combine(dir, "LICENSE"), s.RenderCache, s.RsvgCommand);
            }
            case "noto":
                return NotoEmojiStyle.Open(s.NotoFont);
            default:
                throw new ArgumentException($"unknown emoji style '{style}'; known: {string.Join(", ", Styles)}");
        }
    }

    /// <summary>Fluent file names for a CLDR annotation: "thumbs up: medium-light skin tone" → thumbs-up-medium-light; a base
    /// emoji with tones is "…-default".</summary>
    public static IEnumerable<string> FluentNames(string annotation)
    {
        var sb = new StringBuilder();
        foreach (char c in annotation.ToLowerInvariant().Replace("’", "").Replace("'", ""))
            sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        string slug = string.Join('-', sb.ToString().Split('-', StringSplitOptions.RemoveEmptyEntries));
        if (slug.EndsWith("-skin-tone", StringComparison.Ordinal)) { yield return slug[..^"-skin-tone".Length]; yield break; }
        yield return slug;
        yield return slug + "-default";
    }
}

/// <summary>Noto Color Emoji from the Debian font: the CBDT colour bitmaps (PNG, 136×128), padded square on white.</summary>
public sealed class NotoEmojiStyle : IEmojiStyle
{
    private readonly CbdtFont _font;
    private readonly string _fontPath;
    public string Name => "noto";
    public IReadOnlyCollection<string> Keys { get; }
    public string Attribution => "Noto Color Emoji by Google (https://github.com/googlefonts/noto-emoji), SIL Open Font License 1.1; Debian package fonts-noto-color-emoji";
    public string SourceId => "fonts-noto-color-emoji";

    private NotoEmojiStyle(string fontPath, CbdtFont font)
    {
        (_fontPath, _font) = (fontPath, font);
        Keys = font.Sequences.Keys.ToArray();
    }

    public static NotoEmojiStyle Open(string fontPath)
    {
        if (!File.Exists(fontPath))
            throw new EmojiPackageMissingException($"the Noto Color Emoji font '{fontPath}' is missing: apt-get install fonts-noto-color-emoji (or pass --noto-font)");
        return new NotoEmojiStyle(fontPath, CbdtFont.Read(File.ReadAllBytes(fontPath)));
    }

    public Image<Rgb24> Render(string key, int size)
    {
        using var glyph = Image.Load<Rgba32>(_font.Png(_font.Sequences[key]));
        int side = Math.Max(glyph.Width, glyph.Height);
        using var canvas = new Image<Rgba32>(side, side, new Rgba32(255, 255, 255, 255));
        canvas.Mutate(c => c.DrawImage(glyph, new Point((side - glyph.Width) / 2, (side - glyph.Height) / 2), 1f)
            .Resize(new ResizeOptions { Size = new SixLabors.ImageSharp.Size(size, size), Sampler = KnownResamplers.Bicubic, Mode = ResizeMode.Stretch }));
        return canvas.CloneAs<Rgb24>();
    }

    public void WriteLicence(string dir)
    {
        var text = new StringBuilder().AppendLine(Attribution).AppendLine("SPDX: OFL-1.1").AppendLine();
        const string copyright = "/usr/share/doc/fonts-noto-color-emoji/copyright";
        if (File.Exists(copyright)) text.Append(File.ReadAllText(copyright));
        File.WriteAllText(Path.Combine(dir, "LICENSE-noto.txt"), text.ToString());
    }
}
