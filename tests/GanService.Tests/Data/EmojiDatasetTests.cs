using System.Formats.Tar;
using System.IO.Compression;
using GanService.Training.Data;
using GanService.Training.Data.Emoji;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.Data;

/// <summary>The emoji dataset builder on tiny fixture styles (no npm, no renderer): keys, the split by code point,
/// layouts, captions, and the messages when a package is missing.</summary>
public sealed class EmojiDatasetTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gan-emoji-").FullName;

    public void Dispose() { if (Directory.Exists(_root)) Directory.Delete(_root, true); }

    /// <summary>A style that draws each emoji as a flat colour derived from its key and the style's name.</summary>
    private sealed class FlatStyle(string name, IEnumerable<string> keys) : IEmojiStyle
    {
        public string Name => name;
        public IReadOnlyCollection<string> Keys { get; } = keys.ToArray();
        public string Attribution => $"fixture {name}";
        public string SourceId => $"fixture-{name}";
        public Image<Rgb24> Render(string key, int size)
        {
            int h = (key + name).GetHashCode(StringComparison.Ordinal);
            return new Image<Rgb24>(size, size, new Rgb24((byte)h, (byte)(h >> 8), (byte)(h >> 16)));
        }
        public void WriteLicence(string dir) => File.WriteAllText(Path.Combine(dir, $"LICENSE-{name}.txt"), "fixture");
    }

    /// <summary>Keys 1f300…1f3ff and a few skin-tone sequences: enough that about a tenth land in test.</summary>
    private static string[] ManyKeys() =>
        [.. Enumerable.Range(0x1F300, 256).Select(cp => cp.ToString("x")), "1f44d-1f3fb", "1f44d-1f3fd", "1f44d"];

    private static string[] Names(string dir) => Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Theory]
    [InlineData("00A9", "a9")]
    [InlineData("2764-FE0F", "2764")]
    [InlineData("1F468-200D-1F469-200D-1F467", "1f468-200d-1f469-200d-1f467")]
    [InlineData("1f600", "1f600")]
    public void Keys_spell_openmoji_and_twemoji_names_the_same(string hex, string key) => Assert.Equal(key, EmojiKey.FromHex(hex));

    [Fact]
    public void Split_is_a_fixed_function_of_the_code_points_holding_out_about_a_tenth()
    {
        var keys = ManyKeys();
        var first = keys.Where(EmojiKey.IsTest).ToArray();
        Assert.Equal(first, keys.Reverse().Where(EmojiKey.IsTest).Reverse().ToArray());
        double fraction = first.Length / (double)keys.Length;
        Assert.InRange(fraction, 0.05, 0.15);
        // The split must never move between builds or machines: FNV-1a-32 computed independently (Python) —
        // "1f305" → 1f305 % 10 == 0 and "1f30e" are test; "1f600" (hash 2629317736) and "1f44d" (790270174) are not;
        // the skin-tone variants follow their base.
        Assert.True(EmojiKey.IsTest("1f305"));
        Assert.True(EmojiKey.IsTest("1f30e"));
        Assert.False(EmojiKey.IsTest("1f600"));
        Assert.False(EmojiKey.IsTest("1f44d-1f3fb"));
        Assert.Equal(EmojiKey.IsTest("1f305"), EmojiKey.IsTest("1f305-1f3ff"));
        Assert.Equal("1f469-200d-1f3ed", EmojiKey.SplitGroup("1f469-1f3fd-200d-1f3ed"));
    }

    [Fact]
    public void Domains_hold_out_the_same_code_points_in_every_style_and_never_train_on_them()
    {
        var keys = ManyKeys();
        var styles = new IEmojiStyle[]
        {
            new FlatStyle("a", keys), new FlatStyle("b", keys.Where((_, i) => i % 3 != 0)), new FlatStyle("c", keys.Where((_, i) => i % 5 != 1)),
        };
        var r = EmojiDatasets.Domains(styles, _root, 8, parallelism: 2);
        var expected = styles.Skip(1).Aggregate((IEnumerable<string>)styles[0].Keys, (acc, s) => acc.Intersect(s.Keys))
            .Where(EmojiKey.IsTest).Select(k => k + ".png").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(expected);
        foreach (var s in styles)
        {
            Assert.Equal(expected, Names(Path.Combine(_root, "test", s.Name)));
            var train = Names(Path.Combine(_root, "train", s.Name));
            Assert.Empty(train.Intersect(expected));
            Assert.Equal(s.Keys.Count(k => !EmojiKey.IsTest(k)), train.Length);
            Assert.True(File.Exists(Path.Combine(_root, $"LICENSE-{s.Name}.txt")));
        }
        Assert.Equal(expected.Length * 3, r.Test);
        Assert.Contains("fixture b", File.ReadAllText(Path.Combine(_root, "ATTRIBUTION.md")));
    }

    [Fact]
    public void Unaligned_test_folders_pair_the_same_emoji_by_file_name_and_aligned_pairs_match()
    {
        var keys = ManyKeys();
        var a = new FlatStyle("a", keys.Take(200));
        var b = new FlatStyle("b", keys.Skip(50));
        EmojiDatasets.Unaligned(a, b, Path.Combine(_root, "u"), 8);
        Assert.Equal(Names(Path.Combine(_root, "u", "testA")), Names(Path.Combine(_root, "u", "testB")));
        Assert.Empty(Names(Path.Combine(_root, "u", "trainA")).Intersect(Names(Path.Combine(_root, "u", "testB"))));
        EmojiDatasets.Aligned(a, b, Path.Combine(_root, "p"), 8);
        Assert.Equal(Names(Path.Combine(_root, "p", "test", "A")), Names(Path.Combine(_root, "u", "testA")));
        Assert.Equal(Names(Path.Combine(_root, "p", "train", "A")), Names(Path.Combine(_root, "p", "train", "B")));
        // The aligned folder is what AlignedDataset reads.
        var ds = new AlignedDataset(Path.Combine(_root, "p"), new ImageTransform(8, 8, Flip: false));
        Assert.Equal(Names(Path.Combine(_root, "p", "train", "A")).Length, ds.Count);
    }

    [Fact]
    public void Building_twice_gives_byte_identical_files()
    {
        var s = new FlatStyle("a", ManyKeys().Take(40));
        EmojiDatasets.Aligned(s, new FlatStyle("b", ManyKeys().Take(40)), Path.Combine(_root, "1"), 8);
        EmojiDatasets.Aligned(s, new FlatStyle("b", ManyKeys().Take(40)), Path.Combine(_root, "2"), 8);
        foreach (var f in Directory.GetFiles(Path.Combine(_root, "1"), "*", SearchOption.AllDirectories))
            Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(f.Replace(Path.Combine(_root, "1"), Path.Combine(_root, "2"))));
    }

    private const string Csv =
        "emoji,hexcode,group,subgroups,annotation,tags,openmoji_tags,openmoji_author\n" +
        "😀,1F600,smileys-emotion,face-smiling,grinning face,\"face, grin, happy, face\",\"smile, happy\",Emily\n" +
        "❤️,2764-FE0F,smileys-emotion,heart,red heart,\"heart, \"\"love\"\"\",,Emily\r\n" +
        "👍🏻,1F44D-1F3FB,people-body,hand-fingers-closed,thumbs up: light skin tone,\"+1, hand, thumb, up\",,Emily\n";

    [Fact]
    public void Openmoji_csv_rows_become_captions_of_annotation_tags_and_group_words()
    {
        var rows = OpenMojiCatalogue.Parse(Csv);
        Assert.Equal(3, rows.Count);
        Assert.Equal("1f600", rows[0].Key);
        Assert.Equal("grinning face, face, grin, happy, smileys emotion, face smiling", rows[0].Caption);
        Assert.Equal(["heart", "\"love\""], rows[1].Tags);
        Assert.Equal("2764", rows[1].Key);
        Assert.Equal("thumbs up: light skin tone, +1, hand, thumb, up, people body, hand fingers closed", rows[2].Caption);
    }

    [Fact]
    public void Captions_layout_writes_a_tsv_that_reads_back_per_split()
    {
        var rows = OpenMojiCatalogue.Parse(Csv);
        var style = new FlatStyle("openmoji", rows.Select(r => r.Key));
        var r = EmojiDatasets.Captions(style, rows, _root, 8);
        var all = EmojiCaptionSet.Read(_root, "train").Concat(r.Test > 0 ? EmojiCaptionSet.Read(_root, "test") : []).ToArray();
        Assert.Equal(3, all.Length);
        Assert.Equal(r.Train, EmojiCaptionSet.Read(_root, "train").Count);
        var grin = Assert.Single(all, c => c.Key == "1f600");
        Assert.Equal("grinning face", grin.Annotation);
        Assert.Equal(rows[0].Caption, grin.Caption);
        Assert.True(File.Exists(grin.File));
        Assert.All(all, c => Assert.Equal(EmojiKey.IsTest(c.Key), c.File.Contains($"{Path.DirectorySeparatorChar}test{Path.DirectorySeparatorChar}")));
    }

    [Fact]
    public void Groups_layout_puts_each_emoji_in_its_group_folder_on_its_side_of_the_split_and_leaves_components_out()
    {
        var rows = OpenMojiCatalogue.Parse(Csv + "🏻,1F3FB,component,skin-tone,light skin tone,,,Emily\n");
        var style = new FlatStyle("openmoji", rows.Select(r => r.Key));
        var r = EmojiDatasets.Groups(style, rows, _root, 8);
        Assert.Equal(3, r.Train + r.Test);
        foreach (var (key, group) in new[] { ("1f600", "smileys-emotion"), ("2764", "smileys-emotion"), ("1f44d-1f3fb", "people-body") })
        {
            string split = EmojiKey.IsTest(key) ? "test" : "train";
            Assert.True(File.Exists(Path.Combine(_root, split, group, key + ".png")), $"{split}/{group}/{key}.png");
        }
        Assert.False(Directory.Exists(Path.Combine(_root, "train", "component")));
        Assert.False(Directory.Exists(Path.Combine(_root, "test", "component")));
        Assert.Contains("\"layout\": \"groups\"", File.ReadAllText(Path.Combine(_root, "dataset.json")));
    }

    [Theory]
    [InlineData("thumbs up: medium-light skin tone", "thumbs-up-medium-light")]
    [InlineData("man’s shoe", "mans-shoe")]
    [InlineData("face with symbols on mouth", "face-with-symbols-on-mouth")]
    public void Fluent_file_names_follow_the_cldr_annotation(string annotation, string name) =>
        Assert.Equal(name, EmojiSources.FluentNames(annotation).First());

    [Fact]
    public void A_missing_npm_package_names_the_install_command()
    {
        var cache = new NpmPackageCache(Path.Combine(_root, "cache"), npmCommand: Path.Combine(_root, "no-such-npm"));
        var e = Assert.Throws<EmojiPackageMissingException>(() => cache.Unpacked(NpmPackageCache.Twemoji));
        Assert.Contains("npm pack @discordapp/twemoji@16.0.1", e.Message);
        var noto = Assert.Throws<EmojiPackageMissingException>(() => NotoEmojiStyle.Open(Path.Combine(_root, "NoSuchEmoji.ttf")));
        Assert.Contains("apt-get install fonts-noto-color-emoji", noto.Message);
    }

    [Fact]
    public void The_datasets_command_reports_a_missing_noto_font_with_its_apt_package()
    {
        var (exit, _, err) = GanService.Tests.Cli.CommandRunner.Run(GanService.Cli.Commands.DatasetsCommand.Create(),
            "emoji", "--layout", "unaligned", "--a", "noto", "--b", "noto", "--out", Path.Combine(_root, "o"));
        Assert.Equal(2, exit);
        Assert.Contains("--a and --b must be different", err);
        (exit, _, err) = GanService.Tests.Cli.CommandRunner.Run(GanService.Cli.Commands.DatasetsCommand.Create(),
            "emoji", "--layout", "domains", "--styles", "noto,noto-again", "--noto-font", Path.Combine(_root, "none.ttf"), "--out", Path.Combine(_root, "o"));
        Assert.Equal(3, exit);
        Assert.Contains("apt-get install fonts-noto-color-emoji", err);
    }

    [Fact]
    public void A_cached_tarball_is_unpacked_without_npm()
    {
        var cache = Path.Combine(_root, "cache");
        Directory.CreateDirectory(cache);
        using (var file = File.Create(Path.Combine(cache, NpmPackageCache.OpenMoji.TarballName)))
        using (var gz = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gz))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "package/data/openmoji.csv") { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Csv)) };
            tar.WriteEntry(entry);
        }
        var dir = new NpmPackageCache(cache, npmCommand: Path.Combine(_root, "no-such-npm")).Unpacked(NpmPackageCache.OpenMoji);
        Assert.Equal(3, OpenMojiCatalogue.Read(Path.Combine(dir, "data", "openmoji.csv")).Count);
    }
}
