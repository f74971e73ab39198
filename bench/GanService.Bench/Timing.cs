using System.Diagnostics;

namespace GanService.Bench;

public static class Timing
{
    /// <summary>Median wall time (ms) of <paramref name="iterations"/> runs after one uncounted warm-up run.</summary>
    public static double Median(int iterations, Action action)
    {
        action(); // warm-up (allocations, ORT kernel selection)
        var times = new List<double>();
        for (int i = 0; i < iterations; i++) times.Add(Ms(action));
        return Median(times);
    }

    /// <summary>
    /// Two actions timed alternately (A, B, A, B, …), at least <paramref name="minReps"/> times and then while the budget
    /// lasts (at most <paramref name="maxReps"/>): on a machine shared with other work, alternating exposes both to the
    /// same background load, so their ratio holds better than their absolute times. <paramref name="warmUp"/>: one
    /// uncounted run of each first (kernel selection, allocations) — skipped for runs of seconds, where those costs are
    /// a rounding error and the time is better spent on a counted run.
    /// </summary>
    public static (double MedianA, double MedianB, int Reps) Alternating(Action a, Action b, int minReps, int maxReps, TimeSpan budget, bool warmUp = true)
    {
        if (warmUp)
        {
            a();
            b();
        }
        var clock = Stopwatch.StartNew();
        var ta = new List<double>();
        var tb = new List<double>();
        while (ta.Count < minReps || (ta.Count < maxReps && clock.Elapsed < budget))
        {
            ta.Add(Ms(a));
            tb.Add(Ms(b));
        }
        return (Median(ta), Median(tb), ta.Count);
    }

    public static double Ms(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    /// <summary>Nearest-rank percentile (p in 0…100) of unsorted values.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        int rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
