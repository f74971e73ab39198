using GanService.Training.Training;

namespace GanService.Training.Data;

/// <summary>
/// How every family that trains on an image set at one size starts (gan, dcgan, cgan, BigGAN, InfoGAN, AAE, ALI): the
/// images (an IDX folder or an image folder) at the options' size, a Fashion-MNIST folder the run did not describe given
/// its licence and description, and one line saying what was loaded.
/// </summary>
public static class ImageRuns
{
    public const string FashionMnistLicense = "MIT (Fashion-MNIST, Zalando Research; Debian dataset-fashion-mnist)";

    /// <summary>Loads the run's images and calls <paramref name="train"/> with the options (described where they were
    /// not) and the images; <paramref name="note"/> is appended to a Fashion-MNIST description.</summary>
    public static int Train<T>(T o, TextWriter log, string note, Action<T, LabelledImageSet> train)
        where T : RunOptions, IImageRunOptions
    {
        using var raw = Load(o.Data, o.Size, o.Channels, o.ImageLimit);
        var dataset = raw.ToSize(o.Size); // raw itself or its resized copy, which lives as long as the run
        if (o.DataLicense == "" && o.Data.Contains("fashion-mnist", StringComparison.OrdinalIgnoreCase))
            o = (T)(o with
            {
                DataLicense = FashionMnistLicense,
                DataDescription = $"Fashion-MNIST train ({dataset.Count} images, 28² padded to {o.Size}²{note})",
            });
        log.WriteLine($"data: {dataset.Count} images {dataset.Channels}×{dataset.Height}×{dataset.Width}{(dataset.Labels is null ? "" : $", classes {dataset.ClassNames.Length}")}");
        train(o, dataset);
        return 0;
    }

    /// <summary>An IDX folder (train-images-idx3-ubyte[.gz]) or an image folder (sub-folders = classes).</summary>
    public static LabelledImageSet Load(string path, int size, int channels, int limit)
    {
        bool idx = Directory.Exists(path) && Directory.GetFiles(path).Any(f => Path.GetFileName(f).Contains("idx3-ubyte", StringComparison.Ordinal));
        return idx ? IdxDataset.LoadFolder(path, limit: limit) : ImageFolderDataset.Load(path, size, channels, limit);
    }
}
