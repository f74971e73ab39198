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
    public string CheckpointDirectory => Path.Combine(Directory, CheckpointFolder);
    public const string CheckpointFolder = "checkpoint";
    public string SamplesDirectory => Path.Combine(Directory, "samples");
    public double ElapsedSeconds => _elapsedBefore + _clock.Elapsed.TotalSeconds;

    /// <param name="keepThroughStep">The step the run continues from (the checkpoint's; 0 for a new run): rows logged
    /// after it by an earlier process (one killed or crashed between checkpoints) are dropped from losses.csv and
    /// metrics.jsonl, so a resumed run logs each step once and its loss plot runs forward. Null leaves both files as they
    /// are.</param>
    public TrainingRun(string directory, TimeSpan checkpointEvery, double elapsedBefore = 0, TextWriter? console = null, long? keepThroughStep = null)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        System.IO.Directory.CreateDirectory(SamplesDirectory);
        _checkpointEvery = checkpointEvery;
        _elapsedBefore = elapsedBefore;
        _console = console ?? Console.Out;
        var csvPath = Path.Combine(directory, "losses.csv");
        if (keepThroughStep is long keep)
        {
            TrimLog(csvPath, keep, CsvStep, header: true);
            TrimLog(Path.Combine(directory, MetricsFile), keep, JsonStep, header: false);
        }
        bool exists = File.Exists(csvPath);
        if (exists) ReloadHistory(csvPath);
        _csv = new StreamWriter(csvPath, append: true) { AutoFlush = true };
        _jsonl = new StreamWriter(Path.Combine(directory, MetricsFile), append: true) { AutoFlush = true };
    }

    public const string MetricsFile = "metrics.jsonl";
    public const string LossPlotFile = "loss_plot.png";

    /// <summary>Rewrites a log without its rows past <paramref name="keep"/> (atomically, by a file moved over it); a
    /// log left with no rows is deleted, so a new run writes its own header. Rows whose step cannot be read are kept.</summary>
    private static void TrimLog(string path, long keep, Func<string, long?> stepOf, bool header)
    {
        if (!File.Exists(path)) return;
        var lines = File.ReadAllLines(path);
        var rows = lines.Skip(header ? 1 : 0).Where(l => l.Length > 0).ToList();
        var kept = rows.Where(l => !(stepOf(l) > keep)).ToList();
        if (kept.Count == rows.Count) return;
        if (kept.Count == 0) { File.Delete(path); return; }
        var tmp = path + ".tmp";
        File.WriteAllLines(tmp, header ? lines.Take(1).Concat(kept) : kept);
        File.Move(tmp, path, overwrite: true);
    }

    private static long? CsvStep(string row)
    {
        var fields = row.Split(',');
        return fields.Length > 1 && long.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long step) ? step : null;
    }

    private static long? JsonStep(string row)
    {
        try { return System.Text.Json.Nodes.JsonNode.Parse(row) is System.Text.Json.Nodes.JsonObject o && o["step"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out long step) ? step : null; }
        catch (System.Text.Json.JsonException) { return null; }
    }

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
