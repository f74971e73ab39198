using GanService.Training.Data;
using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Metrics;

/// <summary>
/// A small Fashion-MNIST classifier used as the feature extractor for "FID-FMNIST" / "KID-FMNIST" (Fréchet / kernel
/// distance on its 128-d penultimate features — NOT comparable to Inception FID) and to check which class a cGAN
/// sample looks like. Input (B, 1, 32, 32) in [-1, 1] (28² images padded with black, as the GANs see them).
/// Exported with two outputs: <c>features</c> (B, 128) and <c>logits</c> (B, 10).
/// </summary>
public sealed class FashionClassifier : nn.Module, IOnnxGraphModule
{
    public readonly Seq features;
    public readonly Linear head;

    public FashionClassifier(int channels = 1, int width = 16, int featureCount = 128, int classes = 10) : base(nameof(FashionClassifier))
    {
        features = new Seq(
            new Conv2d(channels, width, 3, 1, 1), new BatchNorm2d(width), new ReLU(),            // 32²
            new Conv2d(width, width * 2, 4, 2, 1), new BatchNorm2d(width * 2), new ReLU(),       // 16²
            new Conv2d(width * 2, width * 2, 4, 2, 1), new BatchNorm2d(width * 2), new ReLU(),   // 8²
            new Conv2d(width * 2, width * 4, 4, 2, 1), new BatchNorm2d(width * 4), new ReLU(),   // 4²
            new Flatten(), new Dropout(0.3), new Linear(width * 4 * 16, featureCount), new ReLU());
        head = new Linear(featureCount, classes);
        register_module("features", features);
        register_module("head", head);
    }

    public (Tensor Features, Tensor Logits) Forward(Tensor x)
    {
        var f = features.forward(x);
        return (f, head.forward(f));
    }

    public IReadOnlyList<string> EmitGraph(OnnxGraphBuilder g, IReadOnlyList<string> inputs)
    {
        string f, logits;
        using (g.Scope("features")) f = features.Emit(g, inputs[0]);
        using (g.Scope("head")) logits = head.Emit(g, f);
        return [f, logits];
    }

    public static readonly OnnxIo[] Inputs = [new("image", [-1, 1, 32, 32])];
    public static readonly OnnxIo[] Outputs = [new("features", [-1, 128]), new("logits", [-1, 10])];

    public static double Accuracy(FashionClassifier c, LabelledImageSet test) => Accuracy(c, x => c.Forward(x).Logits, test);

    /// <summary>Held-out accuracy of any classifier <paramref name="c"/> whose logits <paramref name="logits"/> computes
    /// from images in [-1, 1].</summary>
    public static double Accuracy(nn.Module c, Func<Tensor, Tensor> logits, LabelledImageSet test)
    {
        c.eval();
        using var _ = torch.no_grad();
        long correct = 0;
        for (long i = 0; i < test.Count; i += 500)
        {
            using var scope = torch.NewDisposeScope();
            var idx = torch.arange(i, Math.Min(test.Count, i + 500), dtype: ScalarType.Int64);
            var pred = logits(test.Batch(idx)).argmax(1);
            correct += pred.eq(test.BatchLabels(idx)!).sum().item<long>();
        }
        return (double)correct / test.Count;
    }

    /// <summary>Adam 1e-3 (3e-4 in the last epoch when training ≥ 3), batch 128, light augmentation (random horizontal flip); returns test accuracy per epoch.</summary>
    public static List<double> Train(FashionClassifier c, LabelledImageSet train, LabelledImageSet test, int epochs, TextWriter log, int seed = 0) =>
        Train(c, x => c.Forward(x).Logits, train, test, epochs, log, seed);

    /// <summary>The same recipe for any classifier <paramref name="c"/> whose logits <paramref name="logits"/> computes
    /// from images in [-1, 1] (the super-resolution perceptual network's).</summary>
    public static List<double> Train(nn.Module c, Func<Tensor, Tensor> logits, LabelledImageSet train, LabelledImageSet test, int epochs, TextWriter log, int seed = 0)
    {
        torch.manual_seed(seed);
        var opt = new Training.ScalarSafeAdam(c.parameters(), 1e-3);
        var accs = new List<double>();
        var gen = new torch.Generator((ulong)seed);
        for (int e = 0; e < epochs; e++)
        {
            // 1e-3, then ÷3 for the last epoch of a run of three or more (a small step-down settles the last point or so).
            if (epochs >= 3 && e == epochs - 1) foreach (var group in opt.ParamGroups) group.LearningRate = 3e-4;
            c.train();
            using var perm = torch.randperm(train.Count, generator: gen);
            int batch = 128;
            for (long i = 0; i + batch <= train.Count; i += batch)
            {
                using var scope = torch.NewDisposeScope();
                var idx = perm.narrow(0, i, batch);
                var x = train.Batch(idx);
                if (torch.rand(1).item<float>() < 0.5f) x = x.flip(3);
                var loss = nn.functional.cross_entropy(logits(x), train.BatchLabels(idx)!);
                opt.zero_grad();
                loss.backward();
                opt.step();
                if (i / batch % 100 == 0) log.WriteLine($"epoch {e + 1} step {i / batch}: loss {loss.item<float>():F3}");
            }
            accs.Add(Accuracy(c, logits, test));
            log.WriteLine($"epoch {e + 1}: test accuracy {accs[^1]:P2}");
        }
        return accs;
    }
}
