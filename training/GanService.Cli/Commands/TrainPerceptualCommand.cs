using System.CommandLine;
using System.Globalization;
using GanService.Training.Data;
using GanService.Training.Families.SrGan;
using GanService.Training.Platform;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan train-perceptual --data DIR --out FILE`: the feature network of the srgan family's perceptual loss (the papers use
/// VGG19, whose weights cannot be downloaded here): a small VGG-shaped classifier trained on class folders — the OpenMoji
/// groups of `gan datasets emoji --layout groups` — whose feature layers are saved for `gan train srgan --feature-net FILE`.
/// It is not one of the metrics/ classifiers, so `gan eval upscale`'s feature distance stays independent of training.
/// </summary>
public static class TrainPerceptualCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "class folders DIR/train/<class>, DIR/test/<class> (gan datasets emoji --layout groups)", Required = true };
        var output = new Option<string>("--out") { Description = "where to write the feature weights (TorchSharp .weights)", Required = true };
        var size = new Option<int>("--size") { Description = "image size the classifier trains at", DefaultValueFactory = _ => 64 };
        var width = new Option<int>("--width") { Description = "channels of the first stage (then 2×, 4×); srgan's featureWidth", DefaultValueFactory = _ => 16 };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 8 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var threads = new Option<int?>("--threads") { Description = "libtorch threads" };
        var cmd = new Command("train-perceptual", "train the feature network of the srgan perceptual loss (a small classifier on class folders; its features are saved)")
            { data, output, size, width, epochs, seed, threads };
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(threads) is { } n) torch.set_num_threads(n);
            ConvolutionBackend.Ensure();
            string root = parse.GetValue(data)!;
            int px = parse.GetValue(size);
            using var train = ImageFolderDataset.Load(Path.Combine(root, "train"), px, 3);
            using var test = ImageFolderDataset.Load(Path.Combine(root, "test"), px, 3);
            if (!train.ClassNames.SequenceEqual(test.ClassNames))
                throw new ArgumentException($"train/ has classes {string.Join(",", train.ClassNames)}, test/ has {string.Join(",", test.ClassNames)}");
            int seedValue = parse.GetValue(seed);
            torch.manual_seed(seedValue);
            using var classifier = new PerceptualClassifier(train.ClassNames.Length, 3, parse.GetValue(width));
            var stdout = parse.InvocationConfiguration.Output;
            var accuracy = classifier.Train(train, test, parse.GetValue(epochs), stdout, seedValue);
            string path = parse.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            classifier.features.save(path);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {path}: features of a {train.ClassNames.Length}-class classifier ({string.Join(", ", train.ClassNames)}), {train.Count} training images at {px}², held-out accuracy {accuracy[^1]:P1}"));
            return 0;
        });
        return cmd;
    }
}
