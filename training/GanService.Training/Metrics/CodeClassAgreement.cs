namespace GanService.Training.Metrics;

/// <summary>
/// How well an unsupervised categorical code (InfoGAN's c) matches true classes, from a confusion matrix
/// counts[code, class] (each generated sample's code against the class a classifier gives it):
/// <see cref="BestAssignmentAccuracy"/> maps codes to classes one-to-one to maximise agreement (the clustering
/// accuracy InfoGAN reports for MNIST); <see cref="Purity"/> lets each code take its most frequent class.
/// </summary>
public static class CodeClassAgreement
{
    /// <summary>Fraction of samples whose class is the one their code is assigned to, under the best one-to-one
    /// assignment, and that assignment (code → class). Exact, by dynamic programming over the subsets of classes
    /// (K · 2^C states; C ≤ 20).</summary>
    public static (double Accuracy, int[] Assignment) BestAssignmentAccuracy(long[,] counts)
    {
        int codes = counts.GetLength(0), classes = counts.GetLength(1);
        if (classes > 20) throw new ArgumentException("at most 20 classes");
        if (codes > classes) throw new ArgumentException($"{codes} codes cannot map one-to-one onto {classes} classes");
        int states = 1 << classes;
        // best[i, mask]: the most agreeing samples of codes 0…i−1 mapped onto the classes in mask.
        var best = new long[codes + 1, states];
        var choice = new int[codes + 1, states];
        for (int i = 0; i <= codes; i++) for (int m = 0; m < states; m++) best[i, m] = long.MinValue;
        best[0, 0] = 0;
        for (int i = 0; i < codes; i++)
            for (int m = 0; m < states; m++)
            {
                if (best[i, m] == long.MinValue) continue;
                for (int c = 0; c < classes; c++)
                {
                    if ((m & (1 << c)) != 0) continue;
                    long v = best[i, m] + counts[i, c];
                    if (v > best[i + 1, m | (1 << c)]) { best[i + 1, m | (1 << c)] = v; choice[i + 1, m | (1 << c)] = c; }
                }
            }
        int bestMask = 0;
        for (int m = 0; m < states; m++) if (best[codes, m] > best[codes, bestMask]) bestMask = m;
        var assignment = new int[codes];
        for (int i = codes, mask = bestMask; i > 0; i--) { assignment[i - 1] = choice[i, mask]; mask &= ~(1 << choice[i, mask]); }
        return ((double)best[codes, bestMask] / Total(counts), assignment);
    }

    /// <summary>Σ over codes of the count of the code's most frequent class, over all samples.</summary>
    public static double Purity(long[,] counts)
    {
        long sum = 0;
        for (int i = 0; i < counts.GetLength(0); i++)
        {
            long max = 0;
            for (int c = 0; c < counts.GetLength(1); c++) max = Math.Max(max, counts[i, c]);
            sum += max;
        }
        return (double)sum / Total(counts);
    }

    private static long Total(long[,] counts)
    {
        long t = 0;
        foreach (var v in counts) t += v;
        if (t == 0) throw new ArgumentException("an empty confusion matrix");
        return t;
    }
}
