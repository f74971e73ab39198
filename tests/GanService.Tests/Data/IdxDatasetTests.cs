using System.IO.Compression;
using GanService.Training.Data;

namespace GanService.Tests.Data;

public class IdxDatasetTests
{
    private static byte[] Idx(byte ndim, int[] dims, byte[] data)
    {
        var b = new List<byte> { 0, 0, 8, ndim };
        foreach (var d in dims) b.AddRange(BitConverter.GetBytes(d).Reverse());
        b.AddRange(data);
        return b.ToArray();
    }

    [Fact]
    public void Reads_plain_and_gzipped_idx_with_labels_and_pads_to_32()
    {
        var dir = Directory.CreateTempSubdirectory("idx");
        try
        {
            var pixels = Enumerable.Range(0, 2 * 28 * 28).Select(i => (byte)(i % 256)).ToArray();
            File.WriteAllBytes(Path.Combine(dir.FullName, "train-images-idx3-ubyte"), Idx(3, [2, 28, 28], pixels));
            using (var gz = new GZipStream(File.Create(Path.Combine(dir.FullName, "train-labels-idx1-ubyte.gz")), CompressionLevel.Fastest))
                gz.Write(Idx(1, [2], [7, 3]));
            using var set = IdxDataset.LoadFolder(dir.FullName, classNames: IdxDataset.FashionMnistClasses);
            Assert.Equal(2, set.Count);
            Assert.Equal(new long[] { 7, 3 }, set.Labels!.data<long>().ToArray());
            Assert.Equal(8, set.ClassNames.Length);
            Assert.Equal(pixels[28 + 5], set.Pixels[0, 0, 1, 5].item<byte>());
            using var padded = set.ToSize(32);
            Assert.Equal(new long[] { 2, 1, 32, 32 }, padded.Pixels.shape);
            Assert.Equal(pixels[28 + 5], padded.Pixels[0, 0, 3, 7].item<byte>());
            var batch = padded.Batch(torch.tensor(new long[] { 1 }));
            Assert.Equal(-1f, batch[0, 0, 0, 0].item<float>());
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Rejects_truncated_idx() =>
        Assert.Throws<InvalidDataException>(() => IdxDataset.Parse(Idx(3, [2, 28, 28], new byte[100])));
}
