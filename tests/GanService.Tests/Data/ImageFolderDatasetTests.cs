using GanService.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.Data;

public class ImageFolderDatasetTests
{
    [Fact]
    public void Class_subfolders_become_labels_and_images_are_resized_grey_or_rgb()
    {
        var dir = Directory.CreateTempSubdirectory("imgfolder").FullName;
        try
        {
            foreach (var (cls, colour) in new[] { ("cat", new Rgb24(255, 0, 0)), ("dog", new Rgb24(0, 0, 255)) })
            {
                Directory.CreateDirectory(Path.Combine(dir, cls));
                for (int i = 0; i < 2; i++)
                    using (var img = new Image<Rgb24>(40, 20, colour)) img.SaveAsPng(Path.Combine(dir, cls, $"{i}.png"));
            }
            File.WriteAllText(Path.Combine(dir, "dog", "notes.txt"), "ignored");
            using var rgb = ImageFolderDataset.Load(dir, 16, 3);
            Assert.Equal(new long[] { 4, 3, 16, 16 }, rgb.Pixels.shape);
            Assert.Equal(["cat", "dog"], rgb.ClassNames);
            Assert.Equal(new long[] { 0, 0, 1, 1 }, rgb.Labels!.data<long>().ToArray());
            Assert.Equal(255, rgb.Pixels[0, 0, 8, 8].item<byte>()); // red cat
            Assert.Equal(255, rgb.Pixels[2, 2, 8, 8].item<byte>()); // blue dog
            using var grey = ImageFolderDataset.Load(dir, 8, 1);
            Assert.Equal(new long[] { 4, 1, 8, 8 }, grey.Pixels.shape);
            Assert.Equal(Math.Round(0.299 * 255), grey.Pixels[0, 0, 4, 4].item<byte>(), 0);
        }
        finally { Directory.Delete(dir, true); }
    }
}
