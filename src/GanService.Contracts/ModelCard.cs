namespace GanService.Contracts;

/// <summary>
/// What the tools that write a model's card.md (`gan eval …`, by hand) and those that read it (`gan zoo table`, the API's
/// gallery) agree on: the card's headline figure is the text after its first line starting "Headline:".
/// </summary>
public static class ModelCard
{
    public const string FileName = "card.md";
    public const string HeadlinePrefix = "Headline:";

    /// <summary>The text after the first "Headline:" line of a card, or null.</summary>
    public static string? Headline(string card) =>
        card.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(HeadlinePrefix, StringComparison.Ordinal)) is { } line
            ? line[HeadlinePrefix.Length..].Trim() : null;
}
