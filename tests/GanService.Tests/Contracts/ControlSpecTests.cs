using GanService.Contracts;

namespace GanService.Tests.Contracts;

/// <summary>Manifest validation of control inputs: every declaration problem is reported, values are checked against the declaration.</summary>
public class ControlSpecTests
{
    private static ModelManifest With(params TensorSpec[] inputs) => new()
    {
        Name = "m", Family = "infogan", Task = ModelTasks.Generate, Image = new ImageSpec(1, 8, 8), Latent = new LatentSpec(4),
        Graphs = [new GraphSpec("model", "model.onnx", new string('a', 64), [new TensorSpec("z", [-1, 4], Role: TensorRoles.Latent), .. inputs],
            [new TensorSpec("image", [-1, 1, 8, 8])])],
    };

    private static readonly TensorSpec Code = new("code", [-1], "int64", TensorRoles.Code, new ControlSpec("code", Count: 10));
    private static readonly TensorSpec C1 = new("c1", [-1, 1], "float32", TensorRoles.CodeContinuous, new ControlSpec("c1", Min: -2, Max: 2));

    [Fact]
    public void A_categorical_and_a_continuous_control_validate()
    {
        Assert.Empty(With(Code, C1).Validate());
        Assert.Equal(["code", "c1"], With(Code, C1).Controls.Select(c => c.Control.Query));
    }

    [Fact]
    public void Declaration_problems_are_all_reported()
    {
        var errors = With(
            Code with { Control = null },                                            // role without a control
            C1 with { Control = new ControlSpec("seed", Min: -2, Max: 2) },          // reserved query name
            new TensorSpec("c2", [-1, 1], "float32", TensorRoles.CodeContinuous, new ControlSpec("c2", Min: 1, Max: 1)), // empty range
            new TensorSpec("k", [-1], "int64", TensorRoles.Code, new ControlSpec("Bad Name", Count: 1)),                  // count, name
            new TensorSpec("c3", [-1, 1], "float32", TensorRoles.CodeContinuous, new ControlSpec("dup", Min: 0, Max: 1)),
            new TensorSpec("c4", [-1, 1], "float32", TensorRoles.CodeContinuous, new ControlSpec("dup", Min: 0, Max: 1, Default: 3))).Validate();
        Assert.Contains(errors, e => e.Contains("'code'") && e.Contains("needs a control"));
        Assert.Contains(errors, e => e.Contains("'seed' is an existing query parameter"));
        Assert.Contains(errors, e => e.Contains("'c2'") && e.Contains("min < max"));
        Assert.Contains(errors, e => e.Contains("count ≥ 2"));
        Assert.Contains(errors, e => e.Contains("'Bad Name' must match"));
        Assert.Contains(errors, e => e.Contains("unique"));
        Assert.Contains(errors, e => e.Contains("default 3 is outside"));
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(9, null)]
    [InlineData(10, "code must be an integer in 0…9, got 10")]
    [InlineData(2.5, "code must be an integer in 0…9, got 2.5")]
    [InlineData(-1, "code must be an integer in 0…9, got -1")]
    public void Categorical_values_are_integers_below_the_count(double value, string? problem) =>
        Assert.Equal(problem, Code.Control!.Problem(value));

    [Theory]
    [InlineData(-2, null)]
    [InlineData(1.25, null)]
    [InlineData(2.01, "c1 must be in [-2, 2], got 2.01")]
    [InlineData(double.NaN, "c1 must be a finite number")]
    public void Continuous_values_lie_in_the_declared_range(double value, string? problem) =>
        Assert.Equal(problem, C1.Control!.Problem(value));
}
