using System.Globalization;
using GanService.Contracts;
using GanService.Inference;
using Microsoft.Net.Http.Headers;

namespace GanService.Api.Endpoints;

/// <summary>
/// Query strings are bound as text and parsed here, so a bad value gets a problem+json 400 that names the parameter and
/// its range instead of the framework's empty 400.
/// </summary>
public static class QueryValues
{
    public static bool TrySeed(string? text, string name, uint fallback, out uint seed, out string? error)
    {
        seed = fallback;
        error = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (text.Length <= 10 && text.All(char.IsAsciiDigit) && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v <= SeedLatent.MaxSeed)
        { seed = (uint)v; return true; }
        error = $"{name} must be an integer in 0…{SeedLatent.MaxSeed}, got '{Problems.Shorten(text)}'";
        return false;
    }

    public static bool TryInt(string? text, string name, int min, int max, int fallback, out int value, out string? error)
    {
        value = fallback;
        error = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min && value <= max) return true;
        error = $"{name} must be an integer in {min}…{max}, got '{Problems.Shorten(text)}'";
        return false;
    }

    /// <summary>The values of the model's manifest-declared controls found in the query (by each control's query name);
    /// a value that is not one number is refused here, its range by the inference library's check.</summary>
    public static bool TryControls(ModelManifest manifest, IQueryCollection query, out IReadOnlyDictionary<string, double>? controls, out string? error)
    {
        controls = null;
        error = null;
        var found = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (_, control) in manifest.Controls)
        {
            if (!query.TryGetValue(control.Query, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0])) continue;
            string text = values[0]!;
            if (values.Count > 1 || text.Length > 32 || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            {
                error = control.Count is { } k ? $"{control.Query} must be an integer in 0…{k - 1}, got '{Problems.Shorten(text)}'"
                    : FormattableString.Invariant($"{control.Query} must be a number in [{control.Min}, {control.Max}], got '{Problems.Shorten(text)}'");
                return false;
            }
            found[control.Query] = v;
        }
        if (found.Count > 0) controls = found;
        return true;
    }

    public static bool TryPsi(string? text, out float? psi, out string? error)
    {
        psi = null;
        error = null;
        if (string.IsNullOrEmpty(text)) return true;
        var limits = InferenceLimits.Default;
        if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && limits.PsiProblem(v) is null)
        { psi = v; return true; }
        error = $"psi must be a number in [{limits.MinPsi}, {limits.MaxPsi}], got '{Problems.Shorten(text)}'";
        return false;
    }

    /// <summary>trunc: the z truncation threshold, in SeedLatent's range; empty = none.</summary>
    public static bool TryTrunc(string? text, out float? trunc, out string? error)
    {
        trunc = null;
        error = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && SeedLatent.TruncationProblem(v) is null)
        { trunc = v; return true; }
        error = $"trunc must be a number in [{SeedLatent.MinTruncation}, {SeedLatent.MaxTruncation}], got '{Problems.Shorten(text)}'";
        return false;
    }

    public static bool TryResize(string? text, out ResizePolicy policy, out string? error)
    {
        error = null;
        policy = ResizePolicy.Fit;
        switch (text?.ToLowerInvariant())
        {
            case null or "" or "fit": return true;
            case "crop": policy = ResizePolicy.Crop; return true;
            case "stretch": policy = ResizePolicy.Stretch; return true;
        }
        error = $"size must be fit, crop or stretch, got '{Problems.Shorten(text)}'";
        return false;
    }

    /// <summary>format= wins; otherwise the first supported image type in Accept (by quality); otherwise PNG.</summary>
    public static bool TryFormat(string? text, HttpRequest request, out OutputFormat format, out string? error)
    {
        error = null;
        format = OutputFormat.Png;
        switch (text?.ToLowerInvariant())
        {
            case "png": return true;
            case "jpeg" or "jpg": format = OutputFormat.Jpeg; return true;
            case "webp": format = OutputFormat.Webp; return true;
            case null or "": break;
            default:
                error = $"format must be png, jpeg or webp, got '{Problems.Shorten(text)}'";
                return false;
        }
        if (MediaTypeHeaderValue.TryParseList(request.Headers.Accept.Where(a => a is not null).Select(a => a!).ToList(), out var accepted))
            foreach (var media in accepted.OrderByDescending(m => m.Quality ?? 1.0))
            {
                var type = media.MediaType.Value?.ToLowerInvariant();
                if (type is "image/png" or "image/*" or "*/*") return true;
                if (type == "image/jpeg") { format = OutputFormat.Jpeg; return true; }
                if (type == "image/webp") { format = OutputFormat.Webp; return true; }
            }
        return true;
    }
}
