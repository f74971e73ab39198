namespace GanService.Inference;

/// <summary>A dense row-major tensor crossing the caller ↔ ORT boundary: float32 or int64, never both.</summary>
public sealed record NamedTensor(string Name, long[] Shape, float[]? Floats = null, long[]? Longs = null)
{
    public static NamedTensor Of(string name, float[] data, params long[] shape) => new(name, shape, Floats: data);
    public static NamedTensor Of(string name, long[] data, params long[] shape) => new(name, shape, Longs: data);

    public string DataType => Floats is not null ? "float32" : "int64";
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
}
