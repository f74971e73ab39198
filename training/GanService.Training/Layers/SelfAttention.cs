using GanService.Training.Onnx;
using GanService.Training.Tricks;

namespace GanService.Training.Layers;

/// <summary>
/// The non-local self-attention block of SAGAN / BigGAN (Zhang et al. 2019; Brock et al. 2019), spectrally normalised
/// 1×1 convolutions without bias: θ (C → C/8) on every position, φ (C → C/8) and g (C → C/2) max-pooled 2×2 (a quarter
/// of the keys, as in BigGAN), β = softmax(θᵀφ) over the keys, o (C/2 → C) back to C channels, and y = x + γ·o with γ a
/// learned scalar that starts at 0 (the block begins as the identity). (B, C, H, W) → (B, C, H, W), H and W even.
/// ONNX: Conv (W/σ folded by <see cref="SpectralNorm"/>), MaxPool, Reshape, Transpose, MatMul, Softmax, Mul, Add.
/// </summary>
public sealed class SelfAttention : Layer
{
    public readonly SpectralNorm theta;
    public readonly SpectralNorm phi;
    public readonly SpectralNorm g;
    public readonly SpectralNorm o;
    public readonly Parameter gamma;
    public long Channels { get; }

    public SelfAttention(long channels) : base(nameof(SelfAttention))
    {
        if (channels % 8 != 0) throw new ArgumentException($"self-attention needs channels divisible by 8, got {channels}");
        Channels = channels;
        theta = new SpectralNorm(new Conv2d(channels, channels / 8, 1, bias: false));
        phi = new SpectralNorm(new Conv2d(channels, channels / 8, 1, bias: false));
        g = new SpectralNorm(new Conv2d(channels, channels / 2, 1, bias: false));
        o = new SpectralNorm(new Conv2d(channels / 2, channels, 1, bias: false));
        register_module("theta", theta);
        register_module("phi", phi);
        register_module("g", g);
        register_module("o", o);
        gamma = NewParameter("gamma", torch.zeros(1));
    }

    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var th = theta.forward(x).reshape(b, c / 8, h * w);                                         // (B, C/8, N)
        var ph = nn.functional.max_pool2d(phi.forward(x), 2, 2).reshape(b, c / 8, h * w / 4);        // (B, C/8, N/4)
        var gg = nn.functional.max_pool2d(g.forward(x), 2, 2).reshape(b, c / 2, h * w / 4);          // (B, C/2, N/4)
        var beta = torch.bmm(th.transpose(1, 2), ph).softmax(-1);                                    // (B, N, N/4)
        var attended = torch.bmm(gg, beta.transpose(1, 2)).reshape(b, c / 2, h, w);                  // (B, C/2, H, W)
        return x + gamma * o.forward(attended);
    }

    public override string Emit(OnnxGraphBuilder b, string input)
    {
        string Conv(string name, SpectralNorm conv, string x)
        {
            using (b.Scope(name)) return conv.Emit(b, x);
        }
        string Pool(string x) => b.Node("MaxPool", [x], ("kernel_shape", new[] { 2L, 2L }), ("strides", new[] { 2L, 2L }));
        // Reshape's 0 keeps the (dynamic) batch dimension.
        string Flat(string x, long channels) => b.Node("Reshape", [x, b.Int64Initializer("flat", [0, channels, -1])]);

        var th = Flat(Conv("theta", theta, input), Channels / 8);
        var ph = Flat(Pool(Conv("phi", phi, input)), Channels / 8);
        var gg = Flat(Pool(Conv("g", g, input)), Channels / 2);
        var logits = b.Node("MatMul", [b.Node("Transpose", [th], ("perm", new[] { 0L, 2L, 1L })), ph]);
        var beta = b.Node("Softmax", [logits], ("axis", -1L));
        var attended = b.Node("MatMul", [gg, b.Node("Transpose", [beta], ("perm", new[] { 0L, 2L, 1L }))]);
        // Back to (B, C/2, H, W): H and W come from the input's shape, so the block emits for any even size.
        var hw = b.Node("Slice", [b.Node("Shape", [input]), b.Int64Initializer("hw_start", [2]), b.Int64Initializer("hw_end", [4])]);
        var shape = b.Node("Concat", [b.Int64Initializer("bc", [0, Channels / 2]), hw], ("axis", 0L));
        var spatial = b.Node("Reshape", [attended, shape]);
        var y = Conv("o", o, spatial);
        return b.Node("Add", [input, b.Node("Mul", [y, b.Initializer("gamma", gamma)])]);
    }
}
