using System.CommandLine;
using GanService.Training.Data;
using GanService.Training.Families.StackGan;

namespace GanService.Cli.Commands;

/// <summary>`gan datasets shapes --out DIR`: deterministic synthetic data for the translation families.</summary>
public static class DatasetsCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "folder to write", Required = true };
        var layout = new Option<string>("--layout") { Description = "aligned (pix2pix A|B: outline → coloured fill), unaligned (CycleGAN trainA red / trainB blue), domains (StarGAN train/blue|green|red), captions (StackGAN train/ and test/ with captions.tsv: \"red circle\", \"a blue square\", …)", DefaultValueFactory = _ => "aligned" };
        var count = new Option<int>("--count") { Description = "training images (per domain for unaligned)", DefaultValueFactory = _ => 400 };
        var testCount = new Option<int>("--test-count") { Description = "test images (aligned / unaligned)", DefaultValueFactory = _ => 16 };
        var size = new Option<int>("--size") { Description = "image size in pixels", DefaultValueFactory = _ => 64 };
        var seed = new Option<int>("--seed") { Description = "the same seed gives byte-identical files", DefaultValueFactory = _ => 0 };
        var shapes = new Command("shapes", "circles, squares and triangles on white (circle red, square blue, triangle green); every file is a function of (seed, index)")
        {
            output, layout, count, testCount, size, seed,
        };
        shapes.SetAction(parse =>
        {
            try
            {
                int n;
                if (parse.GetValue(layout) == "captions")
                {
                    // Any colour with any shape, so a caption's two words are independent (the text-to-image learning set).
                    using var train = CaptionedImages.Shapes(parse.GetValue(count), parse.GetValue(size), parse.GetValue(seed));
                    using var test = CaptionedImages.Shapes(parse.GetValue(testCount), parse.GetValue(size), parse.GetValue(seed) + 1);
                    train.Save(Path.Combine(parse.GetValue(output)!, "train"));
                    test.Save(Path.Combine(parse.GetValue(output)!, "test"));
                    n = (int)(train.Count + test.Count);
                }
                else n = SyntheticShapes.Write(parse.GetValue(output)!, parse.GetValue(layout)!, parse.GetValue(count), parse.GetValue(size),
                    parse.GetValue(seed), parse.GetValue(testCount));
                Console.WriteLine($"wrote {n} images to {parse.GetValue(output)}");
                return 0;
            }
            catch (ArgumentException e) { Console.Error.WriteLine($"error: {e.Message}"); return 2; }
        });
        return new Command("datasets", "build synthetic datasets") { shapes };
    }
}
