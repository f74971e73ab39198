namespace GanService.Contracts;

/// <summary>
/// Seed → latent, the one algorithm shared by the CLI and the API, so `gan generate --seeds 42` and
/// `GET /generate?seed=42` feed the generator identical numbers.
///
/// Algorithm (version 1, pinned by test vectors):
///   state₀ = seed (0 … 2³²−1) XOR (stream · 0x9E3779B97F4A7C15)      — stream 0: latent z, 1: noise maps, 2: mixing …
///   next() = SplitMix64: state += 0x9E3779B97F4A7C15; z = state;
///            z = (z ^ (z ≫ 30)) · 0xBF58476D1CE4E5B9; z = (z ^ (z ≫ 27)) · 0x94D049BB133111EB; return z ^ (z ≫ 31)
///   uniform() = ((next() ≫ 11) + 1) · 2⁻⁵³        ∈ (0, 1]
///   normal pair (Box–Muller, computed in double): r = √(−2 ln u₁), θ = 2π u₂ → (r cos θ, r sin θ), rounded to float32
/// Values are produced in pairs; an odd count drops the last sine.
/// Truncation (BigGAN's truncation trick, optional): with a threshold t, the same stream is read in the same order and
/// every value with |v| &gt; t is skipped (resampled), so each of the <c>size</c> values is N(0, 1) conditioned on
/// |v| ≤ t; the result is still a pure function of (seed, size, t). t must lie in [MinTruncation, MaxTruncation]: the
/// lower bound keeps the expected draws per value (1 / P(|v| ≤ t), ≈ 31 at 0.04) small.
/// </summary>
public static class SeedLatent
{
    public const int Version = 1;
    public const long MaxSeed = uint.MaxValue;

    public static class Streams
    {
        public const ulong Latent = 0;
        public const ulong Noise = 1;
    }

    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>The smallest and largest truncation threshold accepted (BigGAN's sweeps run 0.04 … 2).</summary>
    public const float MinTruncation = 0.04f;
    public const float MaxTruncation = 4f;

    /// <summary>Why <paramref name="threshold"/> cannot be used as a truncation threshold (null if it can).</summary>
    public static string? TruncationProblem(float threshold, string name = "trunc") =>
        float.IsFinite(threshold) && threshold >= MinTruncation && threshold <= MaxTruncation ? null
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name} must be a number in [{MinTruncation}, {MaxTruncation}], got {threshold}");

    /// <summary>Standard-normal latent of length <paramref name="size"/> for one seed (truncated at |v| ≤ t when given).</summary>
    public static float[] Normal(uint seed, int size, ulong stream = Streams.Latent, float? truncation = null)
    {
        var result = new float[size];
        Fill(seed, result, stream, truncation);
        return result;
    }

    public static void Fill(uint seed, Span<float> destination, ulong stream = Streams.Latent, float? truncation = null)
    {
        if (truncation is { } t && TruncationProblem(t) is { } problem) throw new ArgumentOutOfRangeException(nameof(truncation), problem);
        ulong state = seed ^ (stream * Golden);
        for (int i = 0; i < destination.Length;)
        {
            double u1 = Uniform(ref state), u2 = Uniform(ref state);
            double r = Math.Sqrt(-2.0 * Math.Log(u1)), theta = 2.0 * Math.PI * u2;
            float a = (float)(r * Math.Cos(theta)), b = (float)(r * Math.Sin(theta));
            if (truncation is not { } limit)
            {
                destination[i++] = a;
                if (i < destination.Length) destination[i++] = b;
                continue;
            }
            if (Math.Abs(a) <= limit) destination[i++] = a;
            if (i < destination.Length && Math.Abs(b) <= limit) destination[i++] = b;
        }
    }

    /// <summary>(count, size) row-major batch for seeds seed, …: each row equals Normal(seeds[i], size, stream, truncation).</summary>
    public static float[] Batch(IReadOnlyList<uint> seeds, int size, ulong stream = Streams.Latent, float? truncation = null)
    {
        var result = new float[seeds.Count * size];
        for (int i = 0; i < seeds.Count; i++) Fill(seeds[i], result.AsSpan(i * size, size), stream, truncation);
        return result;
    }

    private static double Uniform(ref ulong state) => ((Next(ref state) >> 11) + 1) * (1.0 / (1UL << 53));

    private static ulong Next(ref ulong state)
    {
        unchecked
        {
            state += Golden;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Parses "0-5,10,42" (inclusive ranges) into seeds; throws FormatException with a useful message.</summary>
    public static IReadOnlyList<uint> ParseSeeds(string spec, int maxCount = 1024)
    {
        var seeds = new List<uint>();
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', 1);
            if (dash > 0)
            {
                uint a = ParseOne(part[..dash]), b = ParseOne(part[(dash + 1)..]);
                if (b < a) throw new FormatException($"seed range '{part}' is descending");
                if (b - a >= (uint)maxCount) throw new FormatException($"seed range '{part}' has more than {maxCount} seeds");
                for (ulong s = a; s <= b; s++) seeds.Add((uint)s);
            }
            else seeds.Add(ParseOne(part));
            if (seeds.Count > maxCount) throw new FormatException($"more than {maxCount} seeds");
        }
        if (seeds.Count == 0) throw new FormatException("no seeds given");
        return seeds;
    }

    private static uint ParseOne(string s) =>
        uint.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v : throw new FormatException($"seed '{s}' is not an integer in 0…{uint.MaxValue}");
}
