using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace GanService.Tests.Import;

/// <summary>Writes pickles opcode by opcode, so tests can build exactly the (hostile or historic) files they need.</summary>
internal sealed class PickleBuilder
{
    private readonly MemoryStream _out = new();

    public PickleBuilder Op(byte op) { _out.WriteByte(op); return this; }
    public PickleBuilder Raw(ReadOnlySpan<byte> bytes) { _out.Write(bytes); return this; }
    public PickleBuilder Line(string text) => Raw(Encoding.ASCII.GetBytes(text + "\n"));

    public PickleBuilder Proto(int p = 2) => Op(0x80).Op((byte)p);
    public PickleBuilder Stop() => Op((byte)'.');
    public PickleBuilder Mark() => Op((byte)'(');
    public PickleBuilder Tuple() => Op((byte)'t');
    public PickleBuilder EmptyTuple() => Op((byte)')');
    public PickleBuilder EmptyDict() => Op((byte)'}');
    public PickleBuilder EmptyList() => Op((byte)']');
    public PickleBuilder SetItems() => Op((byte)'u');
    public PickleBuilder Appends() => Op((byte)'e');
    public PickleBuilder Reduce() => Op((byte)'R');
    public PickleBuilder NewObj() => Op(0x81);
    public PickleBuilder Build() => Op((byte)'b');
    public PickleBuilder BinPersId() => Op((byte)'Q');
    public PickleBuilder None() => Op((byte)'N');
    public PickleBuilder False() => Op(0x89);
    public PickleBuilder Global(string module, string name) => Op((byte)'c').Line(module).Line(name);
    public PickleBuilder StackGlobal(string module, string name) => Str(module).Str(name).Op(0x93);
    public PickleBuilder Inst(string module, string name) => Op((byte)'i').Line(module).Line(name);
    public PickleBuilder Obj() => Op((byte)'o');

    public PickleBuilder Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        Op((byte)'X');
        Span<byte> n = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(n, b.Length);
        return Raw(n).Raw(b);
    }

    public PickleBuilder Bytes(byte[] b)
    {
        Op((byte)'B');
        Span<byte> n = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(n, b.Length);
        return Raw(n).Raw(b);
    }

    public PickleBuilder Int(long v)
    {
        if (v is >= 0 and < 256) return Op((byte)'K').Op((byte)v);
        if (v is >= int.MinValue and <= int.MaxValue)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
            return Op((byte)'J').Raw(b);
        }
        var bytes = new BigInteger(v).ToByteArray();
        return Op(0x8a).Op((byte)bytes.Length).Raw(bytes);
    }

    public PickleBuilder IntTuple(params long[] values)
    {
        Mark();
        foreach (var v in values) Int(v);
        return Tuple();
    }

    public byte[] ToArray() => _out.ToArray();

    /// <summary>A legacy (PyTorch ≤ 1.5) torch.save file around <paramref name="main"/>: magic, protocol, sys info,
    /// the main pickle, the key list, then each storage as an int64 count and its raw bytes.</summary>
    public static byte[] LegacyFile(byte[] main, params (string Key, long Count, byte[] Bytes)[] storages)
    {
        var f = new MemoryStream();
        f.Write(new PickleBuilder().Proto().Raw([0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]).Stop().ToArray());
        f.Write(new PickleBuilder().Proto().Int(1001).Stop().ToArray());
        f.Write(new PickleBuilder().Proto().EmptyDict().Mark().Str("protocol_version").Int(1001).Str("little_endian").Op(0x88)
            .SetItems().Stop().ToArray());
        f.Write(main);
        var keys = new PickleBuilder().Proto().EmptyList().Mark();
        foreach (var s in storages) keys.Str(s.Key);
        f.Write(keys.Appends().Stop().ToArray());
        var n = new byte[8];
        foreach (var s in storages)
        {
            BinaryPrimitives.WriteInt64LittleEndian(n, s.Count);
            f.Write(n);
            f.Write(s.Bytes);
        }
        return f.ToArray();
    }

    /// <summary>The persistent id of a storage in a legacy file: ('storage', torch.&lt;type&gt;, key, 'cpu', numel, None).</summary>
    public PickleBuilder LegacyStorage(string type, string key, long numel, string module = "torch", string location = "cpu") =>
        Mark().Str("storage").Global(module, type).Str(key).Str(location).Int(numel).None().Tuple().BinPersId();

    /// <summary>SHORT_BINSTRING: how Python 2 pickled its str (state_dict keys of PyTorch 0.x files).</summary>
    public PickleBuilder Py2Str(string s) => Op((byte)'U').Op((byte)s.Length).Raw(Encoding.ASCII.GetBytes(s));

    public static byte[] Floats(params float[] values)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(i * 4), values[i]);
        return b;
    }
}
