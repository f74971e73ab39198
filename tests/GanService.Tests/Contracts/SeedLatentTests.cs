using GanService.Contracts;

namespace GanService.Tests.Contracts;

public class SeedLatentTests
{
    // Pinned output of algorithm version 1 (SplitMix64 + Box–Muller, see SeedLatent). These values were cross-checked
    // with an independent Python implementation of the documented algorithm. If this test fails, every shipped
    // `seed → image` mapping has changed: bump SeedLatent.Version instead of editing the numbers.
    public static IEnumerable<object[]> Vectors() =>
    [
        [0u, 0UL, new[] { -0.45275774598121643f, 0.20776604115962982f, 2.6506059169769287f, -0.4904228150844574f, -0.9886041283607483f }],
        [42u, 0UL, new[] { 0.41471976041793823f, 0.6526812314987183f, -0.8918862342834473f, 1.3268336057662964f }],
        [4294967295u, 0UL, new[] { -0.9154897332191467f, 0.8662360906600952f, 0.33838123083114624f }],
        [42u, 1UL, new[] { -0.34224414825439453f, 1.883919358253479f, 1.4190220832824707f }],
    ];

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Normal_matches_pinned_vectors(uint seed, ulong stream, float[] expected) =>
        Assert.Equal(expected, SeedLatent.Normal(seed, expected.Length, stream));

    [Fact]
    public void Prefix_is_stable_when_the_size_grows() =>
        Assert.Equal(SeedLatent.Normal(7, 10), SeedLatent.Normal(7, 512)[..10]);

    [Fact]
    public void Latents_look_standard_normal()
    {
        var z = SeedLatent.Normal(123, 100_000);
        double mean = z.Average(v => (double)v), var = z.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -0.02, 0.02);
        Assert.InRange(var, 0.97, 1.03);
        Assert.All(z, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Batch_rows_equal_single_seeds()
    {
        var batch = SeedLatent.Batch([3u, 9u], 6);
        Assert.Equal(SeedLatent.Normal(3, 6), batch[..6]);
        Assert.Equal(SeedLatent.Normal(9, 6), batch[6..]);
    }

    [Theory]
    [InlineData("0-5,10", new uint[] { 0, 1, 2, 3, 4, 5, 10 })]
    [InlineData("42", new uint[] { 42 })]
    [InlineData(" 1 , 3-4 ", new uint[] { 1, 3, 4 })]
    [InlineData("4294967295", new uint[] { 4294967295 })]
    public void ParseSeeds_accepts_lists_and_ranges(string spec, uint[] expected) =>
        Assert.Equal(expected, SeedLatent.ParseSeeds(spec));

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("4294967296")]
    [InlineData("5-2")]
    [InlineData("abc")]
    [InlineData("0-100000")]
    public void ParseSeeds_rejects_bad_specs(string spec) =>
        Assert.Throws<FormatException>(() => SeedLatent.ParseSeeds(spec));
}
