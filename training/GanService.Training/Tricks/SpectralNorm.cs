using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Tricks;

/// <summary>
/// Spectral normalisation (Miyato et al. 2018) around a Linear, Conv2d or ConvTranspose2d: the layer runs with W / σ(W),
/// σ estimated by power iteration on the weight viewed as a matrix (out, rest) — for a transposed conv, as PyTorch does,
/// along dim 1. Training: one power iteration per forward (u, v are buffers, updated without gradient; σ = uᵀ W v keeps
/// the gradient through W). Eval: the stored u, v, no iteration. Export folds the normalised weight: the wrapped layer
/// emits with W / σ as its initializer, so ONNX sees a plain layer.
/// </summary>
public sealed class SpectralNorm : Layer
{
    public readonly Layer inner;
    public readonly Tensor u; // (rows,)
    public readonly Tensor v; // (cols,)
    public int PowerIterations { get; }
    public double Eps { get; }

    public SpectralNorm(Layer inner, int powerIterations = 1, double eps = 1e-12) : base(nameof(SpectralNorm))
    {
        if (inner is not (Linear or Conv2d or ConvTranspose2d)) throw new ArgumentException($"spectral norm wraps Linear/Conv2d/ConvTranspose2d, not {inner.GetType().Name}");
        (PowerIterations, Eps) = (powerIterations, eps);
        this.inner = inner;
        register_module("inner", inner);
        using var _ = torch.no_grad();
        using var m = Matrix();
        u = nn.functional.normalize(torch.randn(m.shape[0]), dim: 0, eps: eps);
        v = nn.functional.normalize(torch.randn(m.shape[1]), dim: 0, eps: eps);
        register_buffer("u", u);
        register_buffer("v", v);
        // A few iterations at construction so σ starts close (PyTorch does 15).
        for (int i = 0; i < 15; i++) Iterate(m);
    }

    public Parameter Weight => inner switch
    {
        Linear l => l.weight,
        Conv2d c => c.weight,
        ConvTranspose2d t => t.weight,
        _ => throw new InvalidOperationException(),
    };

    /// <summary>Re-runs the power iteration from the current u, v (after the weight was re-initialised in place).</summary>
    public void Reestimate(int iterations = 15)
    {
        using var _ = torch.no_grad();
        using var m = Matrix();
        for (int i = 0; i < iterations; i++) Iterate(m);
    }

    /// <summary>The weight as a (rows, cols) matrix (a view sharing the gradient).</summary>
    public Tensor Matrix()
    {
        var w = Weight;
        if (inner is ConvTranspose2d) return w.transpose(0, 1).reshape(w.shape[1], -1);
        return w.reshape(w.shape[0], -1);
    }

    private void Iterate(Tensor m)
    {
        using var scope = torch.NewDisposeScope();
        var nv = nn.functional.normalize(m.t().mv(u), dim: 0, eps: Eps);
        var nu = nn.functional.normalize(m.mv(nv), dim: 0, eps: Eps);
        v.copy_(nv);
        u.copy_(nu);
    }

    /// <summary>σ(W) = uᵀ W v; in training mode u, v are first advanced by the power iterations.</summary>
    public Tensor Sigma()
    {
        var m = Matrix();
        if (!training) return u.dot(m.mv(v));
        using (torch.no_grad())
            for (int i = 0; i < PowerIterations; i++) Iterate(m.detach());
        // Copies, as PyTorch's spectral_norm takes: the next forward's iteration updates u, v in place, which would
        // invalidate this graph when two forwards share one backward (D on real and on fake batches).
        return u.clone().dot(m.mv(v.clone()));
    }

    public Tensor NormalisedWeight() => Weight / Sigma();

    public override Tensor forward(Tensor x)
    {
        var w = NormalisedWeight();
        return inner switch
        {
            Linear l => nn.functional.linear(x, w, l.bias),
            Conv2d c => ConvolutionBackend.Conv2d(x, w, c.bias, [c.Stride, c.Stride], [c.Padding, c.Padding], [c.Dilation, c.Dilation], c.Groups),
            ConvTranspose2d t => ConvolutionBackend.ConvTranspose2d(x, w, t.bias, [t.Stride, t.Stride], [t.Padding, t.Padding],
                [t.OutputPadding, t.OutputPadding], [t.Dilation, t.Dilation], t.Groups),
            _ => throw new InvalidOperationException(),
        };
    }

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        // Swap W/σ into the wrapped layer just long enough for it to write its initializer, then restore W.
        using var _ = torch.no_grad();
        var w = Weight;
        using var original = w.detach().clone();
        using var folded = NormalisedWeight().detach();
        w.copy_(folded);
        try
        {
            using (g.Scope("inner")) return inner.Emit(g, input);
        }
        finally { w.copy_(original); }
    }
}
