using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Tricks;

/// <summary>
/// Virtual batch normalisation (Salimans et al. 2016, §3.4): each example is normalised with the statistics of a fixed
/// reference batch R combined with itself — μ(x) = (N μ_R + m(x)) / (N + 1), likewise for E[x²] — so an example's output
/// does not depend on the other examples of its minibatch. m(x) is the example's own per-channel mean over the
/// non-channel dims. Call <see cref="CaptureReference"/> (or run the network once with <see cref="Capturing"/> set)
/// on the reference batch; the reference statistics are buffers, so eval and export are batch-independent.
/// Works on (B, C) and (B, C, H, W). ONNX: ReduceMean, Mul/Add/Sub, Sqrt, Div.
/// </summary>
public sealed class VirtualBatchNorm : Layer
{
    public readonly Parameter weight;
    public readonly Parameter bias;
    public readonly Tensor ref_mean;    // (C,)
    public readonly Tensor ref_meansq;  // (C,)
    public readonly Tensor ref_count;   // scalar N
    public long Channels { get; }
    public double Eps { get; }
    public bool Capturing { get; set; }

    /// <summary>The input rank the layer is built for (2: (B, C) after a Linear; 4: (B, C, H, W)); export needs it.</summary>
    public int Rank { get; }

    public VirtualBatchNorm(long channels, int rank = 4, double eps = 1e-5) : base(nameof(VirtualBatchNorm))
    {
        if (rank is not (2 or 4)) throw new ArgumentOutOfRangeException(nameof(rank), "rank must be 2 or 4");
        (Channels, Eps, Rank) = (channels, eps, rank);
        weight = NewParameter("weight", torch.ones(channels));
        bias = NewParameter("bias", torch.zeros(channels));
        ref_mean = torch.zeros(channels);
        ref_meansq = torch.ones(channels);
        ref_count = torch.tensor(1f);
        register_buffer("ref_mean", ref_mean);
        register_buffer("ref_meansq", ref_meansq);
        register_buffer("ref_count", ref_count);
    }

    private long[] ReduceDims(Tensor x) => x.dim() == 2 ? [] : Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray();
    private long[] ChannelShape(Tensor x) => x.dim() == 2 ? [1, Channels] : [1, Channels, .. Enumerable.Repeat(1L, (int)x.dim() - 2)];

    public void CaptureReference(Tensor reference)
    {
        using var _ = torch.no_grad();
        var dims = new long[] { 0 }.Concat(ReduceDims(reference)).ToArray();
        ref_mean.copy_(reference.mean(dims));
        ref_meansq.copy_(reference.square().mean(dims));
        ref_count.fill_(reference.shape[0]);
    }

    public override Tensor forward(Tensor x)
    {
        if (Capturing) CaptureReference(x);
        var dims = ReduceDims(x);
        var own = dims.Length == 0 ? x : x.mean(dims, keepdim: true);            // (B, C[, 1, 1])
        var ownSq = dims.Length == 0 ? x.square() : x.square().mean(dims, keepdim: true);
        var shape = ChannelShape(x);
        var n = ref_count;
        var mean = (ref_mean.reshape(shape) * n + own) / (n + 1);
        var meansq = (ref_meansq.reshape(shape) * n + ownSq) / (n + 1);
        var std = (meansq - mean.square() + Eps).sqrt();
        return (x - mean) / std * weight.reshape(shape) + bias.reshape(shape);
    }

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        int rank = Rank;
        long[] shape = rank == 2 ? [1, Channels] : [1, Channels, .. Enumerable.Repeat(1L, rank - 2)];
        float n = ref_count.item<float>();
        string own = input, ownSq = g.Node("Mul", [input, input]);
        if (rank > 2)
        {
            long[] axes = Enumerable.Range(2, rank - 2).Select(i => (long)i).ToArray();
            own = g.Node("ReduceMean", [input], ("axes", axes), ("keepdims", 1L));
            ownSq = g.Node("ReduceMean", [ownSq], ("axes", axes), ("keepdims", 1L));
        }
        var refMean = g.Initializer("ref_mean_scaled", (ref_mean * n / (n + 1)).reshape(shape));
        var refSq = g.Initializer("ref_meansq_scaled", (ref_meansq * n / (n + 1)).reshape(shape));
        var inv = g.Scalar("inv_n1", 1f / (n + 1));
        var mean = g.Node("Add", [refMean, g.Node("Mul", [own, inv])]);
        var meansq = g.Node("Add", [refSq, g.Node("Mul", [ownSq, inv])]);
        var variance = g.Node("Sub", [meansq, g.Node("Mul", [mean, mean])]);
        var std = g.Node("Sqrt", [g.Node("Add", [variance, g.Scalar("eps", (float)Eps)])]);
        var y = g.Node("Div", [g.Node("Sub", [input, mean]), std]);
        return g.Node("Add", [g.Node("Mul", [y, g.Initializer("weight", weight.reshape(shape))]), g.Initializer("bias", bias.reshape(shape))]);
    }
}
