using GanService.Contracts;

namespace GanService.Tests.Contracts;

public class TextTokenizerTests
{
    private static readonly TextTokenizer Tokenizer = new(new TextSpec(["smiling", "cat", "face", "red"], 3));

    [Fact]
    public void Words_are_lower_cased_and_split_on_every_non_letter()
    {
        Assert.Equal(["a", "smiling", "cat", "s", "face"], TextTokenizer.Words("A SMILING-cat's  face!"));
        Assert.Equal(["red", "circle"], TextTokenizer.Words("red2circle"));
        Assert.Empty(TextTokenizer.Words(" ,.;123 "));
    }

    [Fact]
    public void Unknown_words_are_dropped_and_reported()
    {
        var read = Tokenizer.Read("a smiling Cat, purring");
        Assert.Equal(new long[] { 1, 2 }, read.Ids);   // id = vocabulary index + 1; 0 is padding
        Assert.Equal(["a", "purring"], read.Unknown);
        Assert.Equal("smiling cat", read.Normalised);
    }

    [Theory]
    [InlineData(null, "text is required")]
    [InlineData("   ", "text is required")]
    [InlineData("a purring dog", "no word this model knows")]
    [InlineData("red red red red", "at most 3")]
    public void Problem_names_why_a_text_cannot_be_used(string? text, string expected)
    {
        var problem = Tokenizer.Problem(text, out var tokens);
        Assert.NotNull(problem);
        Assert.Contains(expected, problem);
        Assert.Null(tokens);
    }

    [Fact]
    public void Over_long_text_is_refused_before_tokenizing()
    {
        var problem = Tokenizer.Problem(string.Concat(Enumerable.Repeat("cat ", 200)), out _);
        Assert.Contains($"at most {TextSpec.MaxCharacters}", problem);
    }

    [Fact]
    public void Pad_fills_the_token_row_with_zeros_and_returns_the_length()
    {
        Assert.Null(Tokenizer.Problem("red cat", out var tokens));
        var (ids, length) = Tokenizer.Pad(tokens!);
        Assert.Equal(new long[] { 4, 2, 0 }, ids);
        Assert.Equal(2, length);
    }

    [Fact]
    public void Vocabulary_is_ordered_by_count_then_name_and_drops_rare_words()
    {
        var spec = TextTokenizer.BuildVocabulary(["red circle", "blue circle", "red square", "odd"], 4, minCount: 2);
        Assert.Equal(["circle", "red"], spec.Words);
        Assert.Empty(spec.Validate());
    }

    [Fact]
    public void Manifest_with_a_tokens_input_needs_a_vocabulary()
    {
        var graph = new GraphSpec("model", "model.onnx", new string('0', 64),
            [new TensorSpec("tokens", [-1, 3], "int64", TensorRoles.Tokens), new TensorSpec("z", [-1, 4], "float32", TensorRoles.Latent)],
            [new TensorSpec("image", [-1, 3, 8, 8])]);
        var m = new ModelManifest { Name = "t", Family = "stackgan", Task = ModelTasks.Generate, Graphs = [graph], Image = new ImageSpec(3, 8, 8), Latent = new LatentSpec(4) };
        Assert.Contains(m.Validate(), e => e.Contains("no vocabulary"));
        Assert.Empty((m with { Text = new TextSpec(["cat"], 3) }).Validate());
        Assert.Contains((m with { Text = new TextSpec(["Cat", "cat"], 3) }).Validate(), e => e.Contains("unique") || e.Contains("lower-case"));
    }
}
