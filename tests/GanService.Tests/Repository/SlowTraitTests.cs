using System.Reflection;

namespace GanService.Tests.Repository;

/// <summary>`dotnet test --filter "Category!=Slow"` (README) skips the learning tests, and only them.</summary>
public class SlowTraitTests
{
    private static IEnumerable<MethodInfo> Tests() => typeof(SlowTraitTests).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods()).Where(m => m.GetCustomAttributes<FactAttribute>().Any());

    private static bool IsSlow(MethodInfo m) =>
        m.GetCustomAttributes<TraitAttribute>().Any() && m.CustomAttributes.Any(a => a.AttributeType == typeof(TraitAttribute)
            && a.ConstructorArguments.Select(c => c.Value as string).SequenceEqual(["Category", "Slow"]));

    [Theory]
    [InlineData("Stargan_learns_to_recolour_to_the_target_domain")]
    [InlineData("Pix2pix_learns_the_white_background_and_the_outline_of_the_target")]
    [InlineData("Cyclegan_learns_red_to_blue")]
    [InlineData("Learns_the_mean_layout_of_a_two_tone_dataset")]
    [InlineData("Generator_moves_to_the_data_mean")]
    [InlineData("Class_input_selects_the_class_after_training_on_a_tiny_labelled_set")]
    [InlineData("Grows_through_a_fade_in_and_alpha_reaches_one_on_a_tiny_set")]
    [InlineData("Mutual_information_term_makes_the_categorical_code_recoverable_from_the_image")]
    [InlineData("Aae_learns_to_reconstruct_with_codes_shaped_like_the_prior")]
    [InlineData("Colour_words_set_the_colour_of_the_generated_image")]
    public void Learning_tests_carry_the_slow_trait(string name) => Assert.True(IsSlow(Tests().Single(m => m.Name == name)), name);

    /// <summary>The trait marks learning tests (about one per trained family, 15 families now), not whatever is slow to
    /// write fast: a bound that grows only when a family is added.</summary>
    [Fact]
    public void Only_a_few_tests_are_slow() => Assert.InRange(Tests().Count(IsSlow), 1, 16);

    [Fact]
    public void The_readme_documents_the_filter_and_keeps_the_full_test_command()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryLayoutTests.Root(), "README.md"));
        Assert.Contains("--filter \"Category!=Slow\"", readme);
        Assert.Contains("```sh\ndotnet test GanService.sln\n```", readme);
    }
}
