using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Training.Training;

/// <summary>
/// The run's loss plot: one panel per logged scalar (their scales differ by orders of magnitude: an L1 term of 90
/// beside a D loss of 0.6), each line in its own colour, smoothed by a moving average, titled with the scalar's name,
/// its y range labelled, and the x axis labelled with the first and last step.
/// </summary>
public static class LossPlot
{
    private const int Scale = 2;                     // font pixels per glyph pixel
    private const int Left = 64, Right = 10, Top = 22, Bottom = 24;

    public static Image<Rgb24> Render(IReadOnlyList<string> names, IReadOnlyList<(long Step, double[] Values)> history, int panelWidth = 400, int panelHeight = 190)
    {
        int panels = names.Count, cols = Math.Min(2, panels), rows = (panels + cols - 1) / cols;
        var img = new Image<Rgb24>(cols * panelWidth, rows * panelHeight, new Rgb24(255, 255, 255));
        var frame = new Rgb24(190, 190, 190);
        var ink = new Rgb24(60, 60, 60);
        long firstStep = history[0].Step, lastStep = history[^1].Step;
        for (int p = 0; p < panels; p++)
        {
            var colour = PixelPlot.Palette[p % PixelPlot.Palette.Length];
            int ox = (p % cols) * panelWidth, oy = (p / cols) * panelHeight;
            int left = ox + Left, right = ox + panelWidth - Right, top = oy + Top, bottom = oy + panelHeight - Bottom;
            PixelPlot.Text(img, left, oy + 5, names[p], colour, Scale);
            PixelPlot.Line(img, left, top, right, top, frame); PixelPlot.Line(img, left, bottom, right, bottom, frame);
            PixelPlot.Line(img, left, top, left, bottom, frame); PixelPlot.Line(img, right, top, right, bottom, frame);
            string first = firstStep.ToString(CultureInfo.InvariantCulture), last = lastStep.ToString(CultureInfo.InvariantCulture);
            PixelPlot.Text(img, left, bottom + 5, first, ink, Scale);
            PixelPlot.Text(img, right - PixelPlot.TextWidth(last, Scale), bottom + 5, last, ink, Scale);
            PixelPlot.Text(img, (left + right - PixelPlot.TextWidth("step", Scale)) / 2, bottom + 5, "step", ink, Scale);

            var smooth = MovingAverage(history.Select(h => h.Values[p]).ToArray(), Math.Max(1, history.Count / 50));
            var finite = smooth.Where(double.IsFinite).ToArray();
            if (finite.Length < 2) continue;
            double lo = finite.Min(), hi = finite.Max();
            if (hi - lo < 1e-12) { hi += 1; lo -= 1; }
            PixelPlot.Text(img, ox + 4, top, Label(hi), ink, Scale);
            PixelPlot.Text(img, ox + 4, bottom - 5 * Scale, Label(lo), ink, Scale);
            int? px = null, py = null;
            for (int i = 0; i < smooth.Length; i++)
            {
                if (!double.IsFinite(smooth[i])) continue;
                int x = left + (int)((right - left) * (double)(history[i].Step - firstStep) / Math.Max(1, lastStep - firstStep));
                int y = bottom - (int)((bottom - top) * (smooth[i] - lo) / (hi - lo));
                if (px is not null) PixelPlot.Line(img, px.Value, py!.Value, x, y, colour);
                (px, py) = (x, y);
            }
        }
        return img;
    }

    // At most 7 characters, so a label fits left of the panel.
    private static string Label(double v)
    {
        foreach (var format in new[] { "G4", "G3", "G2", "G1" })
        {
            var s = v.ToString(format, CultureInfo.InvariantCulture);
            if (s.Length <= 7) return s;
        }
        return v.ToString("0E0", CultureInfo.InvariantCulture);
    }

    private static double[] MovingAverage(double[] v, int window)
    {
        var r = new double[v.Length];
        double sum = 0; int n = 0;
        var q = new Queue<double>();
        for (int i = 0; i < v.Length; i++)
        {
            if (double.IsFinite(v[i])) { q.Enqueue(v[i]); sum += v[i]; n++; }
            while (q.Count > window) { sum -= q.Dequeue(); n--; }
            r[i] = n > 0 ? sum / n : double.NaN;
        }
        return r;
    }
}
