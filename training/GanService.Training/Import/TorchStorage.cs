using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace GanService.Training.Import;

/// <summary>A torch storage class (<c>torch.FloatStorage</c> …) or dtype (<c>torch.float32</c> …): element type and size.</summary>
internal sealed record StorageKind(string DType, int ElementSize)
{
    public static readonly StorageKind Float32 = new("float32", 4);
    public static readonly StorageKind Float64 = new("float64", 8);
    public static readonly StorageKind Float16 = new("float16", 2);
    public static readonly StorageKind BFloat16 = new("bfloat16", 2);
    public static readonly StorageKind Int64 = new("int64", 8);
    public static readonly StorageKind Int32 = new("int32", 4);
    public static readonly StorageKind Int16 = new("int16", 2);
    public static readonly StorageKind Int8 = new("int8", 1);
    public static readonly StorageKind UInt8 = new("uint8", 1);
    public static readonly StorageKind Bool = new("bool", 1);

    /// <summary>The legacy storage class names torch.save writes into persistent ids (also under <c>torch.cuda</c>).</summary>
    public static readonly IReadOnlyDictionary<string, StorageKind> ByStorageClass = new Dictionary<string, StorageKind>
    {
        ["FloatStorage"] = Float32, ["DoubleStorage"] = Float64, ["HalfStorage"] = Float16,
        ["BFloat16Storage"] = BFloat16, ["LongStorage"] = Int64, ["IntStorage"] = Int32,
        ["ShortStorage"] = Int16, ["CharStorage"] = Int8, ["ByteStorage"] = UInt8, ["BoolStorage"] = Bool,
    };

    /// <summary>torch dtype globals (<c>torch.float32</c> and its aliases) as pickled by <c>_rebuild_tensor_v3</c>.</summary>
    public static readonly IReadOnlyDictionary<string, StorageKind> ByDTypeName = new Dictionary<string, StorageKind>
    {
        ["float32"] = Float32, ["float"] = Float32, ["float64"] = Float64, ["double"] = Float64,
        ["float16"] = Float16, ["half"] = Float16, ["bfloat16"] = BFloat16,
        ["int64"] = Int64, ["long"] = Int64, ["int32"] = Int32, ["int"] = Int32, ["int16"] = Int16, ["short"] = Int16,
        ["int8"] = Int8, ["uint8"] = UInt8, ["bool"] = Bool,
    };

    /// <summary>Converts little-endian elements to float32.</summary>
    public void ToFloat(ReadOnlySpan<byte> src, Span<float> dst)
    {
        if (this == Float32 && BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(src[..(dst.Length * 4)]).CopyTo(dst);
            return;
        }
        for (int i = 0; i < dst.Length; i++) dst[i] = ToFloat(src.Slice(i * ElementSize, ElementSize));
    }

    public float ToFloat(ReadOnlySpan<byte> e) => DType switch
    {
        "float32" => BinaryPrimitives.ReadSingleLittleEndian(e),
        "float64" => (float)BinaryPrimitives.ReadDoubleLittleEndian(e),
        "float16" => (float)BinaryPrimitives.ReadHalfLittleEndian(e),
        // bfloat16 is the upper half of a float32.
        "bfloat16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(e) << 16),
        "int64" => BinaryPrimitives.ReadInt64LittleEndian(e),
        "int32" => BinaryPrimitives.ReadInt32LittleEndian(e),
        "int16" => BinaryPrimitives.ReadInt16LittleEndian(e),
        "int8" => (sbyte)e[0],
        "uint8" => e[0],
        "bool" => e[0] != 0 ? 1f : 0f,
        _ => throw new InvalidOperationException($"no conversion for {DType}"),
    };
}

/// <summary>
/// One storage of a PyTorch file: its element type and count, and (once read) where its bytes lie. A legacy
/// "view" storage points into its root storage, as torch's own legacy loader does.
/// </summary>
internal sealed class TorchStorage(StorageKind kind, string key, long numel)
{
    public StorageKind Kind { get; } = kind;
    public string Key { get; } = key;
    public long Numel { get; } = numel;
    public long ByteLength => Numel * Kind.ElementSize;

    private byte[]? _buffer;
    private int _byteOffset;
    private TorchStorage? _root;
    private long _rootElementOffset;

    public bool IsLoaded => _root?.IsLoaded ?? _buffer is not null;

    public void SetBytes(byte[] buffer, int byteOffset)
    {
        _buffer = buffer;
        _byteOffset = byteOffset;
    }

    public static TorchStorage ViewOf(TorchStorage root, string key, long elementOffset, long numel) =>
        new(root.Kind, key, numel) { _root = root, _rootElementOffset = elementOffset };

    public ReadOnlySpan<byte> Bytes(string source)
    {
        if (_root is not null)
        {
            if (_rootElementOffset < 0 || _rootElementOffset + Numel > _root.Numel)
                throw new TorchFileException($"{source}: storage view '{Key}' reaches past its storage '{_root.Key}'");
            return _root.Bytes(source).Slice((int)(_rootElementOffset * Kind.ElementSize), (int)ByteLength);
        }
        if (_buffer is null) throw new TorchFileException($"{source}: storage '{Key}' has no data in the file");
        return new ReadOnlySpan<byte>(_buffer, _byteOffset, (int)ByteLength);
    }
}

/// <summary>A tensor as the pickle describes it; made into a <see cref="TorchTensor"/> once every storage is read.</summary>
internal sealed class TensorRecord(TorchStorage storage, long offset, long[] size, long[] stride, StorageKind dtype, bool isParameter)
{
    public TorchStorage Storage { get; } = storage;
    public long Offset { get; } = offset;
    public long[] Size { get; } = size;
    public long[] Stride { get; } = stride;
    /// <summary>The element type: the storage's, or the dtype of a <c>_rebuild_tensor_v3</c> over an untyped storage.</summary>
    public StorageKind DType { get; } = dtype;
    public bool IsParameter { get; } = isParameter;

    public TensorRecord AsParameter() => new(Storage, Offset, Size, Stride, DType, true);

    /// <summary>Applies offset and strides; checks first that every element lies inside the storage.</summary>
    public TorchTensor ToTensor(string source)
    {
        string shape = "[" + string.Join(", ", Size) + "]";
        long count = 1, last = Offset;
        try
        {
            for (int d = 0; d < Size.Length; d++)
            {
                if (Size[d] < 0 || Stride[d] < 0)
                    throw new TorchFileException($"{source}: tensor {shape} has a negative size or stride");
                count = checked(count * Size[d]);
                if (Size[d] > 0) last = checked(last + (Size[d] - 1) * Stride[d]);
            }
        }
        catch (OverflowException)
        {
            throw new TorchFileException($"{source}: tensor {shape} (strides [{string.Join(", ", Stride)}]) is too large");
        }
        if (count == 0) return new TorchTensor(DType.DType, Size, [], IsParameter);

        var bytes = Storage.Bytes(source);
        if (bytes.Length % DType.ElementSize != 0)
            throw new TorchFileException($"{source}: storage '{Storage.Key}' of {bytes.Length} bytes does not hold whole {DType.DType} elements");
        long storageElements = bytes.Length / DType.ElementSize;
        if (Offset < 0 || last >= storageElements)
            throw new TorchFileException(
                $"{source}: tensor {shape} (offset {Offset}, strides [{string.Join(", ", Stride)}]) needs {last + 1} elements but its storage '{Storage.Key}' holds {storageElements}");
        // An expanded view (stride 0) may have more elements than its storage; a hostile header must not turn that
        // into an allocation without limit, so such views are capped at 16 M elements beyond the storage's own size.
        if (count > Math.Min(Array.MaxLength, Math.Max(storageElements, 1L << 24)))
            throw new TorchFileException($"{source}: tensor {shape} has {count} elements over a storage of {storageElements}; refused");
        var data = new float[count];

        int es = DType.ElementSize;
        if (IsContiguous())
        {
            DType.ToFloat(bytes.Slice((int)(Offset * es), (int)(count * es)), data);
            return new TorchTensor(DType.DType, Size, data, IsParameter);
        }
        // Strided: walk the index like an odometer, last dimension fastest (C order).
        var index = new long[Size.Length];
        long at = Offset;
        for (long i = 0; i < count; i++)
        {
            data[i] = DType.ToFloat(bytes.Slice((int)(at * es), es));
            for (int d = Size.Length - 1; d >= 0; d--)
            {
                index[d]++;
                at += Stride[d];
                if (index[d] < Size[d]) break;
                at -= Stride[d] * Size[d];
                index[d] = 0;
            }
        }
        return new TorchTensor(DType.DType, Size, data, IsParameter);
    }

    private bool IsContiguous()
    {
        long expected = 1;
        for (int d = Size.Length - 1; d >= 0; d--)
        {
            if (Size[d] != 1 && Stride[d] != expected) return false;
            expected *= Size[d];
        }
        return true;
    }
}
