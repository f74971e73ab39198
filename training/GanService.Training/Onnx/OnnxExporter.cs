using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Training.Onnx;

/// <summary>A layer that knows the ONNX nodes for its own forward (single input, single output).</summary>
public interface IOnnxEmittable
{
    /// <summary>Appends nodes computing this layer's eval-mode forward of <paramref name="input"/>; returns the output name.</summary>
    string Emit(OnnxGraphBuilder g, string input);
}

/// <summary>A whole model with several inputs and/or outputs (e.g. z and label → image).</summary>
public interface IOnnxGraphModule
{
    IReadOnlyList<string> EmitGraph(OnnxGraphBuilder g, IReadOnlyList<string> inputs);
}

/// <summary>
/// Builds a ModelProto (opset 17) from a module's own Emit: trained parameters become initializers, inputs and outputs
/// are named, the batch dimension is dynamic and the spatial size static. The module is exported in eval mode (and put
/// back in the mode it was in). If any layer cannot emit, the export fails naming it; no partial graph is written.
/// </summary>
public static class OnnxExporter
{
    public const string ProducerName = "GanService";
    /// <summary>The ONNX graph name of a model whose family gives none.</summary>
    public const string DefaultGraphName = "gan";

    public static string ProducerVersion => typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0";

    public static ModelProto Export(nn.Module module, IReadOnlyList<OnnxIo> inputs, IReadOnlyList<OnnxIo> outputs,
        IReadOnlyDictionary<string, string>? metadata = null, string graphName = DefaultGraphName)
    {
        Func<OnnxGraphBuilder, IReadOnlyList<string>, IReadOnlyList<string>> emit = module switch
        {
            IOnnxGraphModule gm => gm.EmitGraph,
            IOnnxEmittable e when inputs.Count == 1 => (g, ins) => [e.Emit(g, ins[0])],
            _ => throw new OnnxExportException($"layer '{module.GetName()}' ({module.GetType().Name}) cannot emit ONNX"),
        };
        return Export(module, inputs, outputs, emit, metadata, graphName);
    }

    public static ModelProto Export(nn.Module module, IReadOnlyList<OnnxIo> inputs, IReadOnlyList<OnnxIo> outputs,
        Func<OnnxGraphBuilder, IReadOnlyList<string>, IReadOnlyList<string>> emit,
        IReadOnlyDictionary<string, string>? metadata = null, string graphName = DefaultGraphName)
    {
        bool wasTraining = module.training;
        module.eval();
        try
        {
            var g = new OnnxGraphBuilder();
            g.Graph.Name = graphName;
            foreach (var i in inputs) g.Graph.Input.Add(OnnxGraphBuilder.ValueInfo(i));
            IReadOnlyList<string> produced;
            using (torch.no_grad()) produced = emit(g, inputs.Select(i => i.Name).ToArray());
            if (produced.Count != outputs.Count)
                throw new OnnxExportException($"module produced {produced.Count} outputs, {outputs.Count} were declared");
            for (int k = 0; k < outputs.Count; k++)
            {
                // Rename the last value to the declared output name with an Identity (keeps every layer's naming free).
                var node = new NodeProto { OpType = "Identity", Name = g.Unique("output_" + outputs[k].Name) };
                node.Input.Add(produced[k]);
                node.Output.Add(outputs[k].Name);
                g.Graph.Node.Add(node);
                g.Graph.Output.Add(OnnxGraphBuilder.ValueInfo(outputs[k]));
            }
            var model = new ModelProto
            {
                IrVersion = 8,
                ProducerName = ProducerName,
                ProducerVersion = ProducerVersion,
                Graph = g.Graph,
            };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxGraphBuilder.Opset });
            if (metadata is not null)
                foreach (var (k, v) in metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
            return model;
        }
        finally
        {
            module.train(wasTraining);
        }
    }

    public static byte[] ToBytes(ModelProto model) => model.ToByteArray();

    public static void Save(ModelProto model, string path)
    {
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, model.ToByteArray());
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Emits children in order, failing with the child's path when one cannot emit.</summary>
    public static string EmitChain(OnnxGraphBuilder g, string input, IEnumerable<(string Name, nn.Module Module)> children, string owner)
    {
        var x = input;
        foreach (var (name, child) in children)
        {
            if (child is not IOnnxEmittable e)
                throw new OnnxExportException($"layer '{owner}.{name}' ({child.GetType().Name}) cannot emit ONNX");
            using (g.Scope(name)) x = e.Emit(g, x);
        }
        return x;
    }
}
