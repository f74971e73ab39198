using GanService.Training.Metrics;

namespace GanService.Tests.Metrics;

public class CodeClassAgreementTests
{
    [Fact]
    public void Best_assignment_finds_the_one_to_one_map_a_greedy_choice_misses()
    {
        // Greedy (code 0 → class 0 for its 6) would force code 1 onto class 1 (1): 7 of 18. Best: 0 → 1, 1 → 0: 5 + 7 = 12.
        long[,] counts = { { 6, 5 }, { 7, 0 } };
        var (accuracy, assignment) = CodeClassAgreement.BestAssignmentAccuracy(counts);
        Assert.Equal(12.0 / 18, accuracy, 10);
        Assert.Equal([1, 0], assignment);
        // purity lets both codes take class 0: (6 + 7) / 18
        Assert.Equal(13.0 / 18, CodeClassAgreement.Purity(counts), 10);
    }

    [Fact]
    public void A_permuted_diagonal_scores_one_and_a_uniform_matrix_scores_chance()
    {
        var perm = new long[10, 10];
        for (int k = 0; k < 10; k++) perm[k, (k * 3 + 1) % 10] = 50;
        var (accuracy, assignment) = CodeClassAgreement.BestAssignmentAccuracy(perm);
        Assert.Equal(1.0, accuracy, 10);
        Assert.Equal(Enumerable.Range(0, 10).Select(k => (k * 3 + 1) % 10), assignment);
        var uniform = new long[10, 10];
        for (int k = 0; k < 10; k++) for (int c = 0; c < 10; c++) uniform[k, c] = 7;
        Assert.Equal(0.1, CodeClassAgreement.BestAssignmentAccuracy(uniform).Accuracy, 10);
    }
}
