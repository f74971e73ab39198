using GanService.Training.Onnx;

namespace GanService.Training.Families.StyleGan2;

/// <summary>
/// NVlabs MappingNetwork (unconditional): z (B, Z) → normalize_2nd_moment → <c>layers</c> × FC(lrelu, lr_mul 0.01) →
/// w (B, W). Tracks w_avg (EMA of the batch mean, β 0.995) for truncation: w' = w_avg + ψ (w − w_avg).
/// </summary>
public sealed class MappingNetwork : nn.Module
{
    public const double WAvgBeta = 0.995;
    public int ZDim { get; }
    public int WDim { get; }
    public int NumWs { get; }
    private readonly List<EqualizedLinear> _fcs = [];
    public readonly Tensor w_avg;

    public MappingNetwork(int zDim, int wDim, int numWs, int layers, double lrMultiplier = 0.01) : base(nameof(MappingNetwork))
    {
        (ZDim, WDim, NumWs) = (zDim, wDim, numWs);
        for (int i = 0; i < layers; i++)
        {
            var fc = new EqualizedLinear(i == 0 ? zDim : wDim, wDim, lrMultiplier: lrMultiplier, lrelu: true);
            register_module($"fc{i}", fc);
            _fcs.Add(fc);
        }
        w_avg = torch.zeros(wDim);
        register_buffer("w_avg", w_avg);
    }

    /// <summary>z (B, Z) → w (B, W), untruncated. <paramref name="updateWAvg"/>: fold this batch into w_avg (training).</summary>
    public Tensor Map(Tensor z, bool updateWAvg = false)
    {
        var x = z * (z.square().mean([1], keepdim: true) + 1e-8).rsqrt();
        foreach (var fc in _fcs) x = fc.forward(x);
        if (updateWAvg)
            using (torch.no_grad())
                w_avg.copy_(x.detach().mean([0]).lerp(w_avg, WAvgBeta));
        return x;
    }

    /// <summary>w' = w_avg + ψ (w − w_avg) on (B, W).</summary>
    public Tensor Truncate(Tensor w, double psi) => psi == 1 ? w : w_avg + (w - w_avg) * psi;

    /// <summary>z → ws (B, num_ws, W): truncated rows [0, cutoff), untruncated after (NVlabs truncation_cutoff).</summary>
    public Tensor MapWs(Tensor z, double psi = 1, int? cutoff = null)
    {
        var w = Map(z);
        var ws = w.unsqueeze(1).repeat(1, NumWs, 1);
        if (psi == 1) return ws;
        int c = Math.Clamp(cutoff ?? NumWs, 0, NumWs);
        var truncated = Truncate(w, psi).unsqueeze(1);
        if (c == NumWs) return truncated.repeat(1, NumWs, 1);
        return torch.cat([truncated.repeat(1, c, 1), ws[.., c..]], 1);
    }

    /// <summary>
    /// ONNX: (z (B, Z), psi (1,)) → w (B, W) truncated toward w_avg; with <paramref name="cutoff"/> also ws (B, num_ws, W)
    /// whose first cutoff rows are truncated and the rest not.
    /// </summary>
    public IReadOnlyList<string> EmitGraph(OnnxGraphBuilder g, string z, string psi, int? cutoff)
    {
        var sq = g.Node("Mul", [z, z]);
        var m = g.Node("ReduceMean", [sq], ("axes", new[] { 1L }), ("keepdims", 1L));
        var inv = g.Node("Reciprocal", [g.Node("Sqrt", [g.Node("Add", [m, g.Scalar("eps", 1e-8f)])])]);
        var x = g.Node("Mul", [z, inv]);
        for (int i = 0; i < _fcs.Count; i++)
            using (g.Scope($"fc{i}")) x = _fcs[i].Emit(g, x);
        var avg = g.Initializer("w_avg", w_avg);
        var truncated = g.Node("Add", [avg, g.Node("Mul", [psi, g.Node("Sub", [x, avg])])]);
        if (cutoff is null) return [truncated];
        int c = Math.Clamp(cutoff.Value, 0, NumWs);
        var axis1 = g.Int64Initializer("axis1", [1]);
        var parts = new List<string>();
        if (c > 0) parts.Add(g.Node("Tile", [g.Node("Unsqueeze", [truncated, axis1]), g.Int64Initializer("reps_trunc", [1, c, 1])]));
        if (c < NumWs) parts.Add(g.Node("Tile", [g.Node("Unsqueeze", [x, axis1]), g.Int64Initializer("reps_raw", [1, NumWs - c, 1])]));
        var ws = parts.Count == 1 ? parts[0] : g.Node("Concat", parts, ("axis", 1L));
        return [truncated, ws];
    }
}
