using GanService.Training.Onnx;

namespace GanService.Training.Layers;

/// <summary>Reflection (or zero) padding of H and W by (left, right, top, bottom). ONNX: Pad.</summary>
public sealed class Pad2d : Layer
{
    public long Left { get; }
    public long Right { get; }
    public long Top { get; }
    public long Bottom { get; }
    public bool Reflect { get; }

    public Pad2d(long left, long right, long top, long bottom, bool reflect) : base(reflect ? "ReflectionPad2d" : "ZeroPad2d")
        => (Left, Right, Top, Bottom, Reflect) = (left, right, top, bottom, reflect);

    public override Tensor forward(Tensor x) =>
        nn.functional.pad(x, [Left, Right, Top, Bottom], Reflect ? PaddingModes.Reflect : PaddingModes.Constant, 0.0);

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        // ONNX pads: [x1_begin, x2_begin, x3_begin, x4_begin, x1_end, …] over (B, C, H, W).
        var pads = g.Int64Initializer("pads", [0, 0, Top, Left, 0, 0, Bottom, Right]);
        return Reflect
            ? g.Node("Pad", [input, pads], ("mode", "reflect"))
            : g.Node("Pad", [input, pads, g.Scalar("zero", 0f)], ("mode", "constant"));
    }
}

public static class Pads
{
    public static Pad2d Reflection(long p) => new(p, p, p, p, reflect: true);
    public static Pad2d Zero(long p) => new(p, p, p, p, reflect: false);
}

public enum UpsampleMethod { Nearest, Bilinear }

/// <summary>Integer-factor upsampling. Nearest = PyTorch 'nearest' (floor of asymmetric coordinates); bilinear with
/// align_corners=False (half-pixel centres). ONNX: Resize.</summary>
public sealed class Upsample(long scale, UpsampleMethod mode) : Layer(nameof(Upsample))
{
    public long Scale { get; } = scale;
    public UpsampleMethod Mode { get; } = mode;

    public override Tensor forward(Tensor x) =>
        nn.functional.interpolate(x, scale_factor: [Scale, Scale],
            mode: Mode == UpsampleMethod.Nearest ? InterpolationMode.Nearest : InterpolationMode.Bilinear,
            align_corners: Mode == UpsampleMethod.Nearest ? null : false);

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        var scales = g.Initializer("scales", [1f, 1f, Scale, Scale], [4]);
        return Mode == UpsampleMethod.Nearest
            ? g.Node("Resize", [input, "", scales], ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"), ("nearest_mode", "floor"))
            : g.Node("Resize", [input, "", scales], ("mode", "linear"), ("coordinate_transformation_mode", "half_pixel"));
    }
}

/// <summary>PyTorch's pixel_shuffle: (B, C·r², H, W) → (B, C, H·r, W·r), output channel c at offset (i, j) read from
/// input channel c·r² + i·r + j (SRGAN's sub-pixel upsampling, Shi et al. 2016). ONNX: DepthToSpace in CRD mode, which
/// orders the channels the same way (its default DCR mode puts the block offsets first and is another tensor).</summary>
public sealed class PixelShuffle(long factor) : Layer(nameof(PixelShuffle))
{
    public long Factor { get; } = factor;
    public override Tensor forward(Tensor x) => nn.functional.pixel_shuffle(x, Factor);
    public override string Emit(OnnxGraphBuilder g, string input) =>
        g.Node("DepthToSpace", [input], ("blocksize", Factor), ("mode", "CRD"));
}

/// <summary>(B, …) → (B, prod(…)). ONNX: Flatten(axis=1).</summary>
public sealed class Flatten() : Layer(nameof(Flatten))
{
    public override Tensor forward(Tensor x) => x.flatten(1);
    public override string Emit(OnnxGraphBuilder g, string input) => g.Node("Flatten", [input], ("axis", 1L));
}

/// <summary>(B, …) → (B, shape…) keeping the batch dimension dynamic. ONNX: Reshape with a leading -1.</summary>
public sealed class Reshape(params long[] shape) : Layer(nameof(Reshape))
{
    public long[] Shape { get; } = shape;
    public override Tensor forward(Tensor x) => x.reshape([-1, .. Shape]);
    public override string Emit(OnnxGraphBuilder g, string input) => g.Node("Reshape", [input, g.Int64Initializer("shape", [-1, .. Shape])]);
}

/// <summary>x + body(x) (ResNet block). ONNX: Add.</summary>
public sealed class Residual : Layer
{
    public readonly nn.Module<Tensor, Tensor> body;
    public Residual(nn.Module<Tensor, Tensor> body) : base(nameof(Residual)) { this.body = body; register_module("body", body); }
    public override Tensor forward(Tensor x) => x + body.forward(x);
    public override string Emit(OnnxGraphBuilder g, string input)
    {
        string y = OnnxExporter.EmitChain(g, input, [("body", body)], GetName());
        return g.Node("Add", [input, y]);
    }
}

/// <summary>cat([x, body(x)], dim 1) — the U-Net skip connection. ONNX: Concat(axis=1).</summary>
public sealed class SkipConcat : Layer
{
    public readonly nn.Module<Tensor, Tensor> body;
    public SkipConcat(nn.Module<Tensor, Tensor> body) : base(nameof(SkipConcat)) { this.body = body; register_module("body", body); }
    public override Tensor forward(Tensor x) => torch.cat([x, body.forward(x)], 1);
    public override string Emit(OnnxGraphBuilder g, string input)
    {
        string y = OnnxExporter.EmitChain(g, input, [("body", body)], GetName());
        return g.Node("Concat", [input, y], ("axis", 1L));
    }
}
