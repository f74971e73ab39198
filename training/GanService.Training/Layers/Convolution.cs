using GanService.Training.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Training.Layers;

/// <summary>2-D convolution, weight (out, in/groups, k, k). ONNX: Conv.</summary>
public sealed class Conv2d : Layer
{
    public readonly Parameter weight;
    public readonly Parameter? bias;
    public long InChannels { get; }
    public long OutChannels { get; }
    public long Kernel { get; }
    public long Stride { get; }
    public long Padding { get; }
    public long Dilation { get; }
    public long Groups { get; }

    public Conv2d(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0, long dilation = 1,
        long groups = 1, bool bias = true) : base(nameof(Conv2d))
    {
        if (inChannels % groups != 0 || outChannels % groups != 0) throw new ArgumentException("channels must be divisible by groups");
        (InChannels, OutChannels, Kernel, Stride, Padding, Dilation, Groups) = (inChannels, outChannels, kernel, stride, padding, dilation, groups);
        weight = NewParameter("weight", torch.empty(outChannels, inChannels / groups, kernel, kernel));
        this.bias = bias ? NewParameter("bias", torch.empty(outChannels)) : null;
        DefaultInit(weight, this.bias, inChannels / groups * kernel * kernel);
    }

    public override Tensor forward(Tensor x) =>
        ConvolutionBackend.Conv2d(x, weight, bias, [Stride, Stride], [Padding, Padding], [Dilation, Dilation], Groups);

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        var inputs = new List<string> { input, g.Initializer("weight", weight) };
        if (bias is not null) inputs.Add(g.Initializer("bias", bias));
        return g.Node("Conv", inputs,
            ("kernel_shape", new[] { Kernel, Kernel }), ("strides", new[] { Stride, Stride }),
            ("pads", new[] { Padding, Padding, Padding, Padding }), ("dilations", new[] { Dilation, Dilation }),
            ("group", Groups));
    }
}

/// <summary>Transposed 2-D convolution, weight (in, out/groups, k, k). ONNX: ConvTranspose.</summary>
public sealed class ConvTranspose2d : Layer
{
    public readonly Parameter weight;
    public readonly Parameter? bias;
    public long Kernel { get; }
    public long Stride { get; }
    public long Padding { get; }
    public long OutputPadding { get; }
    public long Dilation { get; }
    public long Groups { get; }

    public ConvTranspose2d(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0,
        long outputPadding = 0, long dilation = 1, long groups = 1, bool bias = true) : base(nameof(ConvTranspose2d))
    {
        if (outputPadding >= Math.Max(stride, dilation)) throw new ArgumentException("output_padding must be smaller than stride or dilation");
        (Kernel, Stride, Padding, OutputPadding, Dilation, Groups) = (kernel, stride, padding, outputPadding, dilation, groups);
        weight = NewParameter("weight", torch.empty(inChannels, outChannels / groups, kernel, kernel));
        this.bias = bias ? NewParameter("bias", torch.empty(outChannels)) : null;
        // PyTorch computes fan_in of a transposed conv's weight from dim 1: out/groups · k · k.
        DefaultInit(weight, this.bias, outChannels / groups * kernel * kernel);
    }

    public override Tensor forward(Tensor x) =>
        ConvolutionBackend.ConvTranspose2d(x, weight, bias, [Stride, Stride], [Padding, Padding], [OutputPadding, OutputPadding],
            [Dilation, Dilation], Groups);

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        var inputs = new List<string> { input, g.Initializer("weight", weight) };
        if (bias is not null) inputs.Add(g.Initializer("bias", bias));
        return g.Node("ConvTranspose", inputs,
            ("kernel_shape", new[] { Kernel, Kernel }), ("strides", new[] { Stride, Stride }),
            ("pads", new[] { Padding, Padding, Padding, Padding }), ("output_padding", new[] { OutputPadding, OutputPadding }),
            ("dilations", new[] { Dilation, Dilation }), ("group", Groups));
    }
}

/// <summary>y = x Wᵀ + b on (B, in). ONNX: Gemm(transB=1).</summary>
public sealed class Linear : Layer
{
    public readonly Parameter weight;
    public readonly Parameter? bias;

    public Linear(long inFeatures, long outFeatures, bool bias = true) : base(nameof(Linear))
    {
        weight = NewParameter("weight", torch.empty(outFeatures, inFeatures));
        this.bias = bias ? NewParameter("bias", torch.empty(outFeatures)) : null;
        DefaultInit(weight, this.bias, inFeatures);
    }

    public override Tensor forward(Tensor x) => nn.functional.linear(x, weight, bias);

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        var inputs = new List<string> { input, g.Initializer("weight", weight) };
        if (bias is not null) inputs.Add(g.Initializer("bias", bias));
        return g.Node("Gemm", inputs, ("transB", 1L));
    }
}

/// <summary>Class label → vector lookup, weight (num, dim), input (B,) int64. ONNX: Gather.</summary>
public sealed class Embedding : Layer
{
    public readonly Parameter weight;

    public Embedding(long count, long dim) : base(nameof(Embedding))
    {
        weight = NewParameter("weight", torch.empty(count, dim));
        using var _ = torch.no_grad();
        nn.init.normal_(weight);
    }

    public override Tensor forward(Tensor labels) => weight.index_select(0, labels.flatten()).reshape([.. labels.shape, weight.shape[1]]);

    public override string Emit(OnnxGraphBuilder g, string input) =>
        g.Node("Gather", [g.Initializer("weight", weight), input], ("axis", 0L));
}
