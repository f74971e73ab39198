namespace GanService.Training.Training;

/// <summary>junyanz 'linear' policy: LR constant for nEpochs, then linearly to zero over nEpochsDecay.
/// factor(epoch) = 1 − max(0, epoch + 1 − nEpochs) / (nEpochsDecay + 1), epoch counted from 0.</summary>
public static class LinearDecay
{
    public static double Factor(int epoch, int nEpochs, int nEpochsDecay) =>
        1.0 - Math.Max(0, epoch + 1 - nEpochs) / (double)(nEpochsDecay + 1);

    public static void Apply(optim.Optimizer optimizer, double baseLr, int epoch, int nEpochs, int nEpochsDecay)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = baseLr * Factor(epoch, nEpochs, nEpochsDecay);
    }
}
