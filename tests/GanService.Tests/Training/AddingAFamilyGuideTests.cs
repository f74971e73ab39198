using System.Text.RegularExpressions;
using GanService.Tests.Repository;
using GanService.Training.Families;
using GanService.Training.Training;

namespace GanService.Tests.Training;

/// <summary>
/// docs/adding-a-family.md against the code: the files it names exist, the family it walks through (StyleGAN) is
/// registered by one line and exposes training and export, and every registered family follows the pattern the guide
/// describes (one descriptor, one trainer deriving from <see cref="GanTrainer{TInput,TOptions}"/>). The toy family's
/// registration, training and resume through `gan train` is <see cref="TrainingLoopTests"/>.
/// </summary>
public sealed class AddingAFamilyGuideTests
{
    private static readonly string Guide = File.ReadAllText(Path.Combine(RepositoryLayoutTests.Root(), "docs", "adding-a-family.md"));
    private static readonly string Training = Path.Combine(RepositoryLayoutTests.Root(), "training", "GanService.Training");

    [Fact]
    public void Every_file_the_guide_names_exists()
    {
        var named = Regex.Matches(Guide, @"`((?:Families|Training|Data|Tricks|Losses|Layers|Export)/[\w/{},.]+\.cs)`").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.True(named.Count >= 10, $"the guide names {named.Count} files");
        foreach (var file in named) Assert.True(File.Exists(Path.Combine(Training, file)), $"{file} is named in the guide but does not exist");
    }

    [Fact]
    public void The_walked_family_is_one_folder_and_one_registration_line()
    {
        var folder = Path.Combine(Training, "Families", "StyleGan");
        var listed = Regex.Matches(Guide, @"`(StyleGan\w+\.cs)`").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(Directory.GetFiles(folder, "*.cs").Select(Path.GetFileName).Order(), listed.Order());
        var registry = File.ReadAllLines(Path.Combine(Training, "Families", "GanFamilies.cs"));
        Assert.Single(registry, l => l.Contains("StyleGan.StyleGanFamily()", StringComparison.Ordinal));
        Assert.Contains("new StyleGan.StyleGanFamily(),", Guide);
        var family = GanFamilies.Get("stylegan");
        Assert.NotNull(family.Training);
        Assert.NotNull(family.Export);
        Assert.Same(family.Export, GanService.Training.Export.FamilyRegistry.Get("stylegan"));
    }

    [Fact]
    public void Every_trainable_family_has_a_descriptor_and_a_trainer_on_the_base()
    {
        var assembly = typeof(GanFamilies).Assembly;
        var trainers = assembly.GetTypes().Where(t => !t.IsAbstract && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ITrainer<>))).ToList();
        Assert.NotEmpty(trainers);
        foreach (var t in trainers)
        {
            var b = t.BaseType;
            while (b is not null && !(b.IsGenericType && b.GetGenericTypeDefinition() == typeof(GanTrainer<,>))) b = b.BaseType;
            Assert.True(b is not null, $"{t.Name} implements ITrainer without deriving from GanTrainer");
        }
        foreach (var f in GanFamilies.All.Where(f => f.Training is not null))
        {
            Assert.IsAssignableFrom<RunOptions>(f.Training!.Defaults());
            Assert.Equal(f.Name, f.Export?.Name ?? f.Name);
        }
        Assert.Equal(GanFamilies.All.Count, GanFamilies.All.Select(f => f.Name.ToLowerInvariant()).Distinct().Count());
    }
}
