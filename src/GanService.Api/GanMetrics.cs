using Prometheus;

namespace GanService.Api;

/// <summary>Prometheus series beyond prometheus-net's HTTP ones. Model labels only ever hold loaded model names
/// (anything else is "unknown"), so hostile requests cannot grow the label set.</summary>
public static class GanMetrics
{
    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.001, 2, 16); // 1 ms … 33 s

    public static readonly Counter Requests = Metrics.CreateCounter("gan_requests_total",
        "Requests per model, endpoint and status code.", new CounterConfiguration { LabelNames = ["model", "endpoint", "code"] });

    public static readonly Histogram RequestSeconds = Metrics.CreateHistogram("gan_request_duration_seconds",
        "End-to-end handler latency per model and endpoint.", new HistogramConfiguration { LabelNames = ["model", "endpoint"], Buckets = LatencyBuckets });

    public static readonly Histogram InferenceSeconds = Metrics.CreateHistogram("gan_inference_duration_seconds",
        "ONNX Runtime Run time per model and graph.", new HistogramConfiguration { LabelNames = ["model", "graph"], Buckets = LatencyBuckets });

    public static readonly Histogram StageSeconds = Metrics.CreateHistogram("gan_stage_duration_seconds",
        "Time per request stage (read, decode, resize, normalise, inference, denormalise, encode) per model; also sent as the Server-Timing header.",
        new HistogramConfiguration { LabelNames = ["model", "stage"], Buckets = Histogram.ExponentialBuckets(0.0001, 2, 18) }); // 0.1 ms … 13 s

    public static readonly Histogram BatchSize = Metrics.CreateHistogram("gan_batch_size",
        "Rows per ONNX Runtime call made by the dynamic batcher (Gan:Batching), per model and graph.",
        new HistogramConfiguration { LabelNames = ["model", "graph"], Buckets = Histogram.ExponentialBuckets(1, 2, 11) }); // 1 … 1024

    public static readonly Gauge QueueLength = Metrics.CreateGauge("gan_queue_length", "Requests waiting for an inference slot.");

    public static readonly Gauge InFlight = Metrics.CreateGauge("gan_inferences_in_flight", "Requests holding an inference slot (decode + inference).");

    public static readonly Counter Rejected = Metrics.CreateCounter("gan_rejected_requests_total",
        "Requests refused before inference: queue_full, timeout, key_quota (an API key over its quota).", new CounterConfiguration { LabelNames = ["reason"] });

    public static readonly Counter AbandonedDecodes = Metrics.CreateCounter("gan_abandoned_decodes_total",
        "Image decodes abandoned: past Gan:DecodeTimeoutMilliseconds, or their client went away first.");

    public static readonly Gauge AbandonedDecodesRunning = Metrics.CreateGauge("gan_abandoned_decodes_running",
        "Abandoned decodes still running; at Gan:MaxAbandonedDecodes new images get 503 and /readyz is not ready.");

    public static readonly Counter AbortedRequests = Metrics.CreateCounter("gan_aborted_requests_total",
        "Requests whose client disconnected before the response (logged as aborted, not as errors).");

    public static readonly Counter KeyRequests = Metrics.CreateCounter("gan_api_key_requests_total",
        "Requests to key-protected routes per key name (none when no key matched) and outcome: accepted, missing, invalid, forbidden, over_rate, over_concurrency. Only configured key names become label values; keys never do.",
        new CounterConfiguration { LabelNames = ["key", "outcome"] });

    public static readonly Gauge ModelsLoaded = Metrics.CreateGauge("gan_models_loaded", "Models being served.");
    public static readonly Gauge ModelsFailed = Metrics.CreateGauge("gan_models_failed", "Model folders that failed to load.");
}
