using System.CommandLine;
using System.Globalization;
using GanService.Inference;
using GanService.Training.Data;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan eval reconstruction`: how faithfully an encoder model (ALI/BiGAN, AAE) maps held-out images back through
/// G(E(x)) — the mean squared error in the model's [-1, 1] range, and how often a classifier gives x and G(E(x)) the
/// same class (the reconstruction keeps what the image shows, not only its pixels).
/// </summary>
public static class ReconstructionEvalCommand
{
    public static Command Create()
    {
        var model = ModelArguments.Model();
        var models = ModelArguments.Models();
        var features = new Option<string>("--features") { Description = "ONNX classifier with a 'logits' output", DefaultValueFactory = _ => "metrics/fmnist-classifier.onnx" };
        var data = new Option<string>("--data") { Description = "held-out images: the test split of an IDX folder, or an image folder", DefaultValueFactory = _ => IdxDataset.FashionMnistFolder };
        var count = new Option<int>("--count") { Description = "images (the first N of the split)", DefaultValueFactory = _ => 10000 };
        var grid = new Option<string?>("--grid") { Description = "also write a PNG: the first 16 held-out images (rows 1 and 3) over their reconstructions G(E(x)) (rows 2 and 4)" };
        var cmd = new Command("reconstruction", "held-out reconstruction error of an encoder model and the classifier's agreement between x and G(E(x))") { model, models, features, data, count, grid };
        cmd.SetAction(parse => ModelArguments.Run(parse, stdout =>
        {
            using var m = ModelArguments.Open(parse, model, models);
            if (EncoderPipelines.Problem(m) is { } problem) throw new ArgumentException(problem);
            var spec = m.Manifest.Image;
            using var held = EvalCommand.LoadReal(parse.GetValue(data)!, spec);
            int n = (int)Math.Min(parse.GetValue(count), held.Count);
            using var classifier = new FeatureExtractor(parse.GetValue(features)!);
            double squared = 0;
            long agree = 0;
            for (int start = 0; start < n; start += 256)
            {
                using var scope = torch.NewDisposeScope();
                int b = Math.Min(256, n - start);
                var x = held.Batch(torch.arange(start, start + b, dtype: ScalarType.Int64));
                var recon = EncoderPipelines.ReconstructTensor(m, x.data<float>().ToArray(), b, CancellationToken.None);
                var r = torch.tensor(recon.Floats!, recon.Shape);
                squared += (r - x).square().sum().item<float>();
                var (_, lx) = classifier.Run(x, spec);
                var (_, lr) = classifier.Run(r, spec);
                agree += lx!.argmax(1).eq(lr!.argmax(1)).sum().item<long>();
            }
            if (parse.GetValue(grid) is { } gridPath)
            {
                using var scope = torch.NewDisposeScope();
                var x = held.Batch(torch.arange(16, dtype: ScalarType.Int64));
                var recon = EncoderPipelines.ReconstructTensor(m, x.data<float>().ToArray(), 16, CancellationToken.None);
                int per = spec.Channels * spec.Height * spec.Width;
                var originals = x.data<float>().ToArray();
                var tiles = new List<SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>>();
                foreach (int half in new[] { 0, 8 })
                {
                    for (int i = half; i < half + 8; i++) tiles.Add(GanService.Contracts.ImageCodec.FromTensor(originals.AsSpan(i * per, per), spec));
                    for (int i = half; i < half + 8; i++) tiles.Add(GanService.Contracts.ImageCodec.FromTensor(recon.Floats.AsSpan(i * per, per), spec));
                }
                ModelArguments.Write(stdout, gridPath, ImageGrid.Encode(tiles, 8), "16 held-out images over their reconstructions");
            }
            var inv = CultureInfo.InvariantCulture;
            stdout.WriteLine(string.Create(inv, $"model {m.Name}: {n} held-out images"));
            stdout.WriteLine(string.Create(inv, $"reconstruction MSE {squared / ((double)n * spec.Channels * spec.Height * spec.Width):F4} (pixels in [-1, 1])"));
            stdout.WriteLine(string.Create(inv, $"classifier agreement between x and G(E(x)): {(double)agree / n:P1} ({Path.GetFileName(parse.GetValue(features))})"));
            return 0;
        }));
        return cmd;
    }
}
