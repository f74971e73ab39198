using System.CommandLine;
using GanService.Training.Data;
using GanService.Training.Data.Emoji;
using GanService.Training.Families.StackGan;

namespace GanService.Cli.Commands;

/// <summary>`gan datasets shapes|emoji|emoji-captions --out DIR`: deterministic datasets (synthetic shapes; emoji rendered
/// from the npm / Debian packages of ../shared/DATA.md).</summary>
public static class DatasetsCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "folder to write", Required = true };
        var layout = new Option<string>("--layout") { Description = "aligned (pix2pix A|B: outline → coloured fill), unaligned (CycleGAN trainA red / trainB blue), domains (StarGAN train/blue|green|red), captions (StackGAN train/ and test/ with captions.tsv: \"red circle\", \"a blue square\", …)", DefaultValueFactory = _ => "aligned" };
        var count = new Option<int>("--count") { Description = "training images (per domain for unaligned)", DefaultValueFactory = _ => 400 };
        var testCount = new Option<int>("--test-count") { Description = "test images (aligned / unaligned)", DefaultValueFactory = _ => 16 };
        var size = new Option<int>("--size") { Description = "image size in pixels", DefaultValueFactory = _ => 64 };
        var seed = new Option<int>("--seed") { Description = "the same seed gives byte-identical files", DefaultValueFactory = _ => 0 };
        var shapes = new Command("shapes", "circles, squares and triangles on white (circle red, square blue, triangle green); every file is a function of (seed, index)")
        {
            output, layout, count, testCount, size, seed,
        };
        shapes.SetAction(parse =>
        {
            try
            {
                int n;
                if (parse.GetValue(layout) == "captions")
                {
                    // Any colour with any shape, so a caption's two words are independent (the text-to-image learning set).
                    using var train = CaptionedImages.Shapes(parse.GetValue(count), parse.GetValue(size), parse.GetValue(seed));
                    using var test = CaptionedImages.Shapes(parse.GetValue(testCount), parse.GetValue(size), parse.GetValue(seed) + 1);
                    train.Save(Path.Combine(parse.GetValue(output)!, "train"));
                    test.Save(Path.Combine(parse.GetValue(output)!, "test"));
                    n = (int)(train.Count + test.Count);
                }
                else n = SyntheticShapes.Write(parse.GetValue(output)!, parse.GetValue(layout)!, parse.GetValue(count), parse.GetValue(size),
                    parse.GetValue(seed), parse.GetValue(testCount));
                Console.WriteLine($"wrote {n} images to {parse.GetValue(output)}");
                return 0;
            }
            catch (ArgumentException e) { Console.Error.WriteLine($"error: {e.Message}"); return 2; }
        });
        return new Command("datasets", "build datasets: synthetic shapes, emoji styles, emoji with captions") { shapes, Emoji(), EmojiCaptions() };
    }

    private static readonly Option<string> EmojiCache = new("--cache") { Description = "where npm package tarballs, their unpacked files and rendered PNGs are kept (default: $XDG_CACHE_HOME/gan-service/emoji)" };
    private static readonly Option<string> NotoFont = new("--noto-font") { Description = "Noto Color Emoji font (Debian: fonts-noto-color-emoji)", DefaultValueFactory = _ => EmojiSources.NotoFontDefault };
    private static readonly Option<int> Jobs = new("--jobs") { Description = "images rendered at once", DefaultValueFactory = _ => 2 };

    private static EmojiSources.Settings Settings(System.CommandLine.ParseResult parse) =>
        new(new NpmPackageCache(parse.GetValue(EmojiCache) is { Length: > 0 } c ? c : NpmPackageCache.DefaultCacheDir()), parse.GetValue(NotoFont)!);

    private static Command Emoji()
    {
        var output = new Option<string>("--out") { Description = "folder to write", Required = true };
        var layout = new Option<string>("--layout") { Description = "aligned (pix2pix: train|test/A, B), unaligned (CycleGAN: trainA, trainB, testA, testB), domains (StarGAN: train|test/<style>), groups (OpenMoji colour, train|test/<group>: the classes of the emoji content classifier), sr (super-resolution: train|test/HR at --size and LR, HR downsampled ×--scale bicubic; style --a)", DefaultValueFactory = _ => "aligned" };
        var scale = new Option<int>("--scale") { Description = "sr: how many times smaller LR is than HR", DefaultValueFactory = _ => 4 };
        var degrade = new Option<bool>("--degrade") { Description = "sr: LR degraded as Real-ESRGAN does (blur σ 0.2–3, bicubic, noise σ 1–30/255, JPEG quality 30–95; seeded per file, parameters in LR/degradations.csv)" };
        var degradeSeed = new Option<int>("--degrade-seed") { Description = "sr --degrade: the seed the per-file draws start from", DefaultValueFactory = _ => 0 };
        var source = new Option<string>("--source") { Description = "aligned pair: openmoji-line2color (A = OpenMoji line art, B = OpenMoji colour)", DefaultValueFactory = _ => "openmoji-line2color" };
        var a = new Option<string>("--a") { Description = "unaligned: style of domain A (" + string.Join(", ", EmojiSources.Styles) + ")", DefaultValueFactory = _ => "openmoji" };
        var b = new Option<string>("--b") { Description = "unaligned: style of domain B", DefaultValueFactory = _ => "twemoji" };
        var styles = new Option<string>("--styles") { Description = "domains: comma-separated styles", DefaultValueFactory = _ => "openmoji,twemoji,fluent-flat,noto" };
        var size = new Option<int>("--size") { Description = "image size in pixels", DefaultValueFactory = _ => 64 };
        var cmd = new Command("emoji", "emoji drawn in several styles (OpenMoji colour and line art, Twemoji, Fluent flat/modern, Noto), on white, split by code point: "
            + "the same emoji are held out in every style")
        { output, layout, source, a, b, styles, size, scale, degrade, degradeSeed, EmojiCache, NotoFont, Jobs };
        cmd.SetAction(parse => RunEmoji(parse, () =>
        {
            var s = Settings(parse);
            string outDir = parse.GetValue(output)!;
            int px = parse.GetValue(size), jobs = parse.GetValue(Jobs);
            if (px < 8) throw new ArgumentException("--size must be at least 8");
            return parse.GetValue(layout) switch
            {
                "aligned" => parse.GetValue(source) == "openmoji-line2color"
                    ? EmojiDatasets.Aligned(EmojiSources.Open("openmoji-line", s), EmojiSources.Open("openmoji", s), outDir, px, jobs, Console.Out)
                    : throw new ArgumentException($"unknown --source '{parse.GetValue(source)}'; known: openmoji-line2color"),
                "unaligned" => parse.GetValue(a) == parse.GetValue(b)
                    ? throw new ArgumentException("--a and --b must be different styles")
                    : EmojiDatasets.Unaligned(EmojiSources.Open(parse.GetValue(a)!, s), EmojiSources.Open(parse.GetValue(b)!, s), outDir, px, jobs, Console.Out),
                "domains" => EmojiDatasets.Domains(parse.GetValue(styles)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(n => EmojiSources.Open(n, s)).ToArray() is { Length: >= 2 } list ? list : throw new ArgumentException("--styles needs at least two styles"),
                    outDir, px, jobs, Console.Out),
                "groups" => Groups(s, outDir, px, jobs),
                "sr" => EmojiDatasets.SuperResolution(EmojiSources.Open(parse.GetValue(a)!, s), outDir, px, parse.GetValue(scale), jobs, Console.Out,
                    parse.GetValue(degrade) ? parse.GetValue(degradeSeed) : null),
                var l => throw new ArgumentException($"unknown --layout '{l}'; known: aligned, unaligned, domains, groups, sr"),
            };
        }, parse.GetValue(output)!));
        return cmd;
    }

    private static Command EmojiCaptions()
    {
        var output = new Option<string>("--out") { Description = "folder to write", Required = true };
        var size = new Option<int>("--size") { Description = "image size in pixels", DefaultValueFactory = _ => 64 };
        var cmd = new Command("emoji-captions", "OpenMoji colour emoji on white with captions (annotation, tags, group and subgroup words) in train|test/captions.tsv, split by emoji")
        { output, size, EmojiCache, NotoFont, Jobs };
        cmd.SetAction(parse => RunEmoji(parse, () =>
        {
            var (colour, catalogue) = OpenMoji(Settings(parse));
            return EmojiDatasets.Captions(colour, catalogue, parse.GetValue(output)!, parse.GetValue(size), parse.GetValue(Jobs), Console.Out);
        }, parse.GetValue(output)!));
        return cmd;
    }

    /// <summary>OpenMoji's colour drawings and its catalogue (group, subgroup, annotation, tags of every emoji).</summary>
    private static (IEmojiStyle Colour, IReadOnlyList<OpenMojiEntry> Catalogue) OpenMoji(EmojiSources.Settings s)
    {
        var colour = EmojiSources.Open("openmoji", s);
        return (colour, OpenMojiCatalogue.Read(Path.Combine(((SvgEmojiStyle)colour).PackageDir, "data", "openmoji.csv")));
    }

    private static EmojiDatasets.Result Groups(EmojiSources.Settings s, string outDir, int size, int jobs)
    {
        var (colour, catalogue) = OpenMoji(s);
        return EmojiDatasets.Groups(colour, catalogue, outDir, size, jobs, Console.Out);
    }

    private static int RunEmoji(System.CommandLine.ParseResult parse, Func<EmojiDatasets.Result> build, string outDir)
    {
        var error = parse.InvocationConfiguration.Error;
        try
        {
            var r = build();
            parse.InvocationConfiguration.Output.WriteLine($"wrote {r.Train} training and {r.Test} test images to {outDir}");
            return 0;
        }
        catch (EmojiPackageMissingException e) { error.WriteLine($"error: {e.Message}"); return 3; }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DatasetLayoutException) { error.WriteLine($"error: {e.Message}"); return 2; }
    }
}
