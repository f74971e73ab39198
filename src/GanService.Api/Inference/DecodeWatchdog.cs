using GanService.Contracts;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Api.Inference;

/// <summary>Bytes → RGB pixels (structural check included). The service uses <see cref="ImageCodec.Decode"/>; tests swap
/// in a slow one to exercise the deadline.</summary>
public delegate Image<Rgb24> PixelDecoder(byte[] data, ImageLimits limits, CancellationToken cancellation);

/// <summary>
/// Runs each decode under a hard deadline. .NET cannot stop a thread, so a decode that overruns is <em>abandoned</em>:
/// it is told to stop (the token), the request is answered at once and its inference slot is freed, and the decode's
/// result is discarded whenever it ends. Abandoned decodes that are still running are counted; at
/// <see cref="GanOptions.MaxAbandonedDecodes"/> new decodes are refused (503) and readiness fails, so an orchestrator
/// replaces the process instead of letting stuck decoders take every core.
/// </summary>
public sealed class DecodeWatchdog(IOptions<GanOptions> options, PixelDecoder decoder)
{
    private readonly TimeSpan _deadline = TimeSpan.FromMilliseconds(options.Value.DecodeTimeoutMilliseconds);
    private readonly int _maxAbandoned = options.Value.MaxAbandonedDecodes;
    private int _abandonedRunning;

    public int AbandonedRunning => Volatile.Read(ref _abandonedRunning);

    public bool Saturated => AbandonedRunning >= _maxAbandoned;

    /// <summary>Why readiness fails, or null.</summary>
    public string? NotReadyReason => Saturated
        ? $"{AbandonedRunning} abandoned image decodes are still running (limit {_maxAbandoned}); restart the process"
        : null;

    /// <exception cref="ImageRejectedException">The image is refused, or its decode overran the deadline.</exception>
    /// <exception cref="DecodingUnavailableException">Too many abandoned decodes are still running.</exception>
    /// <exception cref="OperationCanceledException">The request was aborted.</exception>
    public async Task<Image<Rgb24>> DecodeAsync(byte[] data, ImageLimits limits, CancellationToken cancellation)
    {
        if (Saturated) throw new DecodingUnavailableException(NotReadyReason!);
        var stop = new CancellationTokenSource();
        var decode = Task.Run(() => decoder(data, limits, stop.Token), CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var finished = await Task.WhenAny(decode, Task.Delay(_deadline, deadline.Token));
        if (finished == decode)
        {
            deadline.Cancel(); // drop the timer now, not after the full deadline (it would hold memory per request)
            stop.Dispose();
            return await decode;
        }
        stop.Cancel();
        Interlocked.Increment(ref _abandonedRunning);
        GanMetrics.AbandonedDecodes.Inc();
        GanMetrics.AbandonedDecodesRunning.Inc();
        _ = decode.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) t.Result.Dispose();
            _ = t.Exception; // observed: a late failure of an abandoned decode is expected, not unobserved
            Interlocked.Decrement(ref _abandonedRunning);
            GanMetrics.AbandonedDecodesRunning.Dec();
            stop.Dispose();
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        cancellation.ThrowIfCancellationRequested();
        throw new ImageRejectedException(ImageRejection.Undecodable,
            $"decoding the image took longer than {_deadline.TotalMilliseconds:N0} ms and was abandoned");
    }
}

public sealed class DecodingUnavailableException(string message) : Exception(message);
