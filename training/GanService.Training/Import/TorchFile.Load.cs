using System.IO.Compression;
using System.Numerics;
using System.Text;

namespace GanService.Training.Import;

// The three containers of PyTorch files, one pickle reader (PickleReader + TorchPickleHost) under all of them.
// Razorvine.Pickle (what TorchSharp.PyBridge uses) was not taken: its class constructors live in a static, process-wide
// registry and it resolves globals itself, so an allow-list would sit beside it rather than in front of it; PyBridge
// itself refuses the legacy format. The reader here (PickleReader, ~430 lines) refuses a global at the opcode that names it.
public static partial class TorchFile
{
    /// <summary>pickle of the integer torch.save writes first in the legacy format.</summary>
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("119547037146038801333356");
    /// <summary>LONG1 of 10 bytes, the magic number: what a legacy file's first pickle holds, after PROTO (and FRAME
    /// from protocol 4 on, when torch.save was given pickle_protocol=4).</summary>
    private static readonly byte[] LegacyMagicLong = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
    private const int LegacyProtocolVersion = 1001;

    /// <summary>Which container <paramref name="path"/> is; a <see cref="TorchFileException"/> when it is none.</summary>
    public static TorchFileFormat DetectFormat(string path)
    {
        var name = Path.GetFileName(path);
        var head = new byte[512];
        int n;
        try
        {
            using var f = File.OpenRead(path);
            n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TorchFileException(OneLine($"{name}: no such file"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TorchFileException(OneLine($"{name}: cannot read the checkpoint ({e.Message})"));
        }
        return DetectFormat(head.AsSpan(0, n), name);
    }

    /// <summary>Which container the bytes starting a file are (a few hundred bytes suffice).</summary>
    public static TorchFileFormat DetectFormat(ReadOnlySpan<byte> head, string source = "checkpoint")
    {
        if (head.IsEmpty) throw new TorchFileException(OneLine($"{source}: empty file, not a PyTorch checkpoint"));
        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8)) return TorchFileFormat.Zip;
        if (head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5)
        {
            var afterProto = head[2..];
            if (afterProto.Length > 9 && afterProto[0] == 0x95) afterProto = afterProto[9..];
            return afterProto.StartsWith(LegacyMagicLong) ? TorchFileFormat.Legacy : TorchFileFormat.Pickle;
        }
        if (head.Length > 262 && head.Slice(257, 5).SequenceEqual("ustar"u8))
            throw new TorchFileException(OneLine($"{source}: a tar archive (PyTorch before 0.1.10 saved checkpoints so); re-save it with a newer PyTorch"));
        throw new TorchFileException(OneLine($"{source}: not a PyTorch checkpoint ({Sniff(head)})"));
    }

    private static string Sniff(ReadOnlySpan<byte> head)
    {
        string hex = Convert.ToHexString(head[..Math.Min(8, head.Length)]);
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G'])) return "it is a PNG image";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "it is a JPEG image";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B])) return "it is gzip-compressed; decompress it first";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x80, 0x02, 0x8a])) return "a pickle that does not start with torch.save's magic number";
        if (head[0] == 0x80) return $"a pickle of protocol {(head.Length > 1 ? head[1] : 0)}, which PyTorch does not write";
        return $"it begins with bytes {hex}";
    }

    /// <summary>
    /// Reads a PyTorch file of any of the three containers (see <see cref="TorchFileFormat"/>) into the object model
    /// described on <see cref="TorchFile"/>. Every failure is one <see cref="TorchFileException"/> line.
    /// </summary>
    public static object? Load(string path, TorchLoadOptions? options = null)
    {
        var name = Path.GetFileName(path);
        var format = DetectFormat(path);
        return Guard(name, () =>
        {
            if (format == TorchFileFormat.Zip)
            {
                using var f = File.OpenRead(path);
                return LoadZip(f, name, options ?? new(), depth: 0);
            }
            return LoadBytes(File.ReadAllBytes(path), format, name, options ?? new(), depth: 0);
        });
    }

    /// <summary>As <see cref="Load(string, TorchLoadOptions?)"/> for a file already in memory.</summary>
    public static object? Load(byte[] data, string source = "checkpoint", TorchLoadOptions? options = null)
    {
        var format = DetectFormat(data, source);
        return Guard(source, () => format == TorchFileFormat.Zip
            ? LoadZip(new MemoryStream(data, writable: false), source, options ?? new(), depth: 0)
            : LoadBytes(data, format, source, options ?? new(), depth: 0));
    }

    /// <summary>
    /// The one place where a failure that no check anticipated becomes a single line: the checks inside name what is
    /// wrong; this only keeps a damaged file from surfacing as a stack trace.
    /// </summary>
    private static object? Guard(string source, Func<object?> load)
    {
        try { return load(); }
        catch (TorchFileException e) when (OneLine(e.Message) != e.Message) { throw new TorchFileException(OneLine(e.Message)); }
        catch (TorchFileException) { throw; }
        catch (InvalidDataException e) { throw new TorchFileException($"{source}: damaged or truncated zip ({e.Message})"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TorchFileException($"{source}: cannot read the checkpoint ({e.Message})");
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidCastException
            or IndexOutOfRangeException or OverflowException or KeyNotFoundException or FormatException or NotSupportedException)
        {
            throw new TorchFileException(OneLine($"{source}: malformed checkpoint ({e.GetType().Name}: {e.Message})"));
        }
    }

    /// <summary>
    /// Messages quote names and keys taken from the file; a hostile file could put line breaks or megabytes in them.
    /// Control characters are escaped and the line is cut at 400 characters.
    /// </summary>
    internal static string OneLine(string message)
    {
        var sb = new StringBuilder(Math.Min(message.Length, 420));
        foreach (char c in message)
        {
            if (sb.Length >= 400) { sb.Append('…'); break; }
            if (char.IsControl(c)) sb.Append(c == '\n' ? "\\n" : $"\\x{(int)c:x2}");
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static object? LoadBytes(byte[] data, TorchFileFormat format, string source, TorchLoadOptions options, int depth) =>
        format switch
        {
            TorchFileFormat.Legacy => LoadLegacy(data, source, options, depth),
            TorchFileFormat.Pickle => LoadPickle(data, source, options, depth),
            _ => LoadZip(new MemoryStream(data, writable: false), source, options, depth),
        };

    /// <summary>An embedded torch.save blob (torch.storage._load_from_bytes); one level deep only.</summary>
    private static Func<byte[], object?>? EmbeddedLoader(string source, TorchLoadOptions options, int depth) =>
        depth > 0 ? null : blob =>
        {
            var inner = $"{source} (embedded storage)";
            var format = DetectFormat(blob, inner);
            if (format == TorchFileFormat.Pickle) throw new TorchFileException($"{inner}: not a torch.save blob");
            return LoadBytes(blob, format, inner, options, depth + 1);
        };

    // ---------------------------------------------------------------- plain pickle (NVlabs snapshots)

    private static object? LoadPickle(byte[] data, string source, TorchLoadOptions options, int depth)
    {
        var host = new TorchPickleHost(source, options, persistentLoad: null, EmbeddedLoader(source, options, depth));
        var result = new PickleReader(data, 0, data.Length, host, source).Load();
        return Materialise(result, source, depth);
    }

    // ---------------------------------------------------------------- legacy torch.save (PyTorch ≤ 1.5)

    private static object? LoadLegacy(byte[] data, string source, TorchLoadOptions options, int depth)
    {
        // Header pickles carry no globals and no persistent ids: a host with neither.
        var plain = new TorchPickleHost(source, options, persistentLoad: null, loadEmbedded: null);
        int pos = 0;
        object? Next(IPickleHost host)
        {
            var reader = new PickleReader(data, pos, data.Length, host, source);
            var value = reader.Load();
            pos = reader.Position;
            return value;
        }

        if (Next(plain) is not BigInteger magic || magic != LegacyMagic)
            throw new TorchFileException($"{source}: not a legacy PyTorch file (wrong magic number)");
        if (Next(plain) is not long version || version != LegacyProtocolVersion)
            throw new TorchFileException($"{source}: legacy PyTorch file of an unknown protocol version");
        if (Next(plain) is Dictionary<string, object?> sysInfo && sysInfo.TryGetValue("little_endian", out var le) && le is false)
            throw new TorchFileException($"{source}: saved on a big-endian machine; re-save it on a little-endian one");

        var storages = new Dictionary<string, TorchStorage>();
        object? PersistentLoad(object?[] pid)
        {
            var typeName = pid[0] is byte[] b ? Encoding.ASCII.GetString(b) : pid[0] as string;
            if (typeName == "module")
            {
                // torch.save(model) in the legacy format: ('module', class, source file, source). The class is only
                // a reference here (TorchLoadOptions.ModuleClasses); the source text is not looked at.
                return pid.Length > 1 && pid[1] is ModuleClassRef cls ? cls
                    : throw new TorchFileException($"{source}: malformed checkpoint: a module persistent id without a class");
            }
            if (typeName != "storage" || pid.Length < 5)
                throw new TorchFileException($"{source}: malformed checkpoint: persistent id '{typeName}' with {pid.Length} fields");
            var kind = StorageKindOf(pid[1], source);
            var rootKey = PickleReader.KeyString(pid[2]);
            if (!storages.TryGetValue(rootKey, out var root))
                storages[rootKey] = root = NewStorage(kind, rootKey, pid[4], source);
            if (pid.Length > 5 && pid[5] is object?[] { Length: 3 } view)
            {
                // view_metadata = (view key, element offset, element count) into the root storage.
                var viewKey = PickleReader.KeyString(view[0]);
                if (!storages.TryGetValue(viewKey, out var v))
                    storages[viewKey] = v = TorchStorage.ViewOf(root, viewKey,
                        NonNegative(view[1], "view offset", source), NonNegative(view[2], "view size", source));
                return v;
            }
            return root;
        }

        var host = new TorchPickleHost(source, options, PersistentLoad, EmbeddedLoader(source, options, depth));
        var result = Next(host);
        if (Next(plain) is not List<object?> keys)
            throw new TorchFileException($"{source}: malformed checkpoint: no storage key list after the pickle");

        // Raw storages in key order: an int64 element count, then the elements.
        foreach (var keyObj in keys)
        {
            var key = PickleReader.KeyString(keyObj);
            if (!storages.TryGetValue(key, out var storage))
                throw new TorchFileException($"{source}: malformed checkpoint: storage '{key}' is listed but never used");
            if (data.Length - pos < 8) throw new TorchFileException($"{source}: truncated: storage '{key}' is missing");
            long count = BitConverter.ToInt64(data, pos);
            pos += 8;
            if (count != storage.Numel)
                throw new TorchFileException($"{source}: malformed checkpoint: storage '{key}' holds {count} elements, its header says {storage.Numel}");
            if (storage.ByteLength > data.Length - pos)
                throw new TorchFileException(
                    $"{source}: truncated: storage '{key}' needs {storage.ByteLength} bytes, {data.Length - pos} are left");
            storage.SetBytes(data, pos);
            pos += (int)storage.ByteLength;
        }
        return Materialise(result, source, depth);
    }

    // ---------------------------------------------------------------- zip torch.save (PyTorch ≥ 1.6)

    private static object? LoadZip(Stream stream, string source, TorchLoadOptions options, int depth)
    {
        long fileLength = stream.Length;
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
        // The record lives under one folder whose name torch.save takes from the file name ("archive/" since 2.x).
        var pkl = zip.Entries
            .Where(e => e.FullName == "data.pkl" || (e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1))
            .OrderBy(e => e.FullName.Length)
            .FirstOrDefault()
            ?? throw new TorchFileException(
                $"{source}: a zip without data.pkl, so not a PyTorch checkpoint (it holds {string.Join(", ", zip.Entries.Take(3).Select(e => e.FullName))}{(zip.Entries.Count > 3 ? ", …" : "")})");
        var prefix = pkl.FullName[..^"data.pkl".Length];

        var byteOrder = zip.GetEntry(prefix + "byteorder");
        if (byteOrder is not null && Encoding.ASCII.GetString(ReadEntry(byteOrder, 16, fileLength, source)).Trim() == "big")
            throw new TorchFileException($"{source}: saved on a big-endian machine; re-save it on a little-endian one");

        var storages = new Dictionary<string, TorchStorage>();
        object? PersistentLoad(object?[] pid)
        {
            var typeName = pid[0] is byte[] b ? Encoding.ASCII.GetString(b) : pid[0] as string;
            if (typeName != "storage" || pid.Length < 5)
                throw new TorchFileException($"{source}: malformed checkpoint: persistent id '{typeName}' with {pid.Length} fields");
            var kind = StorageKindOf(pid[1], source);
            var key = PickleReader.KeyString(pid[2]);
            if (storages.TryGetValue(key, out var known)) return known;
            // Untyped storages count bytes; typed ones count elements.
            var storage = NewStorage(kind, key, pid[4], source);
            var entry = zip.GetEntry(prefix + "data/" + key)
                ?? throw new TorchFileException($"{source}: the zip has no entry data/{key} for a storage the pickle uses");
            if (storage.ByteLength > entry.Length)
                throw new TorchFileException(
                    $"{source}: storage '{key}' is shorter than its tensors need ({entry.Length} bytes, {storage.ByteLength} needed)");
            storage.SetBytes(ReadEntry(entry, storage.ByteLength, fileLength, source), 0);
            storages[key] = storage;
            return storage;
        }

        var pickleBytes = ReadEntry(pkl, pkl.Length, fileLength, source);
        var host = new TorchPickleHost(source, options, PersistentLoad, EmbeddedLoader(source, options, depth));
        var result = new PickleReader(pickleBytes, 0, pickleBytes.Length, host, source).Load();
        return Materialise(result, source, depth);
    }

    /// <summary>Reads the first <paramref name="count"/> bytes of an entry; a count beyond what the file could hold is refused before allocating.</summary>
    private static byte[] ReadEntry(ZipArchiveEntry entry, long count, long fileLength, string source)
    {
        count = Math.Min(count, entry.Length);
        // Deflate expands at most ~1032:1; torch.save stores entries uncompressed (length = compressed length).
        if (count > Array.MaxLength || count > Math.Max(entry.CompressedLength, 1) * 1032 || entry.CompressedLength > fileLength)
            throw new TorchFileException($"{source}: zip entry {entry.FullName} claims {entry.Length} bytes, more than the file can hold");
        var buffer = new byte[count];
        using var s = entry.Open();
        int got = s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (got < count) throw new TorchFileException($"{source}: truncated: zip entry {entry.FullName} ends after {got} of {count} bytes");
        return buffer;
    }

    private static StorageKind StorageKindOf(object? type, string source) =>
        type is AllowedGlobal { Tag: StorageKind kind } ? kind
        : throw new TorchFileException($"{source}: malformed checkpoint: a storage of type {PickleReader.Describe(type)}");

    private static TorchStorage NewStorage(StorageKind kind, string key, object? numel, string source)
    {
        long n = NonNegative(numel, "storage size", source);
        if (n > Array.MaxLength / kind.ElementSize)
            throw new TorchFileException($"{source}: storage '{key}' of {n} {kind.DType} elements is larger than this reader supports (2 GiB)");
        return new TorchStorage(kind, key, n);
    }

    private static long NonNegative(object? value, string what, string source) =>
        value is long n && n >= 0 ? n : throw new TorchFileException($"{source}: malformed checkpoint: {what} is {PickleReader.Describe(value)}");

    // ---------------------------------------------------------------- tensors

    /// <summary>
    /// Replaces every tensor record in the object graph with its <see cref="TorchTensor"/> once all storages are read
    /// (the legacy format stores them after the pickle). Iterative, so a deeply nested hostile pickle cannot overflow
    /// the stack; a record reached twice becomes one tensor.
    /// </summary>
    private static object? Materialise(object? root, string source, int depth)
    {
        var made = new Dictionary<TensorRecord, TorchTensor>(ReferenceEqualityComparer.Instance);
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>();
        object? Fix(object? o)
        {
            if (o is TensorRecord t)
            {
                if (!made.TryGetValue(t, out var tensor)) made[t] = tensor = t.ToTensor(source);
                return tensor;
            }
            // An embedded blob (depth > 0) is one storage; at the top a storage outside a tensor has no meaning here.
            if (o is TorchStorage s && depth == 0) throw new TorchFileException($"{source}: a bare storage '{s.Key}' outside any tensor is not supported");
            if (o is Dictionary<string, object?> or List<object?> or object?[] or PickleObject or HashSet<object?> && seen.Add(o))
                pending.Push(o);
            return o;
        }

        root = Fix(root);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case Dictionary<string, object?> d:
                    foreach (var k in d.Keys.ToList()) d[k] = Fix(d[k]);
                    break;
                case List<object?> l:
                    for (int i = 0; i < l.Count; i++) l[i] = Fix(l[i]);
                    break;
                case object?[] a:
                    for (int i = 0; i < a.Length; i++) a[i] = Fix(a[i]);
                    break;
                case PickleObject p:
                    p.State = Fix(p.State);
                    if (p.Args is object?[] args) for (int i = 0; i < args.Length; i++) args[i] = Fix(args[i]);
                    break;
                case HashSet<object?> set:
                    foreach (var item in set) Fix(item);
                    break;
            }
        }
        return root;
    }
}
