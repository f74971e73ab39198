using System.CommandLine;
using System.Globalization;
using GanService.Contracts;
using GanService.Inference;
using GanService.Training.Data;
using GanService.Training.Metrics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan eval nearest --model M --data TRAIN_DIR --seeds 0-7 --out grid.png`: the memorisation check — for each generated
/// sample, the training image closest to it in pixels (L1 on RGB in [0, 1], images at the model's size). Each grid row is
/// sample | nearest | second nearest; the distances are printed beside the typical distance between two training images,
/// so a copy (distance far below that) shows.
/// </summary>
public static class EvalNearestCommand
{
    public static Command Create()
    {
        var model = ModelArguments.Model();
        var models = ModelArguments.Models();
        var trunc = ModelArguments.Trunc();
        var data = new Option<string>("--data") { Description = "the training images (a folder; sub-folders are not read)", Required = true };
        var seeds = new Option<string>("--seeds") { Description = "seeds to check", DefaultValueFactory = _ => "0-7" };
        var output = new Option<string>("--out") { Description = "PNG grid: sample | nearest | second nearest per row", Required = true };
        var cmd = new Command("nearest", "memorisation check: the nearest training images (pixel L1) of generated samples") { model, models, trunc, data, seeds, output };
        cmd.SetAction(parse => ModelArguments.Run(parse, stdout =>
        {
            using var m = ModelArguments.Open(parse, model, models);
            var seedList = SeedLatent.ParseSeeds(parse.GetValue(seeds)!);
            var samples = GanPipelines.Generate(m, seedList, new GenerateSettings(parse.GetValue(trunc)), CancellationToken.None);
            int w = m.Manifest.Image.Width, h = m.Manifest.Image.Height;
            var train = ImageFolders.List(parse.GetValue(data)!, "training images").Select(f =>
            {
                using var raw = ImageFolders.Decode(f);
                return (Path: f, Image: ImageCodec.Resize(raw, w, h, ResizePolicy.Stretch));
            }).ToList();
            var tiles = new List<Image<Rgb24>>();
            var inv = CultureInfo.InvariantCulture;
            for (int i = 0; i < samples.Count; i++)
            {
                var ranked = train.Select(t => (t.Path, t.Image, D: ImageSimilarity.L1(samples[i], t.Image))).OrderBy(t => t.D).Take(2).ToArray();
                stdout.WriteLine(string.Create(inv, $"seed {seedList[i]}: nearest {Path.GetFileName(ranked[0].Path)} L1 {ranked[0].D:F4}, then {Path.GetFileName(ranked[1].Path)} {ranked[1].D:F4}"));
                tiles.Add(samples[i]);
                tiles.AddRange(ranked.Select(r => r.Image));
            }
            // Typical distance between training images: each of up to 200 images to its nearest other training image.
            var probe = train.Take(200).Select((t, i) => train.Where((_, j) => j != i).Min(o => ImageSimilarity.L1(t.Image, o.Image))).ToArray();
            stdout.WriteLine(string.Create(inv, $"for scale: a training image's nearest other training image is at L1 {probe.Average():F4} on average (min {probe.Min():F4}) over {probe.Length} images"));
            using (var grid = ImageCodec.Grid(tiles, 3)) grid.SaveAsPng(parse.GetValue(output)!);
            stdout.WriteLine($"wrote {parse.GetValue(output)}");
            foreach (var t in train) t.Image.Dispose();
            foreach (var s in samples) s.Dispose();
            return 0;
        }));
        return cmd;
    }
}
