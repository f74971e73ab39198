using GanService.Training.Data;
using GanService.Training.Layers;
using GanService.Training.Metrics;

namespace GanService.Training.Families.SrGan;

/// <summary>
/// The feature network of the SRGAN/ESRGAN perceptual loss. The papers compare VGG19 features (ESRGAN: conv5_4 before its
/// ReLU, L1); no VGG (or any ImageNet) weights can be downloaded where this project trains, so the features come from a
/// small VGG-shaped network trained here (<c>gan train-perceptual</c>: OpenMoji group classification on the emoji
/// training split) and frozen during super-resolution training. It is deliberately not one of the metrics/ classifiers,
/// so the feature distance `gan eval upscale` reports stays independent of what the generator was trained against.
/// VGG-BN's shape: two 3×3 convs per stage, each followed by BatchNorm (VGG19-BN; without it this small network, trained a
/// few epochs, only learnt the class prior) and ReLU, a 2×2 max-pool between stages, widths w, 2w, 4w; the features are
/// the last conv's normalised output before its ReLU (as ESRGAN takes VGG's, which keeps the negative responses the ReLU
/// would zero), (B, 4w, H/4, W/4) — fully convolutional, so it runs on any crop. Frozen, it runs in eval mode (BatchNorm's
/// running statistics: a fixed affine map per channel). Input RGB in [0, 1] (the super-resolution range).
/// Children conv1_1 … conv3_2 and bn1_1 … bn3_2 (the checkpoint keys of the saved features).
/// </summary>
public sealed class PerceptualFeatures : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d conv1_1, conv1_2, conv2_1, conv2_2, conv3_1, conv3_2;
    public readonly BatchNorm2d bn1_1, bn1_2, bn2_1, bn2_2, bn3_1, bn3_2;

    public PerceptualFeatures(long channels = 3, long width = 16) : base(nameof(PerceptualFeatures))
    {
        conv1_1 = new Conv2d(channels, width, 3, padding: 1, bias: false);
        bn1_1 = new BatchNorm2d(width);
        conv1_2 = new Conv2d(width, width, 3, padding: 1, bias: false);
        bn1_2 = new BatchNorm2d(width);
        conv2_1 = new Conv2d(width, width * 2, 3, padding: 1, bias: false);
        bn2_1 = new BatchNorm2d(width * 2);
        conv2_2 = new Conv2d(width * 2, width * 2, 3, padding: 1, bias: false);
        bn2_2 = new BatchNorm2d(width * 2);
        conv3_1 = new Conv2d(width * 2, width * 4, 3, padding: 1, bias: false);
        bn3_1 = new BatchNorm2d(width * 4);
        conv3_2 = new Conv2d(width * 4, width * 4, 3, padding: 1, bias: false);
        bn3_2 = new BatchNorm2d(width * 4);
        Width = width;
        RegisterComponents();
    }

    public long Width { get; }

    /// <summary>(B, C, H, W) in [0, 1] → (B, 4w, H/4, W/4), before the last ReLU.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var f = bn1_2.forward(conv1_2.forward(bn1_1.forward(conv1_1.forward(x)).relu())).relu();
        f = nn.functional.max_pool2d(f, 2);
        f = bn2_2.forward(conv2_2.forward(bn2_1.forward(conv2_1.forward(f)).relu())).relu();
        f = nn.functional.max_pool2d(f, 2);
        return bn3_2.forward(conv3_2.forward(bn3_1.forward(conv3_1.forward(f)).relu())).MoveToOuterDisposeScope();
    }

    /// <summary>The frozen feature network of a run: its saved weights, no gradients to its own parameters.</summary>
    public static PerceptualFeatures Load(string path, long channels = 3, long width = 16)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"feature network '{path}' not found (write one with `gan train-perceptual`)", path);
        var f = new PerceptualFeatures(channels, width);
        f.load(path);
        Freeze(f);
        return f;
    }

    /// <summary>No gradients to its parameters, eval mode (BatchNorm's running statistics, never updated).</summary>
    public static void Freeze(PerceptualFeatures f)
    {
        foreach (var p in f.parameters()) p.requires_grad = false;
        f.eval();
    }
}

/// <summary>
/// <see cref="PerceptualFeatures"/> with a classification head (ReLU, global average pool, Linear to the classes), the
/// network `gan train-perceptual` trains; only the features are saved.
/// </summary>
public sealed class PerceptualClassifier : nn.Module<Tensor, Tensor>
{
    public readonly PerceptualFeatures features;
    public readonly Linear head;

    public PerceptualClassifier(int classes, long channels = 3, long width = 16) : base(nameof(PerceptualClassifier))
    {
        features = new PerceptualFeatures(channels, width);
        head = new Linear(width * 4, classes);
        RegisterComponents();
    }

    /// <summary>(B, C, H, W) in [0, 1] → (B, classes) logits.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return head.forward(features.forward(x).relu().mean([2, 3])).MoveToOuterDisposeScope();
    }

    /// <summary>Trains on class folders (images as <see cref="LabelledImageSet"/> gives them, [-1, 1], mapped to [0, 1]) with
    /// the metrics classifiers' recipe (<see cref="FashionClassifier.Train(nn.Module, Func{Tensor, Tensor}, LabelledImageSet, LabelledImageSet, int, TextWriter, int)"/>);
    /// returns the held-out accuracy per epoch.</summary>
    public List<double> Train(LabelledImageSet train, LabelledImageSet test, int epochs, TextWriter log, int seed = 0) =>
        FashionClassifier.Train(this, x => forward(x * 0.5f + 0.5f), train, test, epochs, log, seed);
}
