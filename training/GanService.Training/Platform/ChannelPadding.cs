namespace GanService.Training.Platform;

/// <summary>
/// The "pad" remedy: a convolution computed with its channel counts padded with zeros to the shapes oneDNN's f32
/// kernels get right, then cut back. Exact: the added input channels are zero and meet zero weights, the added output
/// channels are dropped, and autograd carries the gradients of the real channels through the pad and the slice.
/// The rule, per group, measured on the affected CPU (docs/platform.md: kernels 1, 3, 4; strides 1, 2; inputs 1² to
/// 16²; batches 1, 2, 8; forward, input and weight gradients; 0 of 7,776 wrong with it, 211 of 486 without): a
/// convolution's input channels above 16 go up to a multiple of 32 and its output channels to 16 (at most 16) or a
/// multiple of 32; both sides of a transposed convolution go to 16 or a multiple of 32 (its forward is oneDNN's
/// backward-data pass, wrong for every other count tried, odd multiples of 16 such as 48 included). Depthwise
/// convolutions (one channel per group, groups &gt; 1) are left alone: oneDNN runs them with another kernel, which the
/// probe checks.
/// </summary>
public static class ChannelPadding
{
    /// <summary>The per-group channel counts a convolution (input → output, as its forward sees them) runs with.</summary>
    public static (long In, long Out) Padded(long inPerGroup, long outPerGroup, long groups, bool transposed) =>
        groups > 1 && inPerGroup == 1 && outPerGroup == 1 ? (1, 1)
        : transposed ? (Wide(inPerGroup), Wide(outPerGroup))
        : (inPerGroup > 16 ? RoundUp(inPerGroup, 32) : inPerGroup, Wide(outPerGroup));

    /// <summary>16 for up to 16 channels, else the next multiple of 32.</summary>
    private static long Wide(long c) => c <= 16 ? 16 : RoundUp(c, 32);

    private static long RoundUp(long c, long multiple) => (c + multiple - 1) / multiple * multiple;

    /// <summary><c>conv2d</c> with padded channels; weight (G·out, in, k, k).</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups)
    {
        long cin = weight.shape[1], cout = weight.shape[0] / groups;
        var (pin, pout) = Padded(cin, cout, groups, transposed: false);
        if (pin == cin && pout == cout) return nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups);
        using var scope = torch.NewDisposeScope();
        var w = PadGroups(weight.reshape(groups, cout, cin, weight.shape[2], weight.shape[3]), (1, pout - cout), (2, pin - cin))
            .reshape(groups * pout, pin, weight.shape[2], weight.shape[3]);
        var b = bias is null ? null : PadGroups(bias.reshape(groups, cout), (1, pout - cout)).reshape(groups * pout);
        var y = nn.functional.conv2d(PadInput(x, groups, cin, pin), w, b, stride, padding, dilation, groups);
        return scope.MoveToOuter(CutOutput(y, groups, cout, pout));
    }

    /// <summary><c>conv_transpose2d</c> with padded channels; weight (G·in, out, k, k).</summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] outputPadding,
        long[] dilation, long groups)
    {
        long cin = weight.shape[0] / groups, cout = weight.shape[1];
        var (pin, pout) = Padded(cin, cout, groups, transposed: true);
        if (pin == cin && pout == cout)
            return nn.functional.conv_transpose2d(x, weight, bias, stride, padding, outputPadding, dilation, groups);
        using var scope = torch.NewDisposeScope();
        var w = PadGroups(weight.reshape(groups, cin, cout, weight.shape[2], weight.shape[3]), (1, pin - cin), (2, pout - cout))
            .reshape(groups * pin, pout, weight.shape[2], weight.shape[3]);
        var b = bias is null ? null : PadGroups(bias.reshape(groups, cout), (1, pout - cout)).reshape(groups * pout);
        var y = nn.functional.conv_transpose2d(PadInput(x, groups, cin, pin), w, b, stride, padding, outputPadding, dilation, groups);
        return scope.MoveToOuter(CutOutput(y, groups, cout, pout));
    }

    /// <summary>(N, G·c, H, W) → (N, G·p, H, W), zeros after each group's c channels.</summary>
    private static Tensor PadInput(Tensor x, long groups, long c, long p) =>
        p == c ? x : PadGroups(x.reshape(x.shape[0], groups, c, x.shape[2], x.shape[3]), (2, p - c)).reshape(x.shape[0], groups * p, x.shape[2], x.shape[3]);

    /// <summary>(N, G·p, H, W) → (N, G·c, H, W): each group's first c channels.</summary>
    private static Tensor CutOutput(Tensor y, long groups, long c, long p) =>
        p == c ? y : y.reshape(y.shape[0], groups, p, y.shape[2], y.shape[3]).narrow(2, 0, c).reshape(y.shape[0], groups * c, y.shape[2], y.shape[3]);

    /// <summary>Zeros appended along the given dimensions (dimension, how many).</summary>
    private static Tensor PadGroups(Tensor t, params (int Dim, long Extra)[] pads)
    {
        // nn.functional.pad lists (before, after) pairs from the last dimension backwards.
        var spec = new long[2 * t.dim()];
        foreach (var (dim, extra) in pads) spec[2 * (t.dim() - 1 - dim) + 1] = extra;
        return spec.Any(v => v != 0) ? nn.functional.pad(t, spec) : t;
    }
}
