using System.Text.RegularExpressions;

namespace GanService.Api.Auth;

/// <summary>The <c>Gan:Auth</c> section. No keys (the default): every route is open, as before. With keys: every model
/// route (translate, generate, interpolate, encode, reconstruct, /models, /v2 except its health routes) needs one of
/// them, sent as <c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>; /healthz, /readyz, /v2/health/*, /metrics,
/// the web page and Swagger stay open.</summary>
public sealed partial class AuthOptions
{
    public List<ApiKeyOptions> Keys { get; set; } = [];

    public bool Enabled => Keys.Count > 0;

    /// <summary>Why the section cannot be used (null if it can); checked at start.</summary>
    public string? Problem()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < Keys.Count; i++)
        {
            var k = Keys[i];
            var at = $"Gan:Auth:Keys:{i}";
            if (k.Name is null || !SafeName().IsMatch(k.Name)) return $"{at}:Name must be 1…64 of A-Z a-z 0-9 . _ - (it is what logs and metrics show)";
            if (!names.Add(k.Name)) return $"{at}:Name '{k.Name}' is used twice";
            if (k.Sha256 is null || !Sha256Hex().IsMatch(k.Sha256)) return $"{at}:Sha256 must be the key's SHA-256 as 64 hex digits (GanService.Api --hash-key, or printf %s KEY | sha256sum)";
            if (!hashes.Add(k.Sha256)) return $"{at}: the same key hash is configured twice";
            if (k.MaxConcurrentRequests is < 1 or > 100_000) return $"{at}:MaxConcurrentRequests must be 1…100000";
            if (k.RequestsPerMinute is < 1 or > 600_000) return $"{at}:RequestsPerMinute must be 1…600000";
            if (k.Burst is not null && k.RequestsPerMinute is null) return $"{at}:Burst needs RequestsPerMinute";
            if (k.Burst is < 1 or > 600_000) return $"{at}:Burst must be 1…600000";
        }
        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SafeName();

    [GeneratedRegex("^[0-9A-Fa-f]{64}$")]
    private static partial Regex Sha256Hex();
}

/// <summary>One API key: its name (the only thing logs and metrics show), the SHA-256 of the key (the key itself is
/// never configured), and optional limits.</summary>
public sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";

    /// <summary>SHA-256 of the key's UTF-8 bytes, 64 hex digits.</summary>
    public string Sha256 { get; set; } = "";

    /// <summary>Models this key may use (names or aliases; a request is checked against the model its name resolves to).
    /// Null or empty: every model.</summary>
    public string[]? Models { get; set; }

    /// <summary>Requests of this key in progress at once; one more is refused at once with 429 (no queue), so one
    /// caller cannot hold every inference slot. Null: no per-key bound (the global gate still applies).</summary>
    public int? MaxConcurrentRequests { get; set; }

    /// <summary>Sustained request rate (a token bucket refilled evenly over the minute). Null: no rate quota.</summary>
    public int? RequestsPerMinute { get; set; }

    /// <summary>Requests allowed at once above the rate after a quiet period (the bucket's size). Default: RequestsPerMinute.</summary>
    public int? Burst { get; set; }
}
