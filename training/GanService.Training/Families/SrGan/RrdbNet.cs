using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.SrGan;

/// <summary>
/// ESRGAN's generator (Wang et al. 2018, §3.1; BasicSR's RRDBNet layout, which Real-ESRGAN keeps): a 3×3 conv to
/// <c>nf</c> features, <c>nb</c> residual-in-residual dense blocks, a 3×3 conv, a long skip over the whole trunk; then two
/// nearest ×2 upsamplings each followed by a 3×3 conv and LeakyReLU 0.2, a 3×3 conv + LeakyReLU and a 3×3 conv to the
/// image. No BatchNorm anywhere (the paper removes it: it brings artefacts and ties the output to batch statistics), so
/// every output pixel depends on a bounded window: the graph can be served tile by tile. The trunk always upsamples ×4; a
/// ×2 or ×1 model first folds 2×2 or 4×4 pixel blocks into channels (pixel unshuffle, Real-ESRGAN's x2 models), so its
/// input is that many times smaller per side. Children carry BasicSR's names (checkpoint keys): conv_first, body.N,
/// conv_body, conv_up1, conv_up2, conv_hr, conv_last. Output is not clamped: images are in [0, 1] by training.
/// </summary>
public sealed class RrdbNet : Layer
{
    public readonly Conv2d conv_first;
    public readonly Seq body;
    public readonly Conv2d conv_body;
    public readonly Conv2d conv_up1;
    public readonly Conv2d conv_up2;
    public readonly Conv2d conv_hr;
    public readonly Conv2d conv_last;
    private readonly LeakyReLU _lrelu = new(0.2);
    private readonly Upsample _up = new(2, UpsampleMethod.Nearest);

    public RrdbNet(long inChannels = 3, long outChannels = 3, int scale = 4, long nf = 64, int nb = 23, long gc = 32) : base(nameof(RrdbNet))
    {
        if (scale is not (1 or 2 or 4)) throw new ArgumentException($"scale {scale} must be 1, 2 or 4");
        Scale = scale;
        Unshuffle = 4 / scale;
        conv_first = new Conv2d(inChannels * Unshuffle * Unshuffle, nf, 3, padding: 1);
        body = new Seq();
        for (int i = 0; i < nb; i++) body.Add(new Rrdb(nf, gc));
        conv_body = new Conv2d(nf, nf, 3, padding: 1);
        conv_up1 = new Conv2d(nf, nf, 3, padding: 1);
        conv_up2 = new Conv2d(nf, nf, 3, padding: 1);
        conv_hr = new Conv2d(nf, nf, 3, padding: 1);
        conv_last = new Conv2d(nf, outChannels, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>Output size ÷ input size (1, 2 or 4).</summary>
    public int Scale { get; }

    /// <summary>The pixel-unshuffle factor before the trunk (4 / scale): heights and widths must be multiples of it.</summary>
    public int Unshuffle { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var feat = conv_first.forward(Unshuffle > 1 ? nn.functional.pixel_unshuffle(x, Unshuffle) : x);
        feat = feat + conv_body.forward(body.forward(feat));
        feat = _lrelu.forward(conv_up1.forward(_up.forward(feat)));
        feat = _lrelu.forward(conv_up2.forward(_up.forward(feat)));
        return conv_last.forward(_lrelu.forward(conv_hr.forward(feat))).MoveToOuterDisposeScope();
    }

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        var x = Unshuffle > 1 ? PixelUnshuffle(g, input, Unshuffle) : input;
        string feat, trunk;
        using (g.Scope("conv_first")) feat = conv_first.Emit(g, x);
        using (g.Scope("body")) trunk = body.Emit(g, feat);
        using (g.Scope("conv_body")) trunk = conv_body.Emit(g, trunk);
        feat = g.Node("Add", [feat, trunk]);
        using (g.Scope("conv_up1")) feat = _lrelu.Emit(g, conv_up1.Emit(g, _up.Emit(g, feat)));
        using (g.Scope("conv_up2")) feat = _lrelu.Emit(g, conv_up2.Emit(g, _up.Emit(g, feat)));
        using (g.Scope("conv_hr")) feat = _lrelu.Emit(g, conv_hr.Emit(g, feat));
        using (g.Scope("conv_last")) return conv_last.Emit(g, feat);
    }

    /// <summary>BasicSR's initialisation for training (rrdbnet_arch.py): the five convs of every dense block Kaiming-normal
    /// × 0.1 with zero biases (default_init_weights(…, 0.1)), so each block starts close to the identity; conv_first, the
    /// trunk conv and the upsampling convs keep PyTorch's default.</summary>
    public void InitializeAsBasicSr(torch.Generator? generator = null)
    {
        foreach (var (_, m) in body.named_modules())
            if (m is Conv2d c) BasicSrInit.Scaled(c, 0.1, generator);
    }

    /// <summary>PyTorch's pixel_unshuffle for any height and width: (B, C, H, W) → (B, C, H/r, r, W/r, r) → (B, C, r, r,
    /// H/r, W/r) → (B, C·r², H/r, W/r), channel c·r² + i·r + j. (ONNX SpaceToDepth orders the block offsets before the
    /// channels, so it is not the same tensor.)</summary>
    private static string PixelUnshuffle(OnnxGraphBuilder g, string x, int r)
    {
        using var _ = g.Scope("pixel_unshuffle");
        var shape = g.Node("Shape", [x]);
        var bc = g.Node("Slice", [shape, g.Int64Initializer("start", [0]), g.Int64Initializer("end", [2])]);
        var hw = g.Node("Slice", [shape, g.Int64Initializer("start", [2]), g.Int64Initializer("end", [4])]);
        var hwOverR = g.Node("Div", [hw, g.Int64Initializer("r", [r])]);
        var h = g.Node("Slice", [hwOverR, g.Int64Initializer("start", [0]), g.Int64Initializer("end", [1])]);
        var w = g.Node("Slice", [hwOverR, g.Int64Initializer("start", [1]), g.Int64Initializer("end", [2])]);
        var rr = g.Int64Initializer("block", [r]);
        var six = g.Node("Concat", [bc, h, rr, w, rr], ("axis", 0L));
        var blocks = g.Node("Transpose", [g.Node("Reshape", [x, six])], ("perm", new long[] { 0, 1, 3, 5, 2, 4 }));
        var four = g.Node("Concat", [g.Node("Slice", [shape, g.Int64Initializer("start", [0]), g.Int64Initializer("end", [1])]),
            g.Int64Initializer("minus_one", [-1]), h, w], ("axis", 0L));
        return g.Node("Reshape", [blocks, four]);
    }
}

/// <summary>Residual in residual dense block: three dense blocks, their output scaled by 0.2 and added to the input
/// (ESRGAN's residual scaling keeps a deep trunk without BatchNorm stable). Children rdb1…rdb3.</summary>
public sealed class Rrdb : Layer
{
    public readonly DenseBlock rdb1;
    public readonly DenseBlock rdb2;
    public readonly DenseBlock rdb3;

    public Rrdb(long nf, long gc) : base(nameof(Rrdb))
    {
        rdb1 = new DenseBlock(nf, gc);
        rdb2 = new DenseBlock(nf, gc);
        rdb3 = new DenseBlock(nf, gc);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = rdb3.forward(rdb2.forward(rdb1.forward(x)));
        return (y * Scalars.Of(DenseBlock.ResidualScale) + x).MoveToOuterDisposeScope();
    }

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        string y;
        using (g.Scope("rdb1")) y = rdb1.Emit(g, input);
        using (g.Scope("rdb2")) y = rdb2.Emit(g, y);
        using (g.Scope("rdb3")) y = rdb3.Emit(g, y);
        return g.Node("Add", [g.Node("Mul", [y, g.Scalar("residual_scale", DenseBlock.ResidualScale)]), input]);
    }
}

/// <summary>Residual dense block: five 3×3 convs, each taking the block input and every earlier output (growth
/// <c>gc</c> channels each, LeakyReLU 0.2 after the first four); the fifth's <c>nf</c> channels × 0.2 plus the input.
/// Children conv1…conv5.</summary>
public sealed class DenseBlock : Layer
{
    public const float ResidualScale = 0.2f;

    public readonly Conv2d conv1;
    public readonly Conv2d conv2;
    public readonly Conv2d conv3;
    public readonly Conv2d conv4;
    public readonly Conv2d conv5;
    private readonly LeakyReLU _lrelu = new(0.2);

    public DenseBlock(long nf, long gc) : base(nameof(DenseBlock))
    {
        conv1 = new Conv2d(nf, gc, 3, padding: 1);
        conv2 = new Conv2d(nf + gc, gc, 3, padding: 1);
        conv3 = new Conv2d(nf + 2 * gc, gc, 3, padding: 1);
        conv4 = new Conv2d(nf + 3 * gc, gc, 3, padding: 1);
        conv5 = new Conv2d(nf + 4 * gc, nf, 3, padding: 1);
        RegisterComponents();
    }

    private Conv2d[] Convs => [conv1, conv2, conv3, conv4, conv5];

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var features = new List<Tensor> { x };
        var convs = Convs;
        for (int i = 0; i < 4; i++) features.Add(_lrelu.forward(convs[i].forward(torch.cat(features, 1))));
        var y = convs[4].forward(torch.cat(features, 1));
        return (y * Scalars.Of(ResidualScale) + x).MoveToOuterDisposeScope();
    }

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        var features = new List<string> { input };
        var convs = Convs;
        for (int i = 0; i < 4; i++)
            using (g.Scope($"conv{i + 1}"))
                features.Add(_lrelu.Emit(g, convs[i].Emit(g, g.Node("Concat", features, ("axis", 1L)))));
        string y;
        using (g.Scope("conv5")) y = convs[4].Emit(g, g.Node("Concat", features, ("axis", 1L)));
        return g.Node("Add", [g.Node("Mul", [y, g.Scalar("residual_scale", ResidualScale)]), input]);
    }
}
