namespace GanService.Training.Training;

/// <summary>Training stopped because its numbers went wrong: a non-finite loss, gradient or weight, or convolutions the
/// platform check found wrong with no remedy. The message is one line, for a person.</summary>
public sealed class TrainingNumericsException(string message) : Exception(message);

/// <summary>
/// The NaN guard. After every step the loop asks <see cref="AfterStep{TInput}"/> whether any loss is infinite or any
/// gradient or weight of the trainer's networks is NaN or infinite (one float64 sum per tensor: NaN and ±∞ survive a
/// sum, finite values cannot overflow it), and stops the run before anything is written from those weights.
/// Checkpoints refuse non-finite weights (<see cref="RequireFinite"/>), and so does the ONNX exporter, so
/// <c>gan export</c> and <c>gan import</c> cannot write such a model either. A NaN loss alone is not an error: the
/// trainers log NaN for a loss a step did not compute (a lazy regulariser's off steps); a NaN computed from the weights
/// shows in their gradients.
/// </summary>
public static class FiniteGuard
{
    /// <summary>Throws <see cref="TrainingNumericsException"/> when step <paramref name="step"/> left a non-finite loss,
    /// gradient or weight. <paramref name="lastCheckpoint"/>: the last checkpoint written (from finite weights), if any.</summary>
    public static void AfterStep<TInput>(ITrainer<TInput> trainer, IReadOnlyDictionary<string, double> losses, long step, string? lastCheckpoint)
    {
        var infinite = losses.Where(l => double.IsInfinity(l.Value)).Select(l => $"{l.Key} = {l.Value}").ToList();
        // One pass over gradients and weights together: a single host sync per step.
        var bad = NonFinite(Tensors(trainer.Networks, gradients: true).Concat(Tensors(trainer.Networks, gradients: false)).ToList());
        string? gradient = bad.FirstOrDefault(b => b.Gradient).Name, weight = bad.FirstOrDefault(b => !b.Gradient).Name;
        if (infinite.Count == 0 && bad.Count == 0) return;
        var nanLosses = losses.Where(l => double.IsNaN(l.Value)).Select(l => $"{l.Key} = NaN");
        var what = infinite.Concat(nanLosses).ToList();
        if (gradient is not null) what.Add($"gradient of {gradient} is not finite");
        if (weight is not null) what.Add($"weight {weight} is not finite");
        throw new TrainingNumericsException(
            $"step {step}: {string.Join(", ", what)} — training stopped; nothing was written from these weights. " +
            (lastCheckpoint is null ? "No checkpoint had been written yet." : $"Last good checkpoint: {lastCheckpoint} (resume with --resume).") +
            " Check `gan doctor`, then lower the learning rate or check the data.");
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first non-finite weight of <paramref name="networks"/>.</summary>
    public static void RequireFinite(IReadOnlyDictionary<string, nn.Module> networks, string what)
    {
        if (FirstNonFinite(networks, gradients: false) is { } bad)
            throw new InvalidDataException($"{what}: weight {bad} is NaN or infinite; refusing to write non-finite weights");
    }

    /// <summary>"network.parameter" of the first parameter (or its gradient) that holds NaN or ±∞, else null. Buffers
    /// (batch-norm statistics) count as weights.</summary>
    public static string? FirstNonFinite(IReadOnlyDictionary<string, nn.Module> networks, bool gradients) =>
        NonFinite(Tensors(networks, gradients).ToList()).FirstOrDefault().Name;

    /// <summary>Parameters (or their gradients) and, for weights, floating-point buffers, by "network.name".</summary>
    private static IEnumerable<(string Name, bool Gradient, Tensor Value)> Tensors(IReadOnlyDictionary<string, nn.Module> networks, bool gradients)
    {
        foreach (var (net, module) in networks)
        {
            foreach (var (name, p) in module.named_parameters())
                if ((gradients ? p.grad : p) is { } t) yield return ($"{net}.{name}", gradients, t);
            if (!gradients)
                foreach (var (name, b) in module.named_buffers())
                    if (b.is_floating_point()) yield return ($"{net}.{name}", false, b);
        }
    }

    /// <summary>The tensors that hold NaN or ±∞, in order: one float64 sum each, stacked, one sync.</summary>
    private static List<(string Name, bool Gradient)> NonFinite(List<(string Name, bool Gradient, Tensor Value)> tensors)
    {
        if (tensors.Count == 0) return [];
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var finite = torch.stack(tensors.Select(t => t.Value.sum(ScalarType.Float64).cpu()).ToArray()).isfinite().data<bool>().ToArray();
        return tensors.Where((_, i) => !finite[i]).Select(t => (t.Name, t.Gradient)).ToList();
    }
}
