using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.StackGan;

/// <summary>
/// Conditioning Augmentation (Zhang et al. 2017 §3.1): the sentence embedding → μ and log σ² (one Linear, split in
/// halves), ĉ = μ + σ ⊙ ε with ε ~ N(0, I); the KL term to N(0, I) keeps the conditioning manifold smooth. The PyTorch
/// port puts a ReLU on both halves, which keeps σ ≥ 1; here they are linear (as log σ is in the TensorFlow original).
/// </summary>
public sealed class ConditioningAugmentation : nn.Module
{
    public readonly Linear fc;   // T → 2C
    public int Dim { get; }

    public ConditioningAugmentation(int textDim, int dim) : base(nameof(ConditioningAugmentation))
    {
        Dim = dim;
        fc = new Linear(textDim, 2L * dim);
        RegisterComponents();
    }

    public (Tensor Mu, Tensor LogVar) Encode(Tensor text)
    {
        var x = fc.forward(text);
        return (x.narrow(1, 0, Dim), x.narrow(1, Dim, Dim));
    }

    /// <summary>ĉ = μ + exp(½ log σ²) ⊙ ε; ε (B, C) is given, so the same seed gives the same ĉ.</summary>
    public static Tensor Sample(Tensor mu, Tensor logVar, Tensor eps) => mu + eps * (logVar * Scalars.Of(0.5)).exp();

    /// <summary>KL(N(μ, σ²) ‖ N(0, I)) per dimension, averaged over batch and dimensions, as the reference's KL_loss
    /// (a mean, not a sum over the C dims: summed, λ_KL = 2 drowns the text in ε and the generator ignores it).</summary>
    public static Tensor Kl(Tensor mu, Tensor logVar) =>
        ((mu.square() + logVar.exp() - logVar - 1) * Scalars.Of(0.5)).mean();

    public string Emit(OnnxGraphBuilder g, string text, string eps)
    {
        string x;
        using (g.Scope("fc")) x = fc.Emit(g, text);
        var mu = StackGanGraph.Slice(g, x, 0, Dim);
        var logVar = StackGanGraph.Slice(g, x, Dim, 2 * Dim);
        var std = g.Node("Exp", [g.Node("Mul", [logVar, g.Scalar("half", 0.5f)])]);
        return g.Node("Add", [mu, g.Node("Mul", [eps, std])]);
    }
}

/// <summary>Stage-I generator: [z, ĉ] → Linear → BN → ReLU → (g, 4, 4) → upsampling blocks (nearest ×2, 3×3 conv, BN,
/// ReLU) halving the width → 3×3 conv to RGB → Tanh. (B, Z + C) → (B, 3, S, S), S = 4·2^blocks.</summary>
public static class StackGanBlocks
{
    public static Seq UpBlock(long inC, long outC) =>
        new(new Upsample(2, UpsampleMethod.Nearest), new Conv2d(inC, outC, 3, 1, 1, bias: false), new BatchNorm2d(outC), new ReLU());

    /// <summary>The paper's residual block: ReLU(x + [conv, BN, ReLU, conv, BN](x)).</summary>
    public static Seq ResBlock(long c) =>
        new(new Residual(new Seq(new Conv2d(c, c, 3, 1, 1, bias: false), new BatchNorm2d(c), new ReLU(),
            new Conv2d(c, c, 3, 1, 1, bias: false), new BatchNorm2d(c))), new ReLU());

    public static int UpBlocks(int size) => size switch
    {
        8 => 1,
        16 => 2,
        32 => 3,
        64 => 4,
        _ => throw new ArgumentException($"StackGAN stage size {size} must be 8, 16, 32 or 64"),
    };

    public static Seq StageOne(int zDim, int cDim, int gf, int size)
    {
        int blocks = UpBlocks(size);
        var s = new Seq(new Linear(zDim + cDim, gf * 16L, bias: false), new BatchNorm1d(gf * 16L), new ReLU(), new Reshape(gf, 4, 4));
        long w = gf;
        for (int i = 0; i < blocks; i++) { s.Add(UpBlock(w, w / 2)); w /= 2; }
        return s.Add(new Conv2d(w, 3, 3, 1, 1, bias: false)).Add(new Tanh());
    }

    /// <summary>Stage-II encoder: the Stage-I image (3, S₁, S₁) → (4g, S₁/4, S₁/4) (3×3 conv, then two 4×4 stride-2 convs).</summary>
    public static Seq StageTwoEncoder(int gf) =>
        new(new Conv2d(3, gf, 3, 1, 1, bias: false), new ReLU(),
            new Conv2d(gf, gf * 2L, 4, 2, 1, bias: false), new BatchNorm2d(gf * 2L), new ReLU(),
            new Conv2d(gf * 2L, gf * 4L, 4, 2, 1, bias: false), new BatchNorm2d(gf * 4L), new ReLU());

    /// <summary>Stage-II after the text is joined: 3×3 conv (4g + C → 4g), residual blocks, upsampling to S₂, 3×3 conv to
    /// RGB (pre-activation; <see cref="StackGanGenerator"/> adds the Stage-I image and applies the Tanh).
    /// S₁/4 → S₂ takes log₂(4·S₂/S₁) upsampling blocks (3 for 32² → 64²).</summary>
    public static Seq StageTwoDecoder(int gf, int cDim, int residualBlocks, int stageOneSize, int size)
    {
        var s = new Seq(new Conv2d(gf * 4L + cDim, gf * 4L, 3, 1, 1, bias: false), new BatchNorm2d(gf * 4L), new ReLU());
        for (int i = 0; i < residualBlocks; i++) s.Add(ResBlock(gf * 4L));
        int ups = (int)Math.Round(Math.Log2(4.0 * size / stageOneSize));
        long w = gf * 4L;
        for (int i = 0; i < ups; i++) { s.Add(UpBlock(w, Math.Max(8, w / 2))); w = Math.Max(8, w / 2); }
        return s.Add(new Conv2d(w, 3, 3, 1, 1, bias: false));
    }
}

/// <summary>
/// The whole text-to-image generator, exported as one graph: (tokens (B, L), token_lengths (B,), z (B, Z + 2C)) →
/// Stage-II image (B, 3, S₂, S₂). The latent is split into the Stage-I noise z (Z), ε for Stage-I's Conditioning
/// Augmentation (C) and ε for Stage-II's (C), so one seed fixes all randomness and the same text + seed gives the same
/// image. Stage-I's image is an intermediate of the graph (and of <see cref="Generate"/>).
/// One change from the paper: Stage II's output is Tanh(decoder + 2 · Stage-I image upsampled), so Stage II starts as the
/// Stage-I image (Tanh(±2) ≈ ±0.96) and learns the refinement; the paper's Stage II draws the whole image from its
/// features, which takes more steps than a CPU run affords before it follows the text at all.
/// </summary>
public sealed class StackGanGenerator : nn.Module, IOnnxGraphModule
{
    public readonly TextEncoder text;
    public readonly ConditioningAugmentation ca1;
    public readonly Seq stage1;
    public readonly ConditioningAugmentation ca2;
    public readonly Seq encoder2;
    public readonly Seq decoder2;
    public readonly Upsample upsample1;   // Stage-I image → Stage-II size (nearest), added before the final Tanh

    public StackGanOptions Options { get; }
    /// <summary>Weight of the upsampled Stage-I image in Stage II's pre-activation.</summary>
    public const float StageOneSkip = 2f;
    public int LatentSize => Options.ZDim + 2 * Options.ConditionDim;

    public StackGanGenerator(StackGanOptions o, int vocabulary) : base(nameof(StackGanGenerator))
    {
        Options = o;
        text = new TextEncoder(vocabulary, o.WordDim, o.TextDim);
        ca1 = new ConditioningAugmentation(o.TextDim, o.ConditionDim);
        stage1 = StackGanBlocks.StageOne(o.ZDim, o.ConditionDim, o.StageOneWidth, o.StageOneSize);
        ca2 = new ConditioningAugmentation(o.TextDim, o.ConditionDim);
        encoder2 = StackGanBlocks.StageTwoEncoder(o.StageTwoWidth);
        decoder2 = StackGanBlocks.StageTwoDecoder(o.StageTwoWidth, o.ConditionDim, o.ResidualBlocks, o.StageOneSize, o.Size);
        upsample1 = new Upsample(o.Size / o.StageOneSize, UpsampleMethod.Nearest);
        RegisterComponents();
    }

    /// <summary>What one forward produces, for the losses and the figures.</summary>
    public sealed record Output(Tensor StageOne, Tensor StageTwo, Tensor Mu1, Tensor LogVar1, Tensor Mu2, Tensor LogVar2);

    /// <summary>Stage-I only: (text embedding (B, T), z (B, Z), ε₁ (B, C)) → (image, μ, log σ²).</summary>
    public (Tensor Image, Tensor Mu, Tensor LogVar) StageOne(Tensor embedding, Tensor z, Tensor eps1)
    {
        var (mu, logVar) = ca1.Encode(embedding);
        var c = ConditioningAugmentation.Sample(mu, logVar, eps1);
        return (stage1.forward(torch.cat([z, c], 1)), mu, logVar);
    }

    /// <summary>Stage-II on a given Stage-I image: (image₁, embedding, ε₂) → (image₂, μ, log σ²).</summary>
    public (Tensor Image, Tensor Mu, Tensor LogVar) StageTwo(Tensor stageOne, Tensor embedding, Tensor eps2)
    {
        var (mu, logVar) = ca2.Encode(embedding);
        var c = ConditioningAugmentation.Sample(mu, logVar, eps2);
        var h = encoder2.forward(stageOne);
        var tiled = c.unsqueeze(2).unsqueeze(3).expand(-1, -1, h.shape[2], h.shape[3]);
        var refined = decoder2.forward(torch.cat([h, tiled], 1)) + upsample1.forward(stageOne) * Scalars.Of(StageOneSkip);
        return (refined.tanh(), mu, logVar);
    }

    /// <summary>The exported computation: latent split, text → both stages.</summary>
    public Output Generate(Tensor ids, Tensor lengths, Tensor latent)
    {
        var (z, e1, e2) = Split(latent);
        var embedding = text.Encode(ids, lengths);
        var (img1, mu1, lv1) = StageOne(embedding, z, e1);
        var (img2, mu2, lv2) = StageTwo(img1, embedding, e2);
        return new Output(img1, img2, mu1, lv1, mu2, lv2);
    }

    public (Tensor Z, Tensor Eps1, Tensor Eps2) Split(Tensor latent)
    {
        int zd = Options.ZDim, cd = Options.ConditionDim;
        return (latent.narrow(1, 0, zd), latent.narrow(1, zd, cd), latent.narrow(1, zd + cd, cd));
    }

    public IReadOnlyList<string> EmitGraph(OnnxGraphBuilder g, IReadOnlyList<string> inputs)
    {
        if (inputs.Count != 3) throw new OnnxExportException("StackGAN exports with inputs tokens, token_lengths and z");
        int zd = Options.ZDim, cd = Options.ConditionDim;
        string ids = inputs[0], lengths = inputs[1], latent = inputs[2];
        var z = StackGanGraph.Slice(g, latent, 0, zd);
        var e1 = StackGanGraph.Slice(g, latent, zd, zd + cd);
        var e2 = StackGanGraph.Slice(g, latent, zd + cd, zd + 2 * cd);
        string embedding, c1, img1, c2, h, img2;
        using (g.Scope("text")) embedding = text.Emit(g, ids, lengths);
        using (g.Scope("ca1")) c1 = ca1.Emit(g, embedding, e1);
        using (g.Scope("stage1")) img1 = stage1.Emit(g, g.Node("Concat", [z, c1], ("axis", 1L)));
        using (g.Scope("ca2")) c2 = ca2.Emit(g, embedding, e2);
        using (g.Scope("encoder2")) h = encoder2.Emit(g, img1);
        // (B, C) → (B, C, 1, 1) → broadcast to the encoder's (h, w): Expand with (1, 1, h, w) keeps the batch dynamic.
        long side = Options.StageOneSize / 4;
        var tiled = g.Node("Expand", [g.Node("Unsqueeze", [c2, g.Int64Initializer("axes23", [2, 3])]), g.Int64Initializer("tile", [1, 1, side, side])]);
        using (g.Scope("decoder2")) img2 = decoder2.Emit(g, g.Node("Concat", [h, tiled], ("axis", 1L)));
        string skip;
        using (g.Scope("upsample1")) skip = upsample1.Emit(g, img1);
        return [g.Node("Tanh", [g.Node("Add", [img2, g.Node("Mul", [skip, g.Scalar("stage_one_skip", StageOneSkip)])])])];
    }

    /// <summary>The graph's declared inputs and output.</summary>
    public (OnnxIo[] Inputs, OnnxIo[] Outputs) OnnxSignature(int maxTokens) =>
        ([new OnnxIo("tokens", [-1, maxTokens], ScalarType.Int64), new OnnxIo("token_lengths", [-1], ScalarType.Int64), new OnnxIo("z", [-1, LatentSize])],
         [new OnnxIo("image", [-1, 3, Options.Size, Options.Size])]);
}

/// <summary>
/// Matching-aware discriminator (Reed et al. 2016, StackGAN's D): the image → (f, 4, 4) features by 4×4 stride-2
/// convolutions (no norm on the first), then the conditional head [features, μ tiled to 4×4] → 3×3 conv, BN, LReLU →
/// 4×4 conv to one logit; Stage-II also has the unconditional head (4×4 conv on the features alone).
/// </summary>
public sealed class StackGanDiscriminator : nn.Module
{
    public readonly Seq features;
    public readonly Seq conditional;
    public readonly Conv2d? unconditional;

    public StackGanDiscriminator(int size, int df, int cDim, bool unconditionalHead) : base(nameof(StackGanDiscriminator))
    {
        int downs = (int)Math.Round(Math.Log2(size / 4.0));
        features = new Seq(new Conv2d(3, df, 4, 2, 1, bias: false), new LeakyReLU(0.2));
        long w = df;
        for (int i = 1; i < downs; i++)
        {
            features.Add(new Conv2d(w, w * 2, 4, 2, 1, bias: false)).Add(new BatchNorm2d(w * 2)).Add(new LeakyReLU(0.2));
            w *= 2;
        }
        conditional = new Seq(new Conv2d(w + cDim, w, 3, 1, 1, bias: false), new BatchNorm2d(w), new LeakyReLU(0.2), new Conv2d(w, 1, 4, 4, 0));
        if (unconditionalHead) unconditional = new Conv2d(w, 1, 4, 4, 0);
        RegisterComponents();
    }

    public Tensor Features(Tensor image) => features.forward(image);

    /// <summary>(B,) logits of "real and matching <paramref name="condition"/>" for features (B, f, 4, 4).</summary>
    public Tensor Conditional(Tensor h, Tensor condition)
    {
        var tiled = condition.unsqueeze(2).unsqueeze(3).expand(-1, -1, h.shape[2], h.shape[3]);
        return conditional.forward(torch.cat([h, tiled], 1)).flatten();
    }

    public Tensor? Unconditional(Tensor h) => unconditional?.forward(h).flatten();
}

/// <summary>ONNX helpers for the StackGAN graph.</summary>
public static class StackGanGraph
{
    /// <summary>x[:, start:end] of a (B, F) tensor.</summary>
    public static string Slice(OnnxGraphBuilder g, string x, long start, long end) =>
        g.Node("Slice", [x, g.Int64Initializer("starts", [start]), g.Int64Initializer("ends", [end]), g.Int64Initializer("axes", [1])]);
}
