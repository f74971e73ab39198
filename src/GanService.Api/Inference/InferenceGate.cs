using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace GanService.Api.Inference;

/// <summary>
/// Bounds decode + inference: <see cref="GanOptions.MaxConcurrentInferences"/> at once, <see cref="GanOptions.QueueLimit"/>
/// waiting (oldest first); anything beyond is refused at once so the caller can answer 429 + Retry-After instead of
/// letting latency grow without bound.
/// </summary>
public sealed class InferenceGate : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;

    public InferenceGate(IOptions<GanOptions> options)
    {
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.Value.MaxConcurrentInferences,
            QueueLimit = options.Value.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        RetryAfterSeconds = options.Value.RetryAfterSeconds;
    }

    public int RetryAfterSeconds { get; }

    /// <summary>Waits for a slot; the returned slot's <see cref="Slot.Acquired"/> is false when the queue is full.</summary>
    public async ValueTask<Slot> EnterAsync(CancellationToken cancellation)
    {
        var lease = _limiter.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            GanMetrics.QueueLength.Inc();
            try { lease = await _limiter.AcquireAsync(1, cancellation); }
            finally { GanMetrics.QueueLength.Dec(); }
        }
        if (!lease.IsAcquired) GanMetrics.Rejected.WithLabels("queue_full").Inc();
        else GanMetrics.InFlight.Inc();
        return new Slot(lease);
    }

    public void Dispose() => _limiter.Dispose();

    public sealed class Slot(RateLimitLease lease) : IDisposable
    {
        public bool Acquired => lease.IsAcquired;

        public void Dispose()
        {
            if (lease.IsAcquired) GanMetrics.InFlight.Dec();
            lease.Dispose();
        }
    }
}
