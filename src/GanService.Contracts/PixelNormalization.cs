namespace GanService.Contracts;

/// <summary>
/// Bytes ↔ model tensors. Pixels p ∈ {0…255} map linearly onto [min, max] (all shipped models: [-1, 1], i.e.
/// x = p / 127.5 − 1), and back with rounding to nearest and clamping. Layout: interleaved HWC bytes ↔ planar CHW floats.
/// </summary>
public static class PixelNormalization
{
    /// <summary>HWC bytes (channels interleaved) → CHW floats in [min, max].</summary>
    public static void ToTensor(ReadOnlySpan<byte> hwc, Span<float> chw, int channels, int height, int width, float min = -1f, float max = 1f)
    {
        int plane = height * width;
        if (hwc.Length != plane * channels || chw.Length != plane * channels)
            throw new ArgumentException($"expected {plane * channels} values, got {hwc.Length} bytes and {chw.Length} floats");
        float scale = ToTensorScale(min, max);
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < channels; c++)
                chw[c * plane + i] = hwc[i * channels + c] * scale + min;
    }

    /// <summary>CHW floats in [min, max] → HWC bytes, rounded to nearest and clamped to 0…255.</summary>
    public static void ToBytes(ReadOnlySpan<float> chw, Span<byte> hwc, int channels, int height, int width, float min = -1f, float max = 1f)
    {
        int plane = height * width;
        if (hwc.Length != plane * channels || chw.Length != plane * channels)
            throw new ArgumentException($"expected {plane * channels} values, got {chw.Length} floats and {hwc.Length} bytes");
        float scale = ToBytesScale(min, max);
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < channels; c++)
                hwc[i * channels + c] = ToByte(chw[c * plane + i], min, scale);
    }

    /// <summary>Multiplier of a byte on its way to [min, max]: x = p · scale + min.</summary>
    public static float ToTensorScale(float min, float max) => (max - min) / 255f;

    /// <summary>Multiplier of a tensor value on its way back to bytes (see <see cref="ToByte"/>).</summary>
    public static float ToBytesScale(float min, float max) => 255f / (max - min);

    /// <summary>One value in [min, max] → its byte: rounded to nearest (halves away from zero), clamped, NaN → 0.</summary>
    public static byte ToByte(float value, float min, float scale)
    {
        float v = (value - min) * scale;
        return float.IsNaN(v) ? (byte)0 : (byte)Math.Clamp(MathF.Round(v, MidpointRounding.AwayFromZero), 0f, 255f);
    }
}
