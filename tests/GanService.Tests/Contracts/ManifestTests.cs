using GanService.Contracts;

namespace GanService.Tests.Contracts;

public class ManifestTests
{
    private static ModelManifest Valid() => new()
    {
        Name = "demo", Family = "dcgan", Task = ModelTasks.Generate,
        Graphs = [new GraphSpec("model", "model.onnx", new string('a', 64),
            [new TensorSpec("z", [-1, 100], "float32", TensorRoles.Latent)], [new TensorSpec("image", [-1, 3, 32, 32])])],
        Image = new ImageSpec(3, 32, 32), Latent = new LatentSpec(100),
    };

    [Fact]
    public void Round_trips_through_json()
    {
        var m = Valid();
        var back = ModelManifest.Parse(m.ToJson());
        Assert.Equal(m.Name, back.Name);
        Assert.Equal(m.Graphs[0].Inputs[0].Shape, back.Graphs[0].Inputs[0].Shape);
        Assert.Equal(100, back.Latent!.Size);
        Assert.Contains("\"task\": \"generate\"", m.ToJson());
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("Upper")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData(".hidden")]
    public void Rejects_names_that_are_not_identifiers(string name)
    {
        var e = Assert.Throws<ManifestException>(() => ModelManifest.Parse((Valid() with { Name = name }).ToJson()));
        Assert.Contains("name", e.Message);
    }

    [Fact]
    public void Rejects_graph_files_outside_the_folder()
    {
        var m = Valid() with { Graphs = [Valid().Graphs[0] with { File = "../model.onnx" }] };
        var e = Assert.Throws<ManifestException>(() => ModelManifest.Parse(m.ToJson()));
        Assert.Contains("plain file name", e.Message);
    }

    [Fact]
    public void Reports_every_problem_at_once()
    {
        var m = Valid() with { Task = "paint", Latent = null, Image = new ImageSpec(4, 0, 32) };
        var e = Assert.Throws<ManifestException>(() => ModelManifest.Parse(m.ToJson(), "models/x/model.json"));
        Assert.Contains("models/x/model.json", e.Message);
        Assert.True(e.Errors.Count >= 3, string.Join(" | ", e.Errors));
    }

    [Fact]
    public void Rejects_bad_hash_and_label_inputs_without_labels()
    {
        var g = Valid().Graphs[0] with
        {
            Sha256 = "xyz",
            Inputs = [.. Valid().Graphs[0].Inputs, new TensorSpec("label", [-1], "int64", TensorRoles.Label)],
        };
        var e = Assert.Throws<ManifestException>(() => ModelManifest.Parse((Valid() with { Graphs = [g] }).ToJson()));
        Assert.Contains(e.Errors, x => x.Contains("sha256"));
        Assert.Contains(e.Errors, x => x.Contains("labels"));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("{\"name\": 3}")]
    public void Malformed_json_is_a_clear_error(string json) =>
        Assert.Throws<ManifestException>(() => ModelManifest.Parse(json));
}
