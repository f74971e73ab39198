using System.Text.RegularExpressions;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace GanService.Api.Endpoints;

/// <summary>
/// A model's card.md as an HTML fragment the web page can insert as it is. The card is a file in a model folder, which
/// may come from anyone (`gan import`, a colleague's export), so nothing in it reaches the page as markup: raw HTML is
/// escaped (Markdig's DisableHtml), links keep only http, https and mailto targets (others become their text), and
/// images become their alt text (a card must not make the page fetch from another host).
/// </summary>
public static partial class ModelCardHtml
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().DisableHtml().UsePipeTables().Build();

    public static string Render(string markdown)
    {
        // Whole-line HTML comments are markers for the tools that rewrite a card (`<!-- eval translation … -->`), not content.
        var document = Markdown.Parse(HtmlCommentLine().Replace(markdown, ""), Pipeline);
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            if (link.IsImage) ReplaceWithText(link, AltText(link));
            else if (!IsSafe(link.Url)) Unwrap(link);
        }
        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
            if (!autolink.IsEmail && !IsSafe(autolink.Url)) ReplaceWithText(autolink, autolink.Url);
        return document.ToHtml(Pipeline);
    }

    /// <summary>http, https, mailto or a relative reference. Browsers ignore control characters and spaces inside a scheme
    /// ("java\tscript:"), so the scheme is read with them removed.</summary>
    private static bool IsSafe(string? url)
    {
        if (string.IsNullOrEmpty(url)) return false;
        var compact = string.Concat(url.Where(c => c > ' '));
        int colon = compact.IndexOf(':', StringComparison.Ordinal);
        int path = compact.IndexOfAny(['/', '?', '#']);
        if (colon < 0 || (path >= 0 && path < colon)) return true; // relative: no scheme
        return compact[..colon].ToLowerInvariant() is "http" or "https" or "mailto";
    }

    private static string AltText(ContainerInline image) =>
        string.Concat(image.Descendants<LiteralInline>().Select(l => l.Content.ToString()));

    private static void ReplaceWithText(Inline inline, string text) => inline.ReplaceBy(new LiteralInline(text));

    /// <summary>The link's children take its place.</summary>
    private static void Unwrap(LinkInline link)
    {
        var children = link.ToList();
        foreach (var child in children)
        {
            child.Remove();
            link.InsertBefore(child);
        }
        link.Remove();
    }

    [GeneratedRegex(@"^[ \t]*<!--.*-->[ \t]*\r?$\n?", RegexOptions.Multiline)]
    private static partial Regex HtmlCommentLine();
}
