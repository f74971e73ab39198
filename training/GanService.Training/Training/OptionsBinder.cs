using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GanService.Training.Checkpoints;

namespace GanService.Training.Training;

/// <summary>
/// A former name of an option: still accepted by <c>--set</c> (with a note naming the current key) and read from
/// options files written before the rename, so old checkpoints resume and export.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OptionAliasAttribute(params string[] names) : Attribute
{
    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>
/// The one way options are set by name, for every `gan train` and `gan export` family: `name=value` pairs onto an
/// options record. Keys are the record's camelCase JSON names (what --dry-run and options.json show); a key matches
/// ignoring case, '_' and '-', so the earlier snake_case spellings (z_dim) still work. Options of a nested record
/// (StyleGAN2's <c>arch</c>) are set by their own name or as <c>arch.zDim</c>. An unknown key fails with the list of
/// known ones; a value that does not parse fails naming the key and the type it expects.
/// </summary>
public static class OptionsBinder
{
    /// <summary>One settable option: its JSON path (e.g. ["arch", "zDim"]), its property and its former names.</summary>
    public sealed record OptionKey(string[] Path, PropertyInfo Property, IReadOnlyList<string> Aliases)
    {
        public string Name => Path[^1];
        public string FullName => string.Join('.', Path);
    }

    /// <summary>Applies the overrides in order. Notes (a former name used) go to <paramref name="notes"/> (default stderr).</summary>
    public static T Apply<T>(T options, IEnumerable<KeyValuePair<string, string>> overrides, TextWriter? notes = null) where T : class
    {
        var type = options.GetType();
        var keys = Keys(type);
        var node = JsonSerializer.SerializeToNode(options, type, Checkpoint.Json)!.AsObject();
        foreach (var (given, value) in overrides)
        {
            var key = Find(keys, given, notes ?? Console.Error);
            JsonObject parent = node;
            foreach (var part in key.Path[..^1]) parent = parent[part] as JsonObject ?? throw new ArgumentException($"option '{key.FullName}' has no parent object");
            parent[key.Name] = JsonSerializer.SerializeToNode(Convert(key, value), key.Property.PropertyType, Checkpoint.Json);
        }
        return (T)node.Deserialize(type, Checkpoint.Json)!;
    }

    /// <summary>Every settable key of an options record, nested records' keys included (computed properties are not options).</summary>
    public static IReadOnlyList<OptionKey> Keys(Type type) => KeysUnder(type, []).ToList();

    /// <summary>The key <paramref name="given"/> names, or an ArgumentException listing the known keys.</summary>
    public static OptionKey Find(IReadOnlyList<OptionKey> keys, string given, TextWriter notes)
    {
        string n = Normalise(given);
        var hit = keys.FirstOrDefault(k => Normalise(k.Name) == n || Normalise(k.FullName) == n);
        if (hit is not null)
        {
            if (given.Contains('_') || given.Contains('-')) notes.WriteLine($"note: option '{given}' is spelled '{hit.Name}' now");
            return hit;
        }
        hit = keys.FirstOrDefault(k => k.Aliases.Any(a => Normalise(a) == n));
        if (hit is not null)
        {
            notes.WriteLine($"note: option '{given}' is deprecated; it is '{hit.Name}' now");
            return hit;
        }
        throw new ArgumentException($"unknown option '{given}'; known: {string.Join(", ", keys.Select(k => k.Name))}");
    }

    /// <summary>Whether <paramref name="given"/> names <paramref name="key"/>: its name or full name in any of the
    /// accepted spellings, or a former name.</summary>
    public static bool Names(OptionKey key, string given)
    {
        string n = Normalise(given);
        return Normalise(key.Name) == n || Normalise(key.FullName) == n || key.Aliases.Any(a => Normalise(a) == n);
    }

    /// <summary>`name=value` strings (from --set) as pairs; a string without '=' is an error.</summary>
    public static List<KeyValuePair<string, string>> ParsePairs(IEnumerable<string> sets) =>
        sets.Select(s =>
        {
            var kv = s.Split('=', 2);
            if (kv.Length != 2 || kv[0].Length == 0) throw new ArgumentException($"--set '{s}' must be name=value");
            return new KeyValuePair<string, string>(kv[0], kv[1]);
        }).ToList();

    /// <summary>Renames former option names (<see cref="OptionAliasAttribute"/>) in an options document to the current
    /// ones, recursively, so options files written before a rename still deserialise to what was trained.</summary>
    public static void UpgradeFormerNames(JsonObject node, Type type)
    {
        foreach (var key in KeysUnder(type, []))
        {
            JsonObject? parent = node;
            foreach (var part in key.Path[..^1]) parent = parent?[part] as JsonObject;
            if (parent is null || parent.ContainsKey(key.Name)) continue;
            var former = key.Aliases.FirstOrDefault(parent.ContainsKey);
            if (former is null) continue;
            var value = parent[former];
            parent.Remove(former);
            parent[key.Name] = value;
        }
    }

    public static string ToJson(object options) => JsonSerializer.Serialize(options, options.GetType(), Checkpoint.Json);

    /// <summary>The value of <paramref name="key"/> in the default-constructed record, for help texts ("" when null).</summary>
    public static string DefaultText(object defaults, string key)
    {
        JsonNode? node = JsonSerializer.SerializeToNode(defaults, defaults.GetType(), Checkpoint.Json);
        var k = Find(Keys(defaults.GetType()), key, TextWriter.Null);
        foreach (var part in k.Path) node = node?[part];
        return node switch
        {
            null => "",
            JsonArray a => string.Join(",", a.Select(v => v?.ToString())),
            _ => node.ToString(),
        };
    }

    private static IEnumerable<OptionKey> KeysUnder(Type type, string[] prefix)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.SetMethod is null || p.GetCustomAttribute<JsonIgnoreAttribute>() is not null) continue;
            string name = p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name);
            string[] path = [.. prefix, name];
            if (IsNestedRecord(p.PropertyType))
            {
                foreach (var k in KeysUnder(p.PropertyType, path)) yield return k;
                continue;
            }
            yield return new OptionKey(path, p, p.GetCustomAttribute<OptionAliasAttribute>()?.Names ?? []);
        }
    }

    private static bool IsNestedRecord(Type t) => t.IsClass && t != typeof(string) && !t.IsArray;

    private static string Normalise(string key) => key.Replace("_", "").Replace("-", "").ToLowerInvariant();

    /// <summary>The text of a --set value as the option's type; failures name the key and the type it expects.</summary>
    private static object? Convert(OptionKey key, string value)
    {
        var type = Nullable.GetUnderlyingType(key.Property.PropertyType) ?? key.Property.PropertyType;
        bool nullable = type != key.Property.PropertyType || !type.IsValueType;
        if (nullable && type != typeof(string) && value is "" or "null") return null;
        try
        {
            if (type.IsArray)
            {
                var element = type.GetElementType()!;
                var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var array = Array.CreateInstance(element, parts.Length);
                for (int i = 0; i < parts.Length; i++) array.SetValue(Scalar(element, parts[i]), i);
                return array;
            }
            return Scalar(type, value);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ArgumentException($"option '{key.Name}' expects {TypeName(key.Property.PropertyType)}, got '{value}'");
        }
    }

    // Each branch boxes its own type (a ?: chain would widen every integer to double).
    private static object Scalar(Type type, string value)
    {
        if (type == typeof(string)) return value;
        if (type == typeof(bool)) return bool.Parse(value);
        if (type == typeof(int)) return int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);
        if (type == typeof(long)) return long.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);
        if (type == typeof(double)) return double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (type == typeof(float)) return float.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        throw new ArgumentException($"options of type {type.Name} cannot be set by name");
    }

    private static string TypeName(Type t)
    {
        var inner = Nullable.GetUnderlyingType(t);
        if (inner is not null) return TypeName(inner) + " (or null)";
        if (t.IsArray) return "a comma-separated list of " + TypeName(t.GetElementType()!).Replace("an ", "").Replace("a ", "") + "s";
        return t == typeof(bool) ? "true or false"
            : t == typeof(int) || t == typeof(long) ? "an integer"
            : t == typeof(double) || t == typeof(float) ? "a number"
            : "a string";
    }
}
