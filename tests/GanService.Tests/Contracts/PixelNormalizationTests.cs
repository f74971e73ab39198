using GanService.Contracts;

namespace GanService.Tests.Contracts;

public class PixelNormalizationTests
{
    [Fact]
    public void Maps_bytes_to_minus_one_one_planar()
    {
        byte[] hwc = [0, 255, 128, 10, 20, 30]; // 1×2 RGB
        var chw = new float[6];
        PixelNormalization.ToTensor(hwc, chw, 3, 1, 2);
        Assert.Equal(-1f, chw[0]);                       // R of pixel 0
        Assert.Equal(10 / 127.5f - 1, chw[1], 6);        // R of pixel 1
        Assert.Equal(1f, chw[2]);                        // G of pixel 0
        Assert.Equal(128 / 127.5f - 1, chw[4], 6);       // B of pixel 0
    }

    [Fact]
    public void Round_trips_every_byte_and_clamps_outliers()
    {
        var hwc = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var chw = new float[256];
        PixelNormalization.ToTensor(hwc, chw, 1, 16, 16);
        var back = new byte[256];
        PixelNormalization.ToBytes(chw, back, 1, 16, 16);
        Assert.Equal(hwc, back);
        var outliers = new byte[3];
        PixelNormalization.ToBytes([-5f, 7f, float.NaN], outliers, 1, 1, 3);
        Assert.Equal(new byte[] { 0, 255, 0 }, outliers);
    }
}
