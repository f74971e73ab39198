using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Families.StackGan;
using GanService.Training.Metrics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan eval text`: a StackGAN checkpoint on held-out captions. With the run's own jointly trained text and image
/// encoders: the retrieval score (own caption ranked first among N, chance 1/N) of real held-out images, of Stage-I and
/// Stage-II images generated for each caption (seed = item index), and of a text-ignoring baseline (images generated for
/// a different caption, scored against the true one); KID between generated and held-out images on the image encoder's
/// features (with real train vs held-out images as the floor). Writes metrics.json, figure.png (first column the real
/// image, then seeds 0…S−1; the last two rows: Stage I beside Stage II for the first caption) and figure.md (row captions).
/// </summary>
public static class EvalTextCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "stackgan checkpoint folder", Required = true };
        var data = new Option<string>("--data") { Description = "captioned data root (its test/ split is scored)", Required = true };
        var output = new Option<string>("--out") { Description = "folder for metrics.json, figure.png, figure.md", Required = true };
        var candidates = new Option<int>("--candidates") { Description = "captions ranked per image (1 true + N−1 others)", DefaultValueFactory = _ => 10 };
        var rows = new Option<int>("--rows") { Description = "figure rows (captions)", DefaultValueFactory = _ => 8 };
        var seeds = new Option<int>("--seeds") { Description = "figure columns (seeds)", DefaultValueFactory = _ => 8 };
        var cmd = new Command("text", "retrieval score, text-ignoring baseline and KID of a StackGAN checkpoint on held-out captions; the captions × seeds figure")
            { checkpoint, data, output, candidates, rows, seeds };
        cmd.SetAction(parse => ModelArguments.Run(parse, stdout =>
        {
            var report = Run(parse.GetValue(checkpoint)!, parse.GetValue(data)!, parse.GetValue(output)!, parse.GetValue(candidates), parse.GetValue(rows), parse.GetValue(seeds));
            stdout.WriteLine(report);
            return 0;
        }));
        return cmd;
    }

    public static string Run(string checkpoint, string dataRoot, string outDir, int candidates, int figureRows, int figureSeeds)
    {
        using var scope = torch.NewDisposeScope();
        var o = Checkpoint.ReadOptions<StackGanOptions>(checkpoint, StackGanTrainer.Family);
        var (g, encoder, _, _) = StackGanTrainer.Build(o);
        Checkpoint.LoadModule(checkpoint, "G", g);
        Checkpoint.LoadModule(checkpoint, "I", encoder);
        g.eval(); encoder.eval();
        var tokenizer = new TextTokenizer(new TextSpec(o.Vocabulary, o.MaxTokens));
        using var test = CaptionedImages.Load(dataRoot, o.Size, phase: "test");
        using var train = CaptionedImages.Load(dataRoot, o.Size, phase: "train");
        // The first caption of an item (the emoji annotation) is what is asked for; items with no known word are skipped.
        var items = Enumerable.Range(0, (int)test.Count).Where(i => tokenizer.Read(test.Captions[i][0]).Ids.Length > 0).ToList();
        var texts = items.Select(i => test.Captions[i][0]).ToList();
        var keys = texts.Select(t => tokenizer.Read(t).Normalised).ToList();
        using var _ = torch.no_grad();

        Tensor Embed(IReadOnlyList<string> t)
        {
            var (ids, lengths) = CaptionedImages.Tokens(t, tokenizer);
            return g.text.Encode(ids, lengths);
        }
        Tensor Images(Tensor pixels) => encoder.Encode(pixels);
        (Tensor One, Tensor Two) Generate(IReadOnlyList<string> t)
        {
            var ones = new List<Tensor>(); var twos = new List<Tensor>();
            for (int start = 0; start < t.Count; start += 64)
            {
                int n = Math.Min(64, t.Count - start);
                var (ids, lengths) = CaptionedImages.Tokens(t.Skip(start).Take(n).ToList(), tokenizer);
                var seedList = Enumerable.Range(start, n).Select(i => (uint)i).ToArray();
                var z = torch.tensor(SeedLatent.Batch(seedList, g.LatentSize), [n, g.LatentSize]);
                var output = g.Generate(ids, lengths, z);
                ones.Add(output.StageOne); twos.Add(output.StageTwo);
            }
            return (torch.cat(ones, 0), torch.cat(twos, 0));
        }
        Tensor Up(Tensor x) => nn.functional.interpolate(x, [o.Size, o.Size], mode: InterpolationMode.Nearest);

        var textEmb = Embed(texts);
        var truth = Enumerable.Range(0, items.Count).ToList();
        var real = test.Batch(torch.tensor(items.Select(i => (long)i).ToArray()));
        var (one, two) = Generate(texts);
        // Text-ignoring baseline: each image drawn for another item's caption (a fixed derangement), scored against its own.
        var shuffled = Enumerable.Range(0, items.Count).Select(i => texts[(i + items.Count / 2 + 1) % items.Count]).ToList();
        var (_, other) = Generate(shuffled);

        var realEmb = Images(real);
        var twoEmb = Images(two);
        var scores = new Dictionary<string, double>
        {
            ["retrieval_real"] = TextImageRetrieval.Accuracy(realEmb, textEmb, truth, keys, candidates),
            ["retrieval_stage1"] = TextImageRetrieval.Accuracy(Images(Up(one)), textEmb, truth, keys, candidates),
            ["retrieval_stage2"] = TextImageRetrieval.Accuracy(twoEmb, textEmb, truth, keys, candidates),
            ["retrieval_text_ignoring_baseline"] = TextImageRetrieval.Accuracy(Images(other), textEmb, truth, keys, candidates),
            ["retrieval_chance"] = 1.0 / candidates,
        };
        // The floor: as many training images as held-out ones, drawn across the whole (code-point-sorted) training set.
        var trainReal = train.Batch(torch.randperm(train.Count, generator: new torch.Generator(7)).narrow(0, 0, Math.Min(train.Count, items.Count)));
        // Unit-length features: the encoder's embedding scale is arbitrary (the matching loss only sees cosines).
        Tensor Unit(Tensor f) => nn.functional.normalize(f, dim: 1);
        int kidSubset = Math.Min(200, items.Count);
        var (kid, kidStd) = KernelDistance.Compute(Unit(twoEmb), Unit(realEmb), subsets: 50, subsetSize: kidSubset);
        var (kidFloor, kidFloorStd) = KernelDistance.Compute(Unit(Images(trainReal)), Unit(realEmb), subsets: 50, subsetSize: kidSubset);
        scores["kid_stage2_vs_test"] = kid; scores["kid_stage2_vs_test_std"] = kidStd;
        scores["kid_train_vs_test"] = kidFloor; scores["kid_train_vs_test_std"] = kidFloorStd;

        Directory.CreateDirectory(outDir);
        var summary = new Dictionary<string, object>
        {
            ["checkpoint_step"] = File.Exists(Path.Combine(checkpoint, Checkpoint.StateFile)) ? Checkpoint.ReadState(checkpoint).Step : 0,
            ["held_out_captions"] = items.Count, ["candidates"] = candidates, ["scores"] = scores,
            ["features"] = "the run's image encoder (jointly trained with the text encoder by the matching loss), unit length; not Inception",
        };
        File.WriteAllText(Path.Combine(outDir, "metrics.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        WriteFigure(g, tokenizer, test, items, texts, keys, figureRows, figureSeeds, o, outDir);

        var inv = CultureInfo.InvariantCulture;
        return string.Create(inv, $"held-out captions {items.Count}, pick 1 of {candidates} (chance {1.0 / candidates:P0}): real {scores["retrieval_real"]:P1}, " +
            $"Stage I {scores["retrieval_stage1"]:P1}, Stage II {scores["retrieval_stage2"]:P1}, text-ignoring baseline {scores["retrieval_text_ignoring_baseline"]:P1}; " +
            $"KID (image-encoder features) Stage II vs test {kid:F4} ± {kidStd:F4}, train vs test {kidFloor:F4} ± {kidFloorStd:F4}; wrote {outDir}/metrics.json, figure.png, figure.md");
    }

    private static void WriteFigure(StackGanGenerator g, TextTokenizer tokenizer, CaptionedImages test, List<int> items, List<string> texts, List<string> keys,
        int rows, int seeds, StackGanOptions o, string outDir)
    {
        // Rows: the first captions with distinct words, in a fixed shuffle of the held-out items.
        var order = Enumerable.Range(0, items.Count).OrderBy(i => (i * 2654435761u) % 1000003u).ToList();
        var picked = new List<int>();
        foreach (var i in order) if (picked.Count < rows && picked.All(p => keys[p] != keys[i])) picked.Add(i);
        var seedList = Enumerable.Range(0, seeds).Select(i => (uint)i).ToArray();
        var spec = new ImageSpec(3, o.Size, o.Size);
        var tiles = new List<Image<Rgb24>>();
        Image<Rgb24> Tile(Tensor chw) => ImageCodec.FromTensor(chw.contiguous().data<float>().ToArray(), spec);
        var md = new StringBuilder("# StackGAN figure\n\nColumn 1: the held-out emoji; columns 2…: seeds 0…" + (seeds - 1) + ".\n\n| row | caption (words the model reads) |\n|---|---|\n");
        try
        {
            int r = 1;
            foreach (var i in picked)
            {
                var (_, two) = StackGanTrainer.Generate(g, tokenizer, [texts[i]], seedList);
                tiles.Add(Tile(test.Batch(torch.tensor(new long[] { items[i] }))[0]));
                for (int s = 0; s < seeds; s++) tiles.Add(Tile(two[s]));
                md.Append(CultureInfo.InvariantCulture, $"| {r++} | {texts[i]} ({keys[i]}) |\n");
            }
            // Stage I (upsampled) beside Stage II for the first caption.
            var (one0, two0) = StackGanTrainer.Generate(g, tokenizer, [texts[picked[0]]], seedList);
            var up = nn.functional.interpolate(one0, [o.Size, o.Size], mode: InterpolationMode.Nearest);
            tiles.Add(new Image<Rgb24>(o.Size, o.Size, new Rgb24(255, 255, 255)));
            for (int s = 0; s < seeds; s++) tiles.Add(Tile(up[s]));
            tiles.Add(new Image<Rgb24>(o.Size, o.Size, new Rgb24(255, 255, 255)));
            for (int s = 0; s < seeds; s++) tiles.Add(Tile(two0[s]));
            md.Append(CultureInfo.InvariantCulture, $"| {r} | Stage I ({o.StageOneSize}², upsampled) for row 1 |\n| {r + 1} | Stage II ({o.Size}²) for row 1 |\n");
            using var grid = ImageCodec.Grid(tiles, seeds + 1);
            File.WriteAllBytes(Path.Combine(outDir, "figure.png"), ImageCodec.Encode(grid));
            File.WriteAllText(Path.Combine(outDir, "figure.md"), md.ToString());
        }
        finally { foreach (var t in tiles) t.Dispose(); }
    }
}
