using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace GanService.Training.Import;

/// <summary>
/// What a pickle's GLOBAL, REDUCE, NEWOBJ, BUILD and persistent-id opcodes turn into. The reader itself knows no
/// Python names: every global goes through <see cref="ResolveGlobal"/>, which refuses what is not on its allow-list
/// before the reader moves to the next opcode, and every call goes to C# code the host chose. Nothing is executed.
/// </summary>
internal interface IPickleHost
{
    /// <summary>The object a GLOBAL / STACK_GLOBAL / INST pushes; throws <see cref="TorchFileException"/> when refused.</summary>
    object ResolveGlobal(string module, string name);
    /// <summary>REDUCE (also INST and OBJ): <c>callable(*args)</c>.</summary>
    object? Call(object? callable, object?[] args);
    /// <summary>NEWOBJ / NEWOBJ_EX: <c>cls.__new__(cls, *args)</c>.</summary>
    object? NewObject(object? cls, object?[] args);
    /// <summary>BUILD: set <paramref name="state"/> on <paramref name="target"/>.</summary>
    void Build(object? target, object? state);
    /// <summary>PERSID / BINPERSID.</summary>
    object? PersistentLoad(object? pid);
}

/// <summary>
/// A pickle reader for protocols 0–5 over an in-memory buffer, written here rather than taken from a package so that
/// the allow-list sits in front of every global and no constructor registry is shared process-wide (Razorvine.Pickle
/// keeps its constructors in static state and resolves classes itself). Objects: dict → <c>Dictionary&lt;string,
/// object?&gt;</c>, list → <c>List&lt;object?&gt;</c>, tuple → <c>object?[]</c>, set/frozenset → <c>HashSet&lt;object?&gt;</c>,
/// str → string, bytes/bytearray → byte[], int → long (BigInteger beyond 64 bits), float → double, bool, None → null.
/// Every malformed input (truncated, stack underflow, unknown opcode) is a <see cref="TorchFileException"/>.
/// </summary>
internal sealed class PickleReader(byte[] data, int start, int end, IPickleHost host, string source)
{
    // Python's MARK is a separate stack of fences; an opcode may only pop what lies above the latest fence.
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private int _pos = start;

    /// <summary>Offset just past the STOP opcode once <see cref="Load"/> returned (legacy files hold several pickles).</summary>
    public int Position => _pos;

    public object? Load()
    {
        while (true)
        {
            int opAt = _pos;
            byte op = ReadByte();
            switch (op)
            {
                case (byte)'.': // STOP
                    if (_stack.Count == 0) throw Malformed(opAt, "STOP with an empty stack");
                    return _stack[^1];
                case 0x80: // PROTO
                {
                    int proto = ReadByte();
                    if (proto > 5) throw new TorchFileException($"{source}: pickle protocol {proto} is newer than the 5 this reader knows");
                    break;
                }
                case 0x95: Skip(8); break; // FRAME: framing is only a read-ahead hint
                case (byte)'(': _marks.Add(_stack.Count); break; // MARK
                case (byte)'0': Pop(opAt); break; // POP
                case (byte)'1': PopMark(opAt); break; // POP_MARK
                case (byte)'2': Push(Peek(opAt)); break; // DUP

                // Scalars
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'I': Push(ParseTextInt(ReadLine(), opAt)); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                case (byte)'K': Push((long)ReadByte()); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case (byte)'L': Push(ParseTextLong(ReadLine(), opAt)); break;
                case 0x8a: Push(ReadLong(ReadByte())); break; // LONG1
                case 0x8b: Push(ReadLong(ReadLength(4, opAt))); break; // LONG4
                case (byte)'F': Push(ParseTextFloat(ReadLine(), opAt)); break;
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT

                // Strings and bytes
                case (byte)'S': Push(ParseQuotedString(ReadLine(), opAt)); break; // STRING (protocol 0 str)
                case (byte)'T': Push(DecodeLegacyStr(Take(ReadLength(4, opAt)))); break; // BINSTRING
                case (byte)'U': Push(DecodeLegacyStr(Take(ReadByte()))); break; // SHORT_BINSTRING
                case (byte)'V': Push(ParseRawUnicodeEscape(ReadLine())); break; // UNICODE
                case (byte)'X': Push(DecodeUtf8(Take(ReadLength(4, opAt)), opAt)); break; // BINUNICODE
                case 0x8c: Push(DecodeUtf8(Take(ReadByte()), opAt)); break; // SHORT_BINUNICODE
                case 0x8d: Push(DecodeUtf8(Take(ReadLength(8, opAt)), opAt)); break; // BINUNICODE8
                case (byte)'B': Push(Take(ReadLength(4, opAt)).ToArray()); break; // BINBYTES
                case (byte)'C': Push(Take(ReadByte()).ToArray()); break; // SHORT_BINBYTES
                case 0x8e: Push(Take(ReadLength(8, opAt)).ToArray()); break; // BINBYTES8
                case 0x96: Push(Take(ReadLength(8, opAt)).ToArray()); break; // BYTEARRAY8
                case 0x97: throw new TorchFileException($"{source}: the pickle asks for an out-of-band buffer (NEXT_BUFFER), which a file cannot supply");
                case 0x98: break; // READONLY_BUFFER: only meaningful for out-of-band buffers

                // Containers
                case (byte)')': Push(Array.Empty<object?>()); break;
                case 0x85: Push(PopN(1, opAt)); break;
                case 0x86: Push(PopN(2, opAt)); break;
                case 0x87: Push(PopN(3, opAt)); break;
                case (byte)'t': Push(PopMark(opAt).ToArray()); break;
                case (byte)']': Push(new List<object?>()); break;
                case (byte)'l': Push(PopMark(opAt)); break;
                case (byte)'a': { var item = Pop(opAt); AppendTo(Peek(opAt), [item], opAt); break; }
                case (byte)'e': { var items = PopMark(opAt); AppendTo(Peek(opAt), items, opAt); break; }
                case (byte)'}': Push(new Dictionary<string, object?>()); break;
                case (byte)'d': { var d = new Dictionary<string, object?>(); SetItems(d, PopMark(opAt), opAt); Push(d); break; }
                case (byte)'s': { var v = Pop(opAt); var k = Pop(opAt); SetItems(Peek(opAt), [k, v], opAt); break; }
                case (byte)'u': { var kv = PopMark(opAt); SetItems(Peek(opAt), kv, opAt); break; }
                case 0x8f: Push(new HashSet<object?>()); break; // EMPTY_SET
                case 0x90: // ADDITEMS
                {
                    var items = PopMark(opAt);
                    if (Peek(opAt) is not HashSet<object?> set) throw Malformed(opAt, "ADDITEMS on something that is not a set");
                    foreach (var item in items) set.Add(item);
                    break;
                }
                case 0x91: Push(new HashSet<object?>(PopMark(opAt))); break; // FROZENSET

                // Memo
                case (byte)'g': Push(MemoGet(ParseMemoIndex(ReadLine(), opAt), opAt)); break;
                case (byte)'h': Push(MemoGet(ReadByte(), opAt)); break;
                case (byte)'j': Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), opAt)); break;
                case (byte)'p': _memo[ParseMemoIndex(ReadLine(), opAt)] = Peek(opAt); break;
                case (byte)'q': _memo[ReadByte()] = Peek(opAt); break;
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(opAt); break;
                case 0x94: _memo[_memo.Count] = Peek(opAt); break; // MEMOIZE

                // Globals and object construction: all through the host's allow-list.
                case (byte)'c':
                {
                    string module = ReadAsciiLine(opAt), name = ReadAsciiLine(opAt);
                    Push(host.ResolveGlobal(module, name));
                    break;
                }
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop(opAt);
                    var module = Pop(opAt);
                    if (module is not string m || name is not string n) throw Malformed(opAt, "STACK_GLOBAL without two strings");
                    Push(host.ResolveGlobal(m, n));
                    break;
                }
                case (byte)'i': // INST: module and name inline, arguments since the mark
                {
                    string module = ReadAsciiLine(opAt), name = ReadAsciiLine(opAt);
                    var cls = host.ResolveGlobal(module, name);
                    Push(host.Call(cls, PopMark(opAt).ToArray()));
                    break;
                }
                case (byte)'o': // OBJ: class and arguments since the mark
                {
                    var items = PopMark(opAt);
                    if (items.Count == 0) throw Malformed(opAt, "OBJ without a class");
                    Push(host.Call(items[0], items.Skip(1).ToArray()));
                    break;
                }
                case (byte)'R': // REDUCE
                {
                    var args = Pop(opAt);
                    var callable = Pop(opAt);
                    Push(host.Call(callable, AsArgs(args, opAt)));
                    break;
                }
                case 0x81: // NEWOBJ
                {
                    var args = Pop(opAt);
                    var cls = Pop(opAt);
                    Push(host.NewObject(cls, AsArgs(args, opAt)));
                    break;
                }
                case 0x92: // NEWOBJ_EX
                {
                    var kwargs = Pop(opAt);
                    var args = Pop(opAt);
                    var cls = Pop(opAt);
                    if (kwargs is not Dictionary<string, object?> { Count: 0 })
                        throw Malformed(opAt, "NEWOBJ_EX with keyword arguments");
                    Push(host.NewObject(cls, AsArgs(args, opAt)));
                    break;
                }
                case (byte)'b': // BUILD
                {
                    var state = Pop(opAt);
                    host.Build(Peek(opAt), state);
                    break;
                }
                case (byte)'P': Push(host.PersistentLoad(ReadAsciiLine(opAt))); break;
                case (byte)'Q': Push(host.PersistentLoad(Pop(opAt))); break;
                case 0x82 or 0x83 or 0x84:
                    throw new TorchFileException($"{source}: the pickle uses the copyreg extension registry (EXT opcodes), which a PyTorch file never does; refused");
                default:
                    throw Malformed(opAt, $"unknown opcode 0x{op:x2}");
            }
        }
    }

    private TorchFileException Malformed(int at, string what) =>
        new($"{source}: malformed pickle at byte {at}: {what}");

    private TorchFileException Truncated() =>
        new($"{source}: truncated: the pickle ends before its STOP opcode");

    private void Push(object? o) => _stack.Add(o);

    private int Fence => _marks.Count == 0 ? 0 : _marks[^1];

    private object? Pop(int at)
    {
        if (_stack.Count <= Fence) throw Malformed(at, "stack underflow");
        var o = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return o;
    }

    private object? Peek(int at)
    {
        if (_stack.Count <= Fence) throw Malformed(at, "stack underflow");
        return _stack[^1];
    }

    private object?[] PopN(int n, int at)
    {
        if (_stack.Count - Fence < n) throw Malformed(at, "stack underflow");
        var items = _stack.GetRange(_stack.Count - n, n).ToArray();
        _stack.RemoveRange(_stack.Count - n, n);
        return items;
    }

    private List<object?> PopMark(int at)
    {
        if (_marks.Count == 0) throw Malformed(at, "no MARK to pop to");
        int mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(mark, _stack.Count - mark);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private object? MemoGet(long index, int at) =>
        _memo.TryGetValue(index, out var o) ? o : throw Malformed(at, $"memo entry {index} read before it was written");

    private object?[] AsArgs(object? args, int at) =>
        args as object?[] ?? throw Malformed(at, "call arguments are not a tuple");

    private void AppendTo(object? target, List<object?> items, int at)
    {
        if (target is not List<object?> list) throw Malformed(at, $"APPEND to {Describe(target)}, not a list");
        list.AddRange(items);
    }

    private void SetItems(object? target, List<object?> keysAndValues, int at)
    {
        if (target is not Dictionary<string, object?> dict) throw Malformed(at, $"SETITEM on {Describe(target)}, not a dict");
        if (keysAndValues.Count % 2 != 0) throw Malformed(at, "SETITEMS with an odd number of items");
        for (int i = 0; i < keysAndValues.Count; i += 2) dict[KeyString(keysAndValues[i])] = keysAndValues[i + 1];
    }

    internal static string Describe(object? o) => o switch
    {
        null => "None",
        PickleObject p => p.FullName,
        _ => o.GetType().Name,
    };

    /// <summary>Dict keys become strings: str as is, numbers and tuples as Python would print them.</summary>
    internal static string KeyString(object? key) => KeyString(key, 0);

    private static string KeyString(object? key, int depth) => key switch
    {
        string s => s,
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        BigInteger bi => bi.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        byte[] bytes => Encoding.Latin1.GetString(bytes),
        // A hostile pickle can nest tuples a million deep; a key that deep is not a checkpoint's.
        object?[] when depth > 32 => "(…)",
        object?[] tuple => "(" + string.Join(", ", tuple.Select(x => KeyString(x, depth + 1))) + (tuple.Length == 1 ? ",)" : ")"),
        _ => Describe(key),
    };

    private byte ReadByte()
    {
        if (_pos >= end) throw Truncated();
        return data[_pos++];
    }

    private void Skip(int n) => Take(n);

    private ReadOnlySpan<byte> Take(long n)
    {
        if (n < 0 || n > end - _pos) throw Truncated();
        var span = new ReadOnlySpan<byte>(data, _pos, (int)n);
        _pos += (int)n;
        return span;
    }

    /// <summary>A length prefix, checked against what is left so that no length in a hostile file allocates more.</summary>
    private long ReadLength(int width, int at)
    {
        var b = Take(width);
        long n = width switch
        {
            1 => b[0],
            4 => BinaryPrimitives.ReadUInt32LittleEndian(b),
            _ => BinaryPrimitives.ReadInt64LittleEndian(b),
        };
        if (n < 0) throw Malformed(at, "negative length");
        if (n > end - _pos) throw Truncated();
        return n;
    }

    private ReadOnlySpan<byte> ReadLineBytes()
    {
        int nl = Array.IndexOf(data, (byte)'\n', _pos, end - _pos);
        if (nl < 0) throw Truncated();
        var span = new ReadOnlySpan<byte>(data, _pos, nl - _pos);
        _pos = nl + 1;
        return span;
    }

    private string ReadLine() => Encoding.Latin1.GetString(ReadLineBytes());

    private string ReadAsciiLine(int at)
    {
        var line = ReadLine();
        if (line.Any(ch => ch < 0x20 || ch > 0x7e)) throw Malformed(at, "a global name that is not printable ASCII");
        return line;
    }

    private object ReadLong(long n)
    {
        var bytes = Take(n);
        if (n == 0) return 0L;
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return Normalise(value);
    }

    private static object Normalise(BigInteger v) => v >= long.MinValue && v <= long.MaxValue ? (object)(long)v : v;

    private object ParseTextInt(string line, int at)
    {
        // Protocol 0 writes True and False as I01 / I00.
        if (line == "01") return true;
        if (line == "00") return false;
        return ParseTextLong(line, at);
    }

    private object ParseTextLong(string line, int at)
    {
        var text = line.EndsWith('L') ? line[..^1] : line;
        if (text.Length > 4096 || !BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            throw Malformed(at, "an integer that does not parse");
        return Normalise(v);
    }

    private double ParseTextFloat(string line, int at) =>
        double.TryParse(line, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
        : line switch { "inf" => double.PositiveInfinity, "-inf" => double.NegativeInfinity, "nan" => double.NaN, _ => throw Malformed(at, "a float that does not parse") };

    private long ParseMemoIndex(string line, int at) =>
        long.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : throw Malformed(at, "a memo index that does not parse");

    private string DecodeUtf8(ReadOnlySpan<byte> bytes, int at)
    {
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { throw Malformed(at, "a string that is not UTF-8"); }
    }

    /// <summary>Python 2 str: torch.load decodes it as UTF-8; bytes that are not UTF-8 keep their Latin-1 reading.</summary>
    private static string DecodeLegacyStr(ReadOnlySpan<byte> bytes)
    {
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { return Encoding.Latin1.GetString(bytes); }
    }

    /// <summary>Protocol 0 STRING: a Python repr in quotes with backslash escapes.</summary>
    private string ParseQuotedString(string line, int at)
    {
        if (line.Length < 2 || line[0] != line[^1] || (line[0] != '\'' && line[0] != '"'))
            throw Malformed(at, "STRING without matching quotes");
        var body = line[1..^1];
        var bytes = new List<byte>(body.Length);
        for (int i = 0; i < body.Length; i++)
        {
            char ch = body[i];
            if (ch != '\\' || i + 1 >= body.Length) { bytes.Add((byte)ch); continue; }
            char e = body[++i];
            switch (e)
            {
                case 'n': bytes.Add((byte)'\n'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case '\\': bytes.Add((byte)'\\'); break;
                case '\'': bytes.Add((byte)'\''); break;
                case '"': bytes.Add((byte)'"'); break;
                case 'x':
                    if (i + 2 >= body.Length || !byte.TryParse(body.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex))
                        throw Malformed(at, "a bad \\x escape in STRING");
                    bytes.Add(hex);
                    i += 2;
                    break;
                default: bytes.Add((byte)'\\'); bytes.Add((byte)e); break;
            }
        }
        return DecodeLegacyStr(bytes.ToArray());
    }

    /// <summary>Protocol 0 UNICODE: raw-unicode-escape, i.e. Latin-1 with \uXXXX and \UXXXXXXXX.</summary>
    private static string ParseRawUnicodeEscape(string line)
    {
        var sb = new StringBuilder(line.Length);
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\' && i + 1 < line.Length && (line[i + 1] == 'u' || line[i + 1] == 'U'))
            {
                int digits = line[i + 1] == 'u' ? 4 : 8;
                if (i + 2 + digits <= line.Length
                    && int.TryParse(line.AsSpan(i + 2, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int cp)
                    && cp is >= 0 and <= 0x10FFFF)
                {
                    sb.Append(char.ConvertFromUtf32(cp is >= 0xD800 and <= 0xDFFF ? 0xFFFD : cp));
                    i += 1 + digits;
                    continue;
                }
            }
            sb.Append(line[i]);
        }
        return sb.ToString();
    }
}
