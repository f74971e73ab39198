using System.Diagnostics;
using System.Globalization;
using System.Text;
using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Training.Training;

/// <summary>
/// The run folder <see cref="TrainingLoop"/> writes: every logged scalar per step in losses.csv and metrics.jsonl (one
/// JSON object a line: epoch, step, seconds, then the scalars; NaN — a phase that did not run — as null), a one-line
/// progress bar with losses and ETA, the time-based checkpoint trigger, and in samples/ the per-epoch grids and the
/// loss plot.
/// </summary>
public sealed class TrainingRun : IDisposable
{
    private readonly StreamWriter _csv;
    private readonly StreamWriter _jsonl;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly double _elapsedBefore;
    private readonly TimeSpan _checkpointEvery;
    private TimeSpan _lastCheckpoint;
    private string[]? _columns;
    private readonly List<(long Step, double[] Values)> _history = [];
    private readonly TextWriter _console;
    private DateTime _lastProgress = DateTime.MinValue;

    public string Directory { get; }
    public string CheckpointDirectory => Path.Combine(Directory, "checkpoint");
    public string SamplesDirectory => Path.Combine(Directory, "samples");
    public double ElapsedSeconds => _elapsedBefore + _clock.Elapsed.TotalSeconds;

    public TrainingRun(string directory, TimeSpan checkpointEvery, double elapsedBefore = 0, TextWriter? console = null)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        System.IO.Directory.CreateDirectory(SamplesDirectory);
        _checkpointEvery = checkpointEvery;
        _elapsedBefore = elapsedBefore;
        _console = console ?? Console.Out;
        var csvPath = Path.Combine(directory, "losses.csv");
        bool exists = File.Exists(csvPath);
        if (exists) ReloadHistory(csvPath);
        _csv = new StreamWriter(csvPath, append: true) { AutoFlush = true };
        _jsonl = new StreamWriter(Path.Combine(directory, MetricsFile), append: true) { AutoFlush = true };
    }

    public const string MetricsFile = "metrics.jsonl";
    public const string LossPlotFile = "loss_plot.png";

    private void ReloadHistory(string csvPath)
    {
        var lines = File.ReadAllLines(csvPath);
        if (lines.Length == 0) return;
        var header = lines[0].Split(',');
        _columns = header.Skip(3).ToArray();
        foreach (var line in lines.Skip(1))
        {
            var p = line.Split(',');
            if (p.Length != header.Length) continue;
            _history.Add((long.Parse(p[1], CultureInfo.InvariantCulture), p.Skip(3).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()));
        }
    }

    /// <summary>Appends one row (epoch, step, seconds, losses…). The loss names must stay the same for a run.</summary>
    public void Log(int epoch, long step, IReadOnlyDictionary<string, double> losses)
    {
        if (_columns is null)
        {
            _columns = losses.Keys.ToArray();
            if (_csv.BaseStream.Length == 0) _csv.WriteLine("epoch,step,seconds," + string.Join(",", _columns));
        }
        var values = _columns.Select(c => losses.TryGetValue(c, out var v) ? v : double.NaN).ToArray();
        _history.Add((step, values));
        _csv.WriteLine(string.Join(",", new[] { epoch.ToString(CultureInfo.InvariantCulture), step.ToString(CultureInfo.InvariantCulture),
            ElapsedSeconds.ToString("F1", CultureInfo.InvariantCulture) }.Concat(values.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)))));
        var line = new System.Text.Json.Nodes.JsonObject { ["epoch"] = epoch, ["step"] = step, ["seconds"] = Math.Round(ElapsedSeconds, 1) };
        foreach (var (name, v) in losses) line[name] = double.IsFinite(v) ? v : null;
        _jsonl.WriteLine(line.ToJsonString());
    }

    /// <summary>Rewrites one progress line (at most 4× a second): epoch, step/total, losses, elapsed and ETA.</summary>
    public void Progress(int epoch, int epochs, long stepInEpoch, long stepsPerEpoch, IReadOnlyDictionary<string, double> losses, long doneSteps, long totalSteps)
    {
        var now = DateTime.UtcNow;
        if ((now - _lastProgress).TotalMilliseconds < 250 && stepInEpoch < stepsPerEpoch) return;
        _lastProgress = now;
        double frac = totalSteps > 0 ? Math.Clamp((double)doneSteps / totalSteps, 0, 1) : 0;
        double elapsed = _clock.Elapsed.TotalSeconds;
        double eta = doneSteps > 0 ? elapsed / doneSteps * (totalSteps - doneSteps) : double.NaN;
        int width = 24, filled = (int)(frac * width);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"\repoch {epoch + 1}/{epochs} [{new string('#', filled)}{new string('.', width - filled)}] {stepInEpoch}/{stepsPerEpoch} ");
        foreach (var (k, v) in losses) sb.Append(CultureInfo.InvariantCulture, $"{k} {v:F3} ");
        sb.Append(CultureInfo.InvariantCulture, $"| {Format(elapsed)} elapsed, ETA {Format(eta)}   ");
        _console.Write(sb.ToString());
        if (stepInEpoch >= stepsPerEpoch) _console.WriteLine();
    }

    private static string Format(double seconds) =>
        double.IsNaN(seconds) || double.IsInfinity(seconds) ? "?" : TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);

    /// <summary>True when the time-based checkpoint interval has passed (then the caller saves and calls MarkCheckpoint).</summary>
    public bool CheckpointDue => _clock.Elapsed - _lastCheckpoint >= _checkpointEvery;
    public void MarkCheckpoint() => _lastCheckpoint = _clock.Elapsed;

    /// <summary>Writes samples/epoch_NNN.png from rows of (C,H,W) image tensors in [-1, 1] (rows × columns tiles).</summary>
    public string SaveSampleGrid(int epoch, IReadOnlyList<Tensor> tiles, int columns, ImageSpec spec)
    {
        var images = tiles.Select(t => ImageCodec.FromTensor(t.detach().cpu().contiguous().to_type(ScalarType.Float32).data<float>().ToArray(), spec)).ToList();
        try
        {
            using var grid = ImageCodec.Grid(images, columns);
            var path = Path.Combine(SamplesDirectory, $"epoch_{epoch + 1:D3}.png");
            File.WriteAllBytes(path, ImageCodec.Encode(grid));
            return path;
        }
        finally { foreach (var i in images) i.Dispose(); }
    }

    /// <summary>Writes samples/loss_plot.png beside the sample grids: one panel per scalar, each in its own colour,
    /// smoothed (moving average), labelled with its name, its range and the steps on the x axis.</summary>
    public string SaveLossPlot()
    {
        var path = Path.Combine(SamplesDirectory, LossPlotFile);
        if (_columns is null || _history.Count < 2) return path;
        using var img = LossPlot.Render(_columns, _history);
        File.WriteAllBytes(path, ImageCodec.Encode(img));
        return path;
    }

    public void Dispose() { _csv.Dispose(); _jsonl.Dispose(); }
}

/// <summary>A small dependency-free line plot (one panel per series) drawn straight into pixels.</summary>
public static class LossPlot
{
    private static readonly Rgb24[] Colors =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189), new(140, 86, 75),
        new(227, 119, 194), new(127, 127, 127),
    ];

    public static Image<Rgb24> Render(IReadOnlyList<string> names, IReadOnlyList<(long Step, double[] Values)> history, int panelWidth = 360, int panelHeight = 160)
    {
        int panels = names.Count, cols = Math.Min(2, panels), rows = (panels + cols - 1) / cols;
        var img = new Image<Rgb24>(cols * panelWidth, rows * panelHeight, new Rgb24(255, 255, 255));
        for (int p = 0; p < panels; p++)
        {
            int ox = (p % cols) * panelWidth, oy = (p / cols) * panelHeight;
            var series = history.Select(h => h.Values[p]).ToArray();
            var smooth = MovingAverage(series, Math.Max(1, series.Length / 50));
            var finite = smooth.Where(double.IsFinite).ToArray();
            if (finite.Length < 2) continue;
            double lo = finite.Min(), hi = finite.Max();
            if (hi - lo < 1e-12) { hi += 1; lo -= 1; }
            int left = ox + 8, right = ox + panelWidth - 8, top = oy + 8, bottom = oy + panelHeight - 8;
            // frame
            for (int x = left; x <= right; x++) { img[x, top] = img[x, bottom] = new Rgb24(200, 200, 200); }
            for (int y = top; y <= bottom; y++) { img[left, y] = img[right, y] = new Rgb24(200, 200, 200); }
            int? px = null, py = null;
            for (int i = 0; i < smooth.Length; i++)
            {
                if (!double.IsFinite(smooth[i])) continue;
                int x = left + (int)((right - left) * (double)i / (smooth.Length - 1));
                int y = bottom - (int)((bottom - top) * (smooth[i] - lo) / (hi - lo));
                if (px is not null) Line(img, px.Value, py!.Value, x, y, Colors[p % Colors.Length]);
                (px, py) = (x, y);
            }
            // a colour key in the corner: a short bar of the series colour, its length = panel index + 1 (names in the CSV)
            for (int k = 0; k < 6 * (p + 1); k++) img[left + 2 + k, top + 3] = Colors[p % Colors.Length];
        }
        return img;
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

    private static void Line(Image<Rgb24> img, int x0, int y0, int x1, int y1, Rgb24 c)
    {
        int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1, dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            if (x0 >= 0 && y0 >= 0 && x0 < img.Width && y0 < img.Height) img[x0, y0] = c;
            if (x0 == x1 && y0 == y1) break;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }
}
