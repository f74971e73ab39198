using System.Text.Json.Nodes;
using GanService.Training.Families.Gan;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Training;

namespace GanService.Tests.Training;

public class OptionsBinderTests
{
    private static readonly KeyValuePair<string, string>[] None = [];

    private static KeyValuePair<string, string> Kv(string k, string v) => new(k, v);

    [Fact]
    public void Nested_keys_bind_by_name_or_path_and_snake_case_still_matches()
    {
        var notes = new StringWriter();
        var o = OptionsBinder.Apply(new StyleGan2TrainOptions(), [Kv("zDim", "64"), Kv("arch.wDim", "32"), Kv("map_layers", "4"), Kv("size", "16")], notes);
        Assert.Equal((64, 32, 4, 16), (o.Arch.ZDim, o.Arch.WDim, o.Arch.MappingLayers, o.Arch.Resolution));
        Assert.Contains("'map_layers' is deprecated; it is 'mappingLayers'", notes.ToString());
        Assert.Contains("'z_dim'", OptionsBinder.Apply(o, [Kv("z_dim", "8")], notes) is { Arch.ZDim: 8 } ? notes.ToString() : "");
        Assert.Contains("'size' is deprecated; it is 'resolution'", notes.ToString());
    }

    [Fact]
    public void Values_bind_by_the_option_type_including_nullable_and_arrays()
    {
        var o = OptionsBinder.Apply(new GenerationOptions(), [Kv("nCritic", "3"), Kv("lr", "1e-4"), Kv("gHidden", "8, 16"), Kv("spectralNorm", "true"), Kv("classNames", "a,b")], TextWriter.Null);
        Assert.Equal(3, o.NCritic);
        Assert.Equal(1e-4, o.Lr);
        Assert.Equal([8, 16], o.GHidden);
        Assert.True(o.SpectralNorm);
        Assert.Equal(["a", "b"], o.ClassNames);
        Assert.Null(OptionsBinder.Apply(o, [Kv("nCritic", "null")], TextWriter.Null).NCritic);
        var e = Assert.Throws<ArgumentException>(() => OptionsBinder.Apply(o, [Kv("gHidden", "8,x")], TextWriter.Null));
        Assert.Contains("option 'gHidden' expects a comma-separated list of integers", e.Message);
        e = Assert.Throws<ArgumentException>(() => OptionsBinder.Apply(o, [Kv("spectralNorm", "yes")], TextWriter.Null));
        Assert.Contains("option 'spectralNorm' expects true or false", e.Message);
    }

    [Fact]
    public void Computed_properties_are_not_options()
    {
        var keys = OptionsBinder.Keys(typeof(GenerationOptions)).Select(k => k.Name).ToArray();
        Assert.Contains("batchSize", keys);
        Assert.DoesNotContain("resolvedLr", keys);
        Assert.DoesNotContain("batch", keys);
        Assert.Null(JsonNode.Parse(OptionsBinder.ToJson(new GenerationOptions()))!["resolvedLr"]);
    }

    [Fact]
    public void Former_names_in_an_options_document_become_the_current_ones()
    {
        var doc = new JsonObject { ["batch"] = 8, ["output"] = "runs/a", ["arch"] = new JsonObject { ["zDim"] = 16 } };
        OptionsBinder.UpgradeFormerNames(doc, typeof(StyleGan2TrainOptions));
        Assert.Equal(8, (int)doc["batchSize"]!);
        Assert.Equal("runs/a", (string?)doc["out"]);
        Assert.False(doc.ContainsKey("batch"));
        Assert.Equal(16, (int)doc["arch"]!["zDim"]!);
        Assert.Equal(None, OptionsBinder.ParsePairs([]));
        Assert.Throws<ArgumentException>(() => OptionsBinder.ParsePairs(["novalue"]));
    }
}
