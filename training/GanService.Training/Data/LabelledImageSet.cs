namespace GanService.Training.Data;

/// <summary>
/// An in-memory image set for generation training: pixels kept as bytes (N, C, H, W) (60k Fashion-MNIST at 32² is
/// 61 MB), converted to floats in [-1, 1] per batch; optional class labels (N,) int64 with their names.
/// </summary>
public sealed class LabelledImageSet : IDisposable
{
    public Tensor Pixels { get; }          // (N, C, H, W) uint8
    public Tensor? Labels { get; }         // (N,) int64
    public string[] ClassNames { get; }

    public LabelledImageSet(Tensor pixels, Tensor? labels, string[] classNames)
    {
        if (pixels.dtype != ScalarType.Byte || pixels.dim() != 4) throw new ArgumentException("pixels must be (N, C, H, W) uint8");
        if (labels is not null && labels.shape[0] != pixels.shape[0]) throw new ArgumentException("one label per image");
        (Pixels, Labels, ClassNames) = (pixels, labels, classNames);
    }

    public long Count => Pixels.shape[0];
    public int Channels => (int)Pixels.shape[1];
    public int Height => (int)Pixels.shape[2];
    public int Width => (int)Pixels.shape[3];

    /// <summary>(B, C, H, W) floats in [-1, 1] for the given indices.</summary>
    public Tensor Batch(Tensor indices) => Pixels.index_select(0, indices).to_type(ScalarType.Float32) / 127.5f - 1f;

    public Tensor? BatchLabels(Tensor indices) => Labels?.index_select(0, indices);

    /// <summary>Zero-pads (with black) each side to reach <paramref name="size"/> — e.g. 28² MNIST → 32² for DCGAN —
    /// or resizes with bilinear interpolation when the size is smaller or the difference is odd.</summary>
    public LabelledImageSet ToSize(int size)
    {
        if (Height == size && Width == size) return this;
        Tensor p;
        if (Height <= size && Width <= size && (size - Height) % 2 == 0 && (size - Width) % 2 == 0)
        {
            long ph = (size - Height) / 2, pw = (size - Width) / 2;
            p = nn.functional.pad(Pixels, [pw, pw, ph, ph], PaddingModes.Constant, 0);
        }
        else
        {
            using var f = Pixels.to_type(ScalarType.Float32);
            using var r = nn.functional.interpolate(f, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
            p = r.round().clamp(0, 255).to_type(ScalarType.Byte);
        }
        return new LabelledImageSet(p, Labels, ClassNames);
    }

    public void Dispose()
    {
        Pixels.Dispose();
        Labels?.Dispose();
    }
}
