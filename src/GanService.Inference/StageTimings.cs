using System.Diagnostics;

namespace GanService.Inference;

/// <summary>
/// Where one call's time went, stage by stage (decode, resize, normalise, inference, denormalise, encode): the API sends
/// it as a <c>Server-Timing</c> header and a histogram per stage, so the share spent outside the model is visible per
/// request. One instance per call; not thread-safe. A stage measured twice (StyleGAN runs two graphs) adds up.
/// </summary>
public sealed class StageTimings
{
    public const string Decode = "decode", Resize = "resize", Normalise = "normalise", Inference = "inference",
        Denormalise = "denormalise", Encode = "encode";

    private readonly List<(string Stage, TimeSpan Elapsed)> _stages = [];

    /// <summary>Stages in the order they first ran, with their summed time.</summary>
    public IReadOnlyList<(string Stage, TimeSpan Elapsed)> Stages => _stages;

    public void Add(string stage, TimeSpan elapsed)
    {
        int i = _stages.FindIndex(s => s.Stage == stage);
        if (i < 0) _stages.Add((stage, elapsed));
        else _stages[i] = (stage, _stages[i].Elapsed + elapsed);
    }

    /// <summary>Times the scope it is disposed at the end of: <c>using (timings.Measure(StageTimings.Resize)) …</c>.
    /// Safe on a null instance, so pipelines call it whether or not anyone listens.</summary>
    public static Scope Measure(StageTimings? timings, string stage) => new(timings, stage);

    public readonly struct Scope(StageTimings? timings, string stage) : IDisposable
    {
        private readonly long _start = timings is null ? 0 : Stopwatch.GetTimestamp();
        public void Dispose() => timings?.Add(stage, Stopwatch.GetElapsedTime(_start));
    }
}
