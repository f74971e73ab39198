using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Training.Data;

/// <summary>
/// A folder of images for unconditional or class-conditional generation: either images directly in the folder
/// (no labels) or one sub-folder per class (labels = sub-folder index in ordinal name order). Every image is decoded
/// with the hardened codec, resized to size×size (centre crop keeps the aspect) and kept grey or RGB.
/// </summary>
public static class ImageFolderDataset
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".webp"];

    public static LabelledImageSet Load(string folder, int size, int channels, int limit = 0)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException(folder);
        var classes = Directory.GetDirectories(folder).Select(Path.GetFileName).Where(d => d is not null && !d.StartsWith('.'))
            .Cast<string>().Order(StringComparer.Ordinal).ToArray();
        var files = new List<(string Path, long Label)>();
        if (classes.Length > 0)
            for (int k = 0; k < classes.Length; k++)
                files.AddRange(ImagesIn(Path.Combine(folder, classes[k])).Select(f => (f, (long)k)));
        else files.AddRange(ImagesIn(folder).Select(f => (f, -1L)));
        if (limit > 0 && files.Count > limit) files = files.Take(limit).ToList();
        if (files.Count == 0) throw new InvalidDataException($"{folder}: no images ({string.Join(", ", Extensions)})");

        var spec = new ImageSpec(channels, size, size);
        var limits = new ImageLimits();
        var pixels = new byte[files.Count * channels * size * size];
        int plane = channels * size * size;
        for (int i = 0; i < files.Count; i++)
        {
            using var img = ImageCodec.Decode(File.ReadAllBytes(files[i].Path), limits);
            using var resized = ImageCodec.Resize(img, size, size, ResizePolicy.Crop);
            var chw = ImageCodec.ToTensor(resized, spec); // [-1, 1]
            for (int j = 0; j < plane; j++) pixels[i * plane + j] = (byte)Math.Clamp(Math.Round((chw[j] + 1) * 127.5), 0, 255);
        }
        var t = torch.tensor(pixels, [files.Count, channels, size, size], ScalarType.Byte);
        Tensor? labels = classes.Length > 0 ? torch.tensor(files.Select(f => f.Label).ToArray(), ScalarType.Int64) : null;
        return new LabelledImageSet(t, labels, classes);
    }

    private static IEnumerable<string> ImagesIn(string dir) =>
        Directory.GetFiles(dir).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal);
}
