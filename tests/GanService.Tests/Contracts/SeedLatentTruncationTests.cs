using GanService.Contracts;

namespace GanService.Tests.Contracts;

public class SeedLatentTruncationTests
{
    [Fact]
    public void Truncated_latent_is_the_untruncated_stream_with_values_beyond_the_threshold_skipped()
    {
        var stream = SeedLatent.Normal(42, 400);
        foreach (var t in new[] { 0.5f, 1f, 2f })
        {
            var expected = stream.Where(v => Math.Abs(v) <= t).Take(7).ToArray();
            Assert.Equal(expected, SeedLatent.Normal(42, 7, truncation: t));
        }
    }

    [Fact]
    public void Truncation_pins_values_computed_independently_for_seed_0()
    {
        // SplitMix64 + Box–Muller for seed 0 written out separately (Python, double → float32), keeping |v| ≤ 0.5:
        // the stream is −0.4528, 0.2078, 2.6506 (skipped), −0.4904, −0.9886 (skipped), 1.8721 (skipped), 0.2525, …
        float[] expected = [-0.45275774598121643f, 0.20776604115962982f, -0.4904228150844574f, 0.2524627149105072f, -0.4973915219306946f, 0.09423340111970901f];
        Assert.Equal(expected, SeedLatent.Normal(0, 6, truncation: 0.5f));
        Assert.All(SeedLatent.Normal(0, 1000, truncation: 0.5f), v => Assert.InRange(Math.Abs(v), 0, 0.5f));
    }

    [Fact]
    public void A_threshold_beyond_every_value_changes_nothing_and_batches_match_rows()
    {
        var plain = SeedLatent.Normal(7, 9);
        Assert.All(plain, v => Assert.True(Math.Abs(v) <= 4));
        Assert.Equal(plain, SeedLatent.Normal(7, 9, truncation: 4f));
        var batch = SeedLatent.Batch([3, 4], 5, truncation: 1f);
        Assert.Equal(SeedLatent.Normal(3, 5, truncation: 1f), batch[..5]);
        Assert.Equal(SeedLatent.Normal(4, 5, truncation: 1f), batch[5..]);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.01f)]
    [InlineData(-1f)]
    [InlineData(4.5f)]
    [InlineData(float.NaN)]
    public void Thresholds_outside_the_range_are_refused(float t)
    {
        Assert.NotNull(SeedLatent.TruncationProblem(t));
        Assert.Throws<ArgumentOutOfRangeException>(() => SeedLatent.Normal(1, 4, truncation: t));
    }
}
