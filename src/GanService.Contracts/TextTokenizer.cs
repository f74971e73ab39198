using System.Globalization;
using System.Text;

namespace GanService.Contracts;

/// <summary>
/// The vocabulary of a text-conditioned model and how its text inputs are read: stored in the manifest
/// (<see cref="ModelManifest.Text"/>) so the trainer, the CLI and the API turn the same words into the same ids.
/// Id 0 is padding; word k of <see cref="Words"/> is id k + 1.
/// </summary>
/// <param name="Words">Known words, lower-case letters only, unique.</param>
/// <param name="MaxTokens">Length of the model's token input (B, MaxTokens): the most known words one text may have.</param>
public sealed record TextSpec(string[] Words, int MaxTokens)
{
    /// <summary>Longest text (in characters) a request may send; longer ones are refused before tokenizing.</summary>
    public const int MaxCharacters = 512;

    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        if (Words is null || Words.Length == 0) e.Add("text.words: the vocabulary is empty");
        else
        {
            if (Words.Distinct(StringComparer.Ordinal).Count() != Words.Length) e.Add("text.words must be unique");
            if (Words.Any(w => w.Length == 0 || !w.All(TextTokenizer.IsWordChar) || w != w.ToLowerInvariant()))
                e.Add("text.words must be lower-case words of letters only (what the tokenizer produces)");
        }
        if (MaxTokens < 1) e.Add("text.maxTokens must be positive");
        return e;
    }
}

/// <summary>A text read against a vocabulary: the known words' ids (in order) and the words that were dropped.</summary>
public sealed record TokenizedText(long[] Ids, string[] Known, string[] Unknown)
{
    /// <summary>The known words joined by spaces: what the model actually reads (ETags and captions use it).</summary>
    public string Normalised => string.Join(' ', Known);
}

/// <summary>
/// The one tokenizer of text-conditioned models: lower-case (invariant culture), split on every character that is not
/// a letter (so "smiling-face," gives "smiling", "face"; digits and punctuation separate words), words the vocabulary
/// does not know dropped. A text with no known word is an error the caller reports (the API's 400, the CLI's error
/// line), never an empty conditioning the model was not trained on.
/// </summary>
public sealed class TextTokenizer
{
    private readonly Dictionary<string, long> _ids;

    public TextSpec Spec { get; }

    public TextTokenizer(TextSpec spec)
    {
        Spec = spec;
        _ids = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < spec.Words.Length; i++) _ids[spec.Words[i]] = i + 1;
    }

    public static bool IsWordChar(char c) => char.IsLetter(c);

    /// <summary>The words of <paramref name="text"/>, lower-cased, in order (duplicates kept).</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (char c in text.ToLower(CultureInfo.InvariantCulture))
        {
            if (IsWordChar(c)) { current.Append(c); continue; }
            if (current.Length > 0) { words.Add(current.ToString()); current.Clear(); }
        }
        if (current.Length > 0) words.Add(current.ToString());
        return words;
    }

    /// <summary>Known words → ids, unknown words listed apart. No check of length or emptiness (see <see cref="Problem"/>).</summary>
    public TokenizedText Read(string text)
    {
        var ids = new List<long>();
        var known = new List<string>();
        var unknown = new List<string>();
        foreach (var w in Words(text))
            if (_ids.TryGetValue(w, out var id)) { ids.Add(id); known.Add(w); }
            else unknown.Add(w);
        return new TokenizedText(ids.ToArray(), known.ToArray(), unknown.Distinct(StringComparer.Ordinal).ToArray());
    }

    /// <summary>Why <paramref name="text"/> cannot condition this model (null if it can): missing, too long, no known
    /// word, or more known words than the model's token input holds.</summary>
    public string? Problem(string? text, out TokenizedText? tokens)
    {
        tokens = null;
        if (string.IsNullOrWhiteSpace(text) || (text.Length <= TextSpec.MaxCharacters && Words(text).Count == 0)) return "text is required for this model: describe the image in words the model knows (e.g. " + Examples() + ")";
        if (text.Length > TextSpec.MaxCharacters) return $"text is {text.Length} characters; at most {TextSpec.MaxCharacters}";
        var read = Read(text);
        if (read.Ids.Length == 0)
            return $"text has no word this model knows (unknown: {Shorten(string.Join(", ", read.Unknown))}); known words include {Examples()}";
        if (read.Ids.Length > Spec.MaxTokens)
            return $"text has {read.Ids.Length} known words; this model reads at most {Spec.MaxTokens}";
        tokens = read;
        return null;
    }

    /// <summary>(MaxTokens) ids padded with 0 and the count of real ids: the model's token and length inputs for one text.</summary>
    public (long[] Ids, long Length) Pad(TokenizedText tokens)
    {
        if (tokens.Ids.Length > Spec.MaxTokens) throw new ArgumentException($"{tokens.Ids.Length} tokens exceed the model's {Spec.MaxTokens}");
        var ids = new long[Spec.MaxTokens];
        tokens.Ids.CopyTo(ids, 0);
        return (ids, tokens.Ids.Length);
    }

    private string Examples() => string.Join(", ", Spec.Words.Take(8).Select(w => $"'{w}'"));

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "…";

    /// <summary>A vocabulary from training texts: every word seen at least <paramref name="minCount"/> times, ordered by
    /// descending count then ordinally (deterministic for the same texts).</summary>
    public static TextSpec BuildVocabulary(IEnumerable<string> texts, int maxTokens, int minCount = 1, int maxWords = int.MaxValue)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in texts)
            foreach (var w in Words(t)) counts[w] = counts.GetValueOrDefault(w) + 1;
        var words = counts.Where(kv => kv.Value >= minCount).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(maxWords).Select(kv => kv.Key).ToArray();
        return new TextSpec(words, maxTokens);
    }
}
