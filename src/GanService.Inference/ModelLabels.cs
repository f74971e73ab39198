using System.Globalization;

namespace GanService.Inference;

/// <summary>Class and domain labels as users type them (a query value, a CLI flag): a manifest label by name, or its index.</summary>
public static class ModelLabels
{
    /// <summary>A label by name (exact) or by index into <paramref name="labels"/>; <paramref name="name"/> is what the
    /// error calls the value ("label", "target", "--label").</summary>
    public static bool TryParse(string text, string[] labels, string name, out int index, out string? error)
    {
        error = null;
        index = Array.IndexOf(labels, text);
        if (index >= 0) return true;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index < labels.Length) return true;
        // The text is the caller's: shown, but never more than a line of it.
        var shown = text.Length <= 64 ? text : text[..64] + "…";
        error = $"{name} '{shown}' is not one of this model's labels: {string.Join(", ", labels.Select((l, i) => $"{i}={l}"))}";
        return false;
    }
}
