using GanService.Cli.Commands;
using GanService.Tests.Repository;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.Cli;

/// <summary>`gan translate --target a,b|all --out grid.png`: one grid, a row per input — the input, then each target's
/// output, the same pixels as one `--target` at a time.</summary>
public sealed class TranslateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gan-translate-grid").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static string Model => Path.Combine(RepositoryLayoutTests.Root(), "models", "shapes-recolor-stargan");

    private static Rgb24[] Tile(Image<Rgb24> grid, int column, int row, int size)
    {
        var pixels = new Rgb24[size * size];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++) pixels[y * size + x] = grid[2 + column * (size + 2) + x, 2 + row * (size + 2) + y];
        return pixels;
    }

    [Fact]
    public void Several_targets_make_one_grid_of_input_then_each_target_matching_single_target_runs()
    {
        var inputs = Path.Combine(_dir, "in");
        Directory.CreateDirectory(inputs);
        for (int i = 0; i < 2; i++)
        {
            using var img = new Image<Rgb24>(32, 32, new Rgb24(255, 255, 255));
            for (int y = 8 + 4 * i; y < 24; y++) for (int x = 8; x < 24 - 4 * i; x++) img[x, y] = new Rgb24(200, 30, 30);
            img.SaveAsPng(Path.Combine(inputs, $"{i}.png"));
        }
        string grid = Path.Combine(_dir, "grid.png");
        var (exit, output, err) = CommandRunner.Run(TranslateCommand.Create(), "--model", Model, "--in", inputs, "--target", "all", "--out", grid);
        Assert.True(exit == 0, err);
        Assert.Contains("2 input(s) × (input, blue, green, red)", output);
        using var g = Image.Load<Rgb24>(grid);
        Assert.Equal((4 * 32 + 5 * 2, 2 * 32 + 3 * 2), (g.Width, g.Height)); // ImageCodec.Grid's 2-px white gutters

        // Column k + 1 is what --target k alone writes for the same input.
        string single = Path.Combine(_dir, "green.png");
        (exit, _, err) = CommandRunner.Run(TranslateCommand.Create(), "--model", Model, "--in", Path.Combine(inputs, "1.png"), "--target", "green", "--out", single);
        Assert.True(exit == 0, err);
        using var one = Image.Load<Rgb24>(single);
        var alone = new Rgb24[32 * 32];
        one.CopyPixelDataTo(alone);
        Assert.Equal(alone, Tile(g, 2, 1, 32));

        // A subset in the order given; an unknown name is refused naming the known ones; a folder cannot take a grid.
        (exit, output, _) = CommandRunner.Run(TranslateCommand.Create(), "--model", Model, "--in", inputs, "--target", "red,blue", "--out", grid);
        Assert.Equal(0, exit);
        Assert.Contains("(input, red, blue)", output);
        (exit, _, err) = CommandRunner.Run(TranslateCommand.Create(), "--model", Model, "--in", inputs, "--target", "red,purple", "--out", grid);
        Assert.NotEqual(0, exit);
        Assert.Contains("purple", err);
        (exit, _, _) = CommandRunner.Run(TranslateCommand.Create(), "--model", Model, "--in", inputs, "--target", "all", "--out", _dir);
        Assert.NotEqual(0, exit);
    }
}
