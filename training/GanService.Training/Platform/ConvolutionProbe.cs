namespace GanService.Training.Platform;

/// <summary>One convolution the probe runs: forward, and the gradients of input, weight and bias.</summary>
public sealed record ProbeCase(string Name, bool Transposed, long In, long Out, long Kernel, long Stride, long Size, long Groups = 1)
{
    public override string ToString() => Name;
}

/// <summary>A convolution as the probe calls it: (x, weight, bias, stride, padding, groups, transposed) → y.</summary>
public delegate Tensor ConvFunction(Tensor x, Tensor weight, Tensor bias, long stride, long padding, long groups, bool transposed);

/// <summary>
/// A few milliseconds of small f32 convolutions and transposed convolutions, forward and backward, each compared with
/// the same call in float64. The shapes cover what libtorch 2.10's oneDNN got wrong on AMD Zen 5 (input channels above
/// 16 and not a multiple of 16, output channels not a multiple of 16 in the backward pass, DCGAN's first and last
/// layers, grouped and depthwise convolutions as StyleGAN2 runs them) and a few it gets right, so a remedy that breaks
/// the common case is caught too. Inputs come from the probe's own generator: the global RNG is not touched.
/// </summary>
public static class ConvolutionProbe
{
    public static readonly IReadOnlyList<ProbeCase> Cases =
    [
        new("conv 3×3 20→32", false, 20, 32, 3, 1, 8),
        new("conv 3×3 36→3", false, 36, 3, 3, 1, 8),
        new("conv 4×4/2 100→64", false, 100, 64, 4, 2, 8),
        new("conv 3×3/2 48→48", false, 48, 48, 3, 2, 8),
        new("convT 3×3 32→48", true, 32, 48, 3, 1, 4),
        new("conv 3×3 32→3", false, 32, 3, 3, 1, 8),
        new("conv 3×3 1→1", false, 1, 1, 3, 1, 8),
        new("conv 4×4/2 3→16", false, 3, 16, 4, 2, 8),
        new("conv 3×3 64→64", false, 64, 64, 3, 1, 8),
        new("conv 1×1 20→20", false, 20, 20, 1, 1, 8),
        new("conv 3×3 2×(20→20) grouped", false, 40, 40, 3, 1, 8, Groups: 2),
        new("conv 4×4 8×(1→1) depthwise", false, 8, 8, 4, 1, 8, Groups: 8),
        new("conv 4×4/2 16×(1→1) depthwise", false, 16, 16, 4, 2, 8, Groups: 16),
        new("conv 4×4 3×(1→1) depthwise", false, 3, 3, 4, 1, 8, Groups: 3),
        new("convT 4×4/2 16×(1→1) depthwise", true, 16, 16, 4, 2, 4, Groups: 16),
        new("convT 4×4/2 3×(1→1) depthwise", true, 3, 3, 4, 2, 4, Groups: 3),
        new("conv 3×3 4×(16→16) grouped", false, 64, 64, 3, 1, 8, Groups: 4),
        new("convT 3×3/2 4×(16→16) grouped", true, 64, 64, 3, 2, 4, Groups: 4),
        new("convT 4×4 100→256 on 1×1", true, 100, 256, 4, 1, 1),
        new("convT 4×4/2 64→1", true, 64, 1, 4, 2, 4),
        new("convT 4×4/2 32→3", true, 32, 3, 4, 2, 4),
        new("convT 3×3/2 20→20", true, 20, 20, 3, 2, 4),
        new("convT 4×4 4→32 on 1×1", true, 4, 32, 4, 1, 1),
        new("convT 3×3 8→3", true, 8, 3, 3, 1, 4),
    ];

    /// <summary>The plain libtorch call (no remedy).</summary>
    public static readonly ConvFunction Plain = (x, w, b, stride, padding, groups, transposed) => transposed
        ? nn.functional.conv_transpose2d(x, w, b, [stride, stride], [padding, padding], [0, 0], [1, 1], groups)
        : nn.functional.conv2d(x, w, b, [stride, stride], [padding, padding], [1, 1], groups);

    /// <summary>The same call through <see cref="ChannelPadding"/>.</summary>
    public static readonly ConvFunction Padded = (x, w, b, stride, padding, groups, transposed) => transposed
        ? ChannelPadding.ConvTranspose2d(x, w, b, [stride, stride], [padding, padding], [0, 0], [1, 1], groups)
        : ChannelPadding.Conv2d(x, w, b, [stride, stride], [padding, padding], [1, 1], groups);

    /// <summary>The cases whose f32 result differs from float64 by more than 1e-3 of the result's scale (NaN included),
    /// each as "name: which output, error". <paramref name="device"/>: where the f32 calls run (default the CPU); the
    /// inputs are drawn on the CPU and the float64 reference always runs there.</summary>
    public static IReadOnlyList<string> Run(ConvFunction conv, Device? device = null)
    {
        device ??= torch.CPU;
        var wrong = new List<string>();
        using var grad = torch.enable_grad();
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(20261206);
        foreach (var c in Cases)
        {
            using var caseScope = torch.NewDisposeScope();
            long padding = c.Transposed ? 0 : c.Kernel / 2;
            var x = torch.randn([2, c.In, c.Size, c.Size], generator: generator);
            var w = torch.randn(c.Transposed ? [c.In, c.Out / c.Groups, c.Kernel, c.Kernel] : [c.Out, c.In / c.Groups, c.Kernel, c.Kernel],
                generator: generator) * 0.1;
            var b = torch.randn([c.Out], generator: generator);
            Tensor? g = null;
            var f32 = Evaluate(conv, c, padding, x.to(device), w.to(device), b.to(device),
                shape => (g = torch.randn(shape, generator: generator)).to(device));
            var f64 = Evaluate(Plain, c, padding, x.to_type(ScalarType.Float64), w.to_type(ScalarType.Float64), b.to_type(ScalarType.Float64),
                _ => g!.to_type(ScalarType.Float64));
            string[] what = ["output", "input gradient", "weight gradient", "bias gradient", "second-order weight gradient"];
            for (int i = 0; i < what.Length; i++)
            {
                var reference = f64[i];
                double scale = Math.Max(1, reference.abs().max().item<double>());
                double error = (f32[i].cpu().to_type(ScalarType.Float64) - reference).abs().max().item<double>();
                if (!(error <= 1e-3 * scale)) wrong.Add($"{c.Name}: {what[i]} off by {(double.IsNaN(error) ? "NaN" : error.ToString("G2"))}");
            }
        }
        return wrong;
    }

    /// <summary>[y, dL/dx, dL/dw, dL/db, d|dL/dx|²/dw] for L = Σ y·g, g made for y's shape. The last is the
    /// double backward an R1 or path-length penalty takes, where libtorch runs convolutions of other shapes (the
    /// batch becomes the channels) that no layer of the project calls directly.</summary>
    private static Tensor[] Evaluate(ConvFunction conv, ProbeCase c, long padding, Tensor x, Tensor w, Tensor b, Func<long[], Tensor> g)
    {
        var (xl, wl, bl) = (x.detach().requires_grad_(), w.detach().requires_grad_(), b.detach().requires_grad_());
        var y = conv(xl, wl, bl, c.Stride, padding, c.Groups, c.Transposed);
        var grads = torch.autograd.grad([(y * g(y.shape)).sum()], [xl, wl, bl], create_graph: true);
        var second = torch.autograd.grad([grads[0].square().sum()], [wl])[0];
        return [y.detach(), .. grads.Select(t => t.detach()), second];
    }
}
