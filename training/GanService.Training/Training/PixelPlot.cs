using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Training.Training;

/// <summary>
/// The few drawing primitives the run's PNGs need (loss plot, mixture scatter), straight into pixels: clipped points,
/// lines, and text in a 3×5 pixel font (digits, A–Z, . - _ + and space; lower case is drawn upper case). No font
/// files or drawing packages, so a plot looks the same on every machine.
/// </summary>
public static class PixelPlot
{
    /// <summary>Series colours (matplotlib's tab10 order).</summary>
    public static readonly Rgb24[] Palette =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189), new(140, 86, 75),
        new(227, 119, 194), new(127, 127, 127),
    ];

    public static void Put(Image<Rgb24> img, int x, int y, Rgb24 c)
    {
        if (x >= 0 && y >= 0 && x < img.Width && y < img.Height) img[x, y] = c;
    }

    /// <summary>Bresenham line from (x0, y0) to (x1, y1), both ends drawn.</summary>
    public static void Line(Image<Rgb24> img, int x0, int y0, int x1, int y1, Rgb24 c)
    {
        int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1, dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            Put(img, x0, y0, c);
            if (x0 == x1 && y0 == y1) break;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    /// <summary>Width in pixels of <paramref name="text"/> drawn at <paramref name="scale"/>.</summary>
    public static int TextWidth(string text, int scale = 1) => text.Length * 4 * scale;

    /// <summary>Draws <paramref name="text"/> with its top-left corner at (x, y); each font pixel is scale × scale.</summary>
    public static void Text(Image<Rgb24> img, int x, int y, string text, Rgb24 c, int scale = 1)
    {
        foreach (char ch in text.ToUpperInvariant())
        {
            if (Glyphs.TryGetValue(ch, out var rows))
                for (int r = 0; r < 5; r++)
                    for (int col = 0; col < 3; col++)
                        if (rows[r][col] == '#')
                            for (int i = 0; i < scale; i++)
                                for (int j = 0; j < scale; j++) Put(img, x + col * scale + i, y + r * scale + j, c);
            x += 4 * scale;
        }
    }

    // Rows top to bottom, '#' = ink; an unknown character leaves a blank cell.
    private static readonly Dictionary<char, string[]> Glyphs = new (char, string)[]
    {
        ('0', "###/#.#/#.#/#.#/###"), ('1', ".#./##./.#./.#./###"), ('2', "###/..#/###/#../###"), ('3', "###/..#/.##/..#/###"),
        ('4', "#.#/#.#/###/..#/..#"), ('5', "###/#../###/..#/###"), ('6', "###/#../###/#.#/###"), ('7', "###/..#/..#/.#./.#."),
        ('8', "###/#.#/###/#.#/###"), ('9', "###/#.#/###/..#/###"),
        ('A', ".#./#.#/###/#.#/#.#"), ('B', "##./#.#/##./#.#/##."), ('C', ".##/#../#../#../.##"), ('D', "##./#.#/#.#/#.#/##."),
        ('E', "###/#../##./#../###"), ('F', "###/#../##./#../#.."), ('G', ".##/#../#.#/#.#/.##"), ('H', "#.#/#.#/###/#.#/#.#"),
        ('I', "###/.#./.#./.#./###"), ('J', "..#/..#/..#/#.#/.#."), ('K', "#.#/#.#/##./#.#/#.#"), ('L', "#../#../#../#../###"),
        ('M', "#.#/###/###/#.#/#.#"), ('N', "##./#.#/#.#/#.#/#.#"), ('O', ".#./#.#/#.#/#.#/.#."), ('P', "##./#.#/##./#../#.."),
        ('Q', ".#./#.#/#.#/##./.##"), ('R', "##./#.#/##./#.#/#.#"), ('S', ".##/#../.#./..#/##."), ('T', "###/.#./.#./.#./.#."),
        ('U', "#.#/#.#/#.#/#.#/###"), ('V', "#.#/#.#/#.#/#.#/.#."), ('W', "#.#/#.#/###/###/#.#"), ('X', "#.#/#.#/.#./#.#/#.#"),
        ('Y', "#.#/#.#/.#./.#./.#."), ('Z', "###/..#/.#./#../###"),
        ('.', ".../.../.../.../.#."), ('-', ".../.../###/.../..."), ('_', ".../.../.../.../###"), ('+', ".../.#./###/.#./..."),
    }.ToDictionary(g => g.Item1, g => g.Item2.Split('/'));
}
