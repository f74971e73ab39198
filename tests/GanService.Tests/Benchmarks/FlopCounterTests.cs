using GanService.Bench;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Onnx;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace GanService.Tests.Benchmarks;

public class FlopCounterTests
{
    /// <summary>x (N, 3, 16, 16) → Conv 3→8 k3 p1 → ReLU → ConvTranspose 8→4 k4 s2 p1 (32²) → depthwise Conv k3 p1 →
    /// Flatten → Gemm 4096→10 (transB) → MatMul 10→5.</summary>
    private static ModelProto SmallNetwork()
    {
        var g = new OnnxGraphBuilder();
        g.Graph.Input.Add(OnnxGraphBuilder.ValueInfo(new OnnxIo("x", [-1, 3, 16, 16])));
        float[] Ones(int n) => Enumerable.Repeat(0.01f, n).ToArray();
        var y = g.Node("Conv", ["x", g.Initializer("w1", Ones(8 * 3 * 3 * 3), [8, 3, 3, 3]), g.Initializer("b1", Ones(8), [8])],
            ("kernel_shape", new[] { 3L, 3L }), ("pads", new[] { 1L, 1L, 1L, 1L }));
        y = g.Node("Relu", [y]);
        y = g.Node("ConvTranspose", [y, g.Initializer("w2", Ones(8 * 4 * 4 * 4), [8, 4, 4, 4])],
            ("kernel_shape", new[] { 4L, 4L }), ("strides", new[] { 2L, 2L }), ("pads", new[] { 1L, 1L, 1L, 1L }));
        y = g.Node("Conv", [y, g.Initializer("w3", Ones(4 * 9), [4, 1, 3, 3])],
            ("kernel_shape", new[] { 3L, 3L }), ("pads", new[] { 1L, 1L, 1L, 1L }), ("group", 4L));
        y = g.Node("Flatten", [y], ("axis", 1L));
        y = g.Node("Gemm", [y, g.Initializer("w4", Ones(10 * 4096), [10, 4096]), g.Initializer("b4", Ones(10), [10])], ("transB", 1L));
        y = g.Node("MatMul", [y, g.Initializer("w5", Ones(50), [10, 5])]);
        g.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = "out", Input = { y }, Output = { "y" } });
        g.Graph.Output.Add(OnnxGraphBuilder.ValueInfo(new OnnxIo("y", [-1, 5])));
        var model = new ModelProto { IrVersion = 8, Graph = g.Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxGraphBuilder.Opset });
        return model;
    }

    [Fact]
    public void Counts_two_flops_per_multiply_add_of_conv_transposed_conv_gemm_and_matmul_with_shapes_from_one_run()
    {
        // Per sample, by hand: Conv 8·16²·(3·3·3) = 55,296; ConvTranspose 8·16² inputs · 4·4·4 = 131,072; depthwise
        // Conv 4·32²·(1·3·3) = 36,864; Gemm 10·4096 = 40,960; MatMul 5·10 = 50 multiply-adds. ReLU, bias: not counted.
        const long perSample = 55_296 + 131_072 + 36_864 + 40_960 + 50;
        using var x = OrtValue.CreateTensorValueFromMemory(new float[2 * 3 * 16 * 16], [2, 3, 16, 16]);
        var count = FlopCounter.Of(SmallNetwork(), new Dictionary<string, OrtValue> { ["x"] = x });
        Assert.Equal(2 * 2 * perSample, count.Flops);
        Assert.Equal(2 * 2 * (55_296L + 36_864), count.ByOp["Conv"]);
        Assert.Equal(2 * 2 * 131_072L, count.ByOp["ConvTranspose"]);
        Assert.Equal(2 * 2 * 40_960L, count.ByOp["Gemm"]);
        Assert.Equal(2 * 2 * 50L, count.ByOp["MatMul"]);
        Assert.DoesNotContain("Relu", count.ByOp.Keys);
    }

    [Fact]
    public void Gemm_with_a_transposed_first_operand_takes_its_inner_size_from_the_first_dimension()
    {
        var graph = new GraphProto();
        graph.Initializer.Add(new TensorProto { Name = "a", Dims = { 7, 3 } });   // Aᵀ: K = 7, M = 3
        graph.Node.Add(new NodeProto { OpType = "Gemm", Input = { "a", "b" }, Output = { "y" }, Attribute = { new AttributeProto { Name = "transA", I = 1, Type = AttributeProto.Types.AttributeType.Int } } });
        var count = FlopCounter.Of(graph, name => name switch { "b" => [7, 4], "y" => [3, 4], _ => throw new KeyNotFoundException(name) });
        Assert.Equal(2L * 3 * 4 * 7, count.Flops);
    }

    [Fact]
    public void The_eager_runner_matches_onnx_runtime_on_a_shipped_model_and_a_stylegan2_synthesis_graph()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        var shipped = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(Repository.RepositoryLayoutTests.Root(), "models", "shapes2color-pix2pix", "model.onnx")));
        AssertSame(shipped, new() { ["image"] = torch.rand(2, 3, 64, 64) * 2 - 1 });

        var g = new StyleGan2Generator(new StyleGan2Architecture { Resolution = 8, ZDim = 8, WDim = 8, ChannelBase = 64, ChannelMax = 8 });
        var (synIn, synOut) = StyleGan2ExportFamily.SynthesisIo(g, noiseInputs: false);
        var synthesis = OnnxExporter.Export(g, synIn, synOut, (b, ins) => [g.synthesis.EmitGraph(b, ins[0], null)]);
        AssertSame(synthesis, new() { ["ws"] = torch.randn(2, g.NumWs, 8) });
    }

    [Fact]
    public void The_eager_runner_matches_onnx_runtime_on_split_attention_and_one_hot_graphs()
    {
        // BigGAN: Split of z, self-attention (MaxPool, Transpose, Softmax); InfoGAN: OneHot of the categorical code.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var models = Path.Combine(Repository.RepositoryLayoutTests.Root(), "models");
        var biggan = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(models, "fmnist-biggan", "model.onnx")));
        AssertSame(biggan, new() { ["z"] = torch.randn(3, 120), ["label"] = torch.tensor(new long[] { 0, 4, 9 }) });
        var infogan = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(models, "fmnist-infogan", "model.onnx")));
        AssertSame(infogan, new() { ["z"] = torch.randn(3, 62), ["code"] = torch.tensor(new long[] { 1, 3, 9 }), ["c1"] = torch.rand(3, 1), ["c2"] = torch.rand(3, 1) });
    }

    private static void AssertSame(ModelProto model, Dictionary<string, Tensor> inputs)
    {
        using var eager = new OnnxEager(model);
        var mine = eager.Run(inputs)[0].contiguous().data<float>().ToArray();
        using var session = new InferenceSession(OnnxExporter.ToBytes(model));
        var feeds = inputs.ToDictionary(kv => kv.Key, kv => kv.Value.dtype == ScalarType.Int64
            ? OrtValue.CreateTensorValueFromMemory(kv.Value.contiguous().data<long>().ToArray(), kv.Value.shape)
            : OrtValue.CreateTensorValueFromMemory(kv.Value.contiguous().data<float>().ToArray(), kv.Value.shape));
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, feeds.Keys.ToArray(), feeds.Values.ToArray(), [model.Graph.Output[0].Name]);
        var theirs = results[0].GetTensorDataAsSpan<float>().ToArray();
        foreach (var v in feeds.Values) v.Dispose();
        Assert.Equal(theirs.Length, mine.Length);
        Assert.True(mine.Zip(theirs, (a, b) => Math.Abs(a - b)).Max() < 1e-4f);
        Assert.Contains(theirs, v => v != 0); // a graph that output zeros would match anything
    }

    [Fact]
    public void The_eager_runner_names_an_operator_it_cannot_run()
    {
        var model = new ModelProto { Graph = new GraphProto { Node = { new NodeProto { OpType = "Einsum", Input = { "x" }, Output = { "y" } } } } };
        var e = Assert.Throws<NotSupportedException>(() => new OnnxEager(model));
        Assert.Contains("Einsum", e.Message);
    }
}
