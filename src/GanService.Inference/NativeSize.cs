using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Inference;

/// <summary>How a translate or upscale request treats the image's size.</summary>
public enum SizeMode
{
    /// <summary>The image's own size where the model takes any size (<see cref="ImageSpec.AnySize"/>), else the model's.</summary>
    Auto,

    /// <summary>Resized to the size the model was trained at (under the request's resize policy), as every fixed-size
    /// model is.</summary>
    Model,
}

/// <summary>How one image is run at its own size: the size it runs at, the padding to the network's stride, and
/// whether it goes in tiles or, for a model with global statistics, scaled down to fit.</summary>
/// <param name="RunWidth">The size the network sees before padding: the image's own, or smaller when scaled down.</param>
/// <param name="PaddedWidth">RunWidth rounded up to the size multiple (edge pixels repeated), cropped off the output again.</param>
/// <param name="Tiles">Tiles run one at a time; 1 when the padded image runs whole.</param>
/// <param name="ScaledDown">True when the image was larger than the native-size limit and the model cannot be tiled: it
/// runs scaled down to fit, and the result is scaled back up to the image's size.</param>
public sealed record NativePlan(int RunWidth, int RunHeight, int PaddedWidth, int PaddedHeight, int Tiles, bool ScaledDown)
{
    public bool Tiled => Tiles > 1;
}

/// <summary>
/// Runs a fully convolutional translator or upscaler at an image's own size. The image is padded to the network's size
/// multiple by repeating its edge pixels (always valid, unlike reflection, for pads larger than the image) and the output
/// cropped back. Above <see cref="InferenceLimits.MaxNativePixels"/> (counted on the output: an upscaler's ×s output has s²
/// times its input's pixels) a model that declares a tile margin runs tile by
/// tile: each tile's window reaches <see cref="ImageSpec.TileMargin"/> pixels (rounded up to the size multiple) into its
/// neighbours and only the tile's own region of the output is kept, so with a margin that covers the network's receptive
/// field the stitched image equals the untiled run and memory is bounded by one window, whatever the image size. (Blending
/// overlaps, as some upscaler scripts do, would only hide seams a too-small margin leaves; a cropped tile has none to hide.)
/// A model with global statistics (instance norm) has no tile margin: such an image is scaled down to fit the limit,
/// translated, and scaled back up.
/// </summary>
public static class NativeSize
{
    /// <summary>The words a translate request's size takes (API size=, CLI --resize).</summary>
    public const string SizeWords = "native, fit, crop or stretch";

    /// <summary>
    /// A request's size word for this model: empty → its own size where the model takes any size, else
    /// <paramref name="fallback"/>; native → its own size (only a model that takes any size); fit, crop, stretch → resized
    /// to the model's size under that policy. Returns why the word cannot be used (null if it can).
    /// </summary>
    public static string? ParseSize(string? text, ImageSpec spec, ResizePolicy fallback, out ResizePolicy policy, out SizeMode mode)
    {
        policy = fallback;
        mode = SizeMode.Auto;
        switch (text?.ToLowerInvariant())
        {
            case null or "": return null;
            case "native":
                return spec.AnySize ? null : $"size=native: this model takes {spec.Width}×{spec.Height} images only; use fit, crop or stretch";
            case "fit": policy = ResizePolicy.Fit; break;
            case "crop": policy = ResizePolicy.Crop; break;
            case "stretch": policy = ResizePolicy.Stretch; break;
            default: return $"size must be {SizeWords}, got '{(text.Length > 40 ? text[..40] + "…" : text)}'";
        }
        mode = SizeMode.Model;
        return null;
    }

    /// <summary>What running an image of <paramref name="width"/> × <paramref name="height"/> through this model at its own
    /// size will do.</summary>
    public static NativePlan Plan(ImageSpec spec, int width, int height, InferenceLimits limits)
    {
        if (!spec.AnySize) throw new ArgumentException("the model takes one size only");
        int k = spec.SizeMultiple!.Value;
        long pixels = OutputPixels(spec, width, height);
        if (pixels <= limits.MaxNativePixels)
            return new NativePlan(width, height, RoundUp(width, k), RoundUp(height, k), 1, false);
        if (spec.TileMargin is not null)
        {
            int tile = TileSize(spec, limits);
            int pw = RoundUp(width, k), ph = RoundUp(height, k);
            return new NativePlan(width, height, pw, ph, Ceil(pw, tile) * Ceil(ph, tile), false);
        }
        double shrink = Math.Sqrt((double)limits.MaxNativePixels / pixels);
        int w = Math.Max(1, (int)Math.Floor(width * shrink)), h = Math.Max(1, (int)Math.Floor(height * shrink));
        return new NativePlan(w, h, RoundUp(w, k), RoundUp(h, k), 1, true);
    }

    /// <summary>The pixels of the output a <paramref name="width"/> × <paramref name="height"/> input gives (its own for a
    /// translator, scale² times as many for an upscaler): what the native-size limit bounds, because an upscaler's last
    /// layers hold feature maps of its output's size (RRDBNet: 64 channels of it, 4 GB for a 1024² input at ×4).</summary>
    public static long OutputPixels(ImageSpec spec, int width, int height) => (long)width * height * spec.Scale * spec.Scale;

    /// <summary>The side of a tile's own region: the input side whose output is the limit's square side, rounded down to
    /// the size multiple, less the margins on both sides, so one window's output stays within the native-size limit.</summary>
    public static int TileSize(ImageSpec spec, InferenceLimits limits)
    {
        int k = spec.SizeMultiple!.Value;
        int margin = RoundUp(spec.TileMargin ?? 0, k);
        int side = (int)(Math.Sqrt(limits.MaxNativePixels) / spec.Scale) / k * k;
        return Math.Max(k, side - 2 * margin);
    }

    /// <summary>
    /// (C, H, W) image tensor at its own size → the model's (C, H·s, W·s) output, s = <see cref="ImageSpec.Scale"/>.
    /// <paramref name="run"/> runs the graph on one (1, C, h, w) window (h, w multiples of the size multiple) and returns
    /// its (1, C', h·s, w·s) output.
    /// </summary>
    public static float[] Run(ImageSpec spec, float[] chw, int width, int height, Func<float[], int, int, float[]> run,
        InferenceLimits limits, CancellationToken ct)
    {
        int k = spec.SizeMultiple ?? throw new ArgumentException("the model takes one size only");
        int channels = spec.Channels, s = spec.Scale;
        int pw = RoundUp(width, k), ph = RoundUp(height, k);
        var padded = pw == width && ph == height ? chw : PadEdges(chw, channels, width, height, pw, ph);
        float[] output;
        if (OutputPixels(spec, width, height) <= limits.MaxNativePixels || spec.TileMargin is null)
            output = run(padded, pw, ph);
        else
        {
            int tile = TileSize(spec, limits), margin = RoundUp(spec.TileMargin.Value, k);
            output = new float[channels * ph * s * pw * s];
            foreach (var (x0, y0, x1, y1, wx0, wy0, wx1, wy1) in Windows(pw, ph, tile, margin))
            {
                ct.ThrowIfCancellationRequested();
                var window = Crop(padded, channels, pw, ph, wx0, wy0, wx1 - wx0, wy1 - wy0);
                var result = run(window, wx1 - wx0, wy1 - wy0);
                Paste(result, channels, (wx1 - wx0) * s, (wy1 - wy0) * s, (x0 - wx0) * s, (y0 - wy0) * s,
                    output, pw * s, ph * s, x0 * s, y0 * s, (x1 - x0) * s, (y1 - y0) * s);
            }
        }
        return pw == width && ph == height ? output : Crop(output, channels, pw * s, ph * s, 0, 0, width * s, height * s);
    }

    /// <summary>
    /// The tiled run of <see cref="Run"/> written tile by tile straight into the output image (8-bit, the same bytes
    /// <see cref="ImageCodec.FromTensor"/> makes of <see cref="Run"/>'s result), so the whole output never exists as floats:
    /// a 2048² input at ×4 would otherwise hold an 8192² float image (805 MB) beside its 8-bit copy (201 MB). Memory is
    /// the image, the input and one window's buffers.
    /// </summary>
    public static Image<Rgb24> RunTiledToImage(ImageSpec spec, float[] chw, int width, int height, Func<float[], int, int, float[]> run,
        InferenceLimits limits, CancellationToken ct)
    {
        int k = spec.SizeMultiple ?? throw new ArgumentException("the model takes one size only");
        if (spec.TileMargin is null) throw new ArgumentException("the model declares no tile margin");
        int channels = spec.Channels, s = spec.Scale;
        int pw = RoundUp(width, k), ph = RoundUp(height, k);
        var padded = pw == width && ph == height ? chw : PadEdges(chw, channels, width, height, pw, ph);
        int tile = TileSize(spec, limits), margin = RoundUp(spec.TileMargin.Value, k);
        float min = spec.RangeMin, scale = PixelNormalization.ToBytesScale(spec.RangeMin, spec.RangeMax);
        var image = new Image<Rgb24>(width * s, height * s);
        try
        {
            foreach (var (x0, y0, x1, y1, wx0, wy0, wx1, wy1) in Windows(pw, ph, tile, margin))
            {
                ct.ThrowIfCancellationRequested();
                var result = run(Crop(padded, channels, pw, ph, wx0, wy0, wx1 - wx0, wy1 - wy0), wx1 - wx0, wy1 - wy0);
                // The tile's own region of the window's (C, wh·s, ww·s) output, inside the unpadded image.
                int rw = (wx1 - wx0) * s, plane = rw * (wy1 - wy0) * s;
                int ox0 = x0 * s, ox1 = Math.Min(x1, width) * s, oy0 = y0 * s, oy1 = Math.Min(y1, height) * s;
                image.ProcessPixelRows(rows =>
                {
                    for (int oy = oy0; oy < oy1; oy++)
                    {
                        var row = rows.GetRowSpan(oy);
                        int at = (oy - wy0 * s) * rw - wx0 * s;
                        for (int ox = ox0; ox < ox1; ox++)
                        {
                            byte r = PixelNormalization.ToByte(result[at + ox], min, scale);
                            row[ox] = channels == 1 ? new Rgb24(r, r, r)
                                : new Rgb24(r, PixelNormalization.ToByte(result[plane + at + ox], min, scale), PixelNormalization.ToByte(result[2 * plane + at + ox], min, scale));
                        }
                    }
                });
            }
            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>The tiles of a (ph, pw) padded image, row by row: each tile's region [x0, x1) × [y0, y1) and its window,
    /// the region and up to <paramref name="margin"/> pixels of its neighbours on each side, inside the padded image (at
    /// the image's border the network pads as it does for the whole image).</summary>
    private static IEnumerable<(int X0, int Y0, int X1, int Y1, int Wx0, int Wy0, int Wx1, int Wy1)> Windows(int pw, int ph, int tile, int margin)
    {
        for (int y0 = 0; y0 < ph; y0 += tile)
            for (int x0 = 0; x0 < pw; x0 += tile)
            {
                int x1 = Math.Min(pw, x0 + tile), y1 = Math.Min(ph, y0 + tile);
                yield return (x0, y0, x1, y1, Math.Max(0, x0 - margin), Math.Max(0, y0 - margin), Math.Min(pw, x1 + margin), Math.Min(ph, y1 + margin));
            }
    }

    /// <summary>(C, h, w) → (C, ph, pw) with the last column and row repeated.</summary>
    public static float[] PadEdges(float[] chw, int channels, int w, int h, int pw, int ph)
    {
        var result = new float[channels * ph * pw];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < ph; y++)
            {
                var source = chw.AsSpan((c * h + Math.Min(y, h - 1)) * w, w);
                var target = result.AsSpan((c * ph + y) * pw, pw);
                source.CopyTo(target);
                target[w..].Fill(source[w - 1]);
            }
        return result;
    }

    /// <summary>The (C, ch, cw) region at (x, y) of a (C, h, w) tensor.</summary>
    public static float[] Crop(float[] chw, int channels, int w, int h, int x, int y, int cw, int ch)
    {
        var result = new float[channels * ch * cw];
        for (int c = 0; c < channels; c++)
            for (int row = 0; row < ch; row++)
                chw.AsSpan((c * h + y + row) * w + x, cw).CopyTo(result.AsSpan((c * ch + row) * cw, cw));
        return result;
    }

    /// <summary>Copies the (C, rh, rw) region at (sx, sy) of <paramref name="source"/> (C, sh, sw) to (tx, ty) of
    /// <paramref name="target"/> (C, th, tw).</summary>
    private static void Paste(float[] source, int channels, int sw, int sh, int sx, int sy,
        float[] target, int tw, int th, int tx, int ty, int rw, int rh)
    {
        for (int c = 0; c < channels; c++)
            for (int row = 0; row < rh; row++)
                source.AsSpan((c * sh + sy + row) * sw + sx, rw).CopyTo(target.AsSpan((c * th + ty + row) * tw + tx, rw));
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
    private static int Ceil(int value, int divisor) => (value + divisor - 1) / divisor;
}
