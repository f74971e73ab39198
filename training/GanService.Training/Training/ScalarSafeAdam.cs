using TorchSharp.Modules;

namespace GanService.Training.Training;

/// <summary>
/// TorchSharp's Adam with one change: the step's constants (β, 1 − β, ε, the bias corrections, the step size) are
/// Scalars created and disposed by the step itself rather than temporaries converted from doubles inside each call.
/// TorchSharp 0.107's temporaries are freed only by their finalizer and can be collected while the native call that
/// received them still runs (seen as "Expected false to be true … Scalar::toFloat" in addcmul_; see
/// <see cref="Layers.Scalars"/>). The update is TorchSharp's own (Kingma &amp; Ba with PyTorch's bias correction); the
/// state and options are inherited unchanged. TorchSharp's state files carry the optimizer's type name, so
/// <see cref="SaveAsAdam"/> / <see cref="LoadAdam"/> write and read them under "Adam": checkpoints of runs trained with
/// TorchSharp's Adam resume here, and ours resume under TorchSharp's Adam.
/// </summary>
public sealed class ScalarSafeAdam : Adam
{
    public ScalarSafeAdam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
        : base(parameters, lr, beta1, beta2, eps)
    {
    }

    /// <summary>Writes the optimizer state in TorchSharp's Adam format (type name "Adam").</summary>
    /// <remarks>The helper Adam holds copies of this optimizer's state (TorchSharp 0.107's
    /// <c>Adam.State.LoadStateDict</c> copies) and is disposed here, never left to its finalizer. Left to it, it crashed
    /// a run's checkpoint with "Tensor invalid -- empty handle" in <c>Adam.State.SaveStateDict</c>: once
    /// <c>save_state_dict</c> has read the state list, nothing uses the helper itself, so a collection during the write
    /// may finalize it, and TorchSharp's <c>~Optimizer</c> → <c>Adam.Dispose(false)</c> disposes every state tensor
    /// (whatever <c>disposing</c> is) while the write is still saving them. <c>using</c> keeps it alive to the end of
    /// the write and frees its copies at once.</remarks>
    public void SaveAsAdam(string path)
    {
        using var plain = Plain();
        plain.load_state_dict(state_dict());
        plain.save_state_dict(path);
    }

    /// <summary>Reads a state saved by TorchSharp's Adam or by <see cref="SaveAsAdam"/>.</summary>
    /// <remarks>This optimizer copies the helper's loaded state, so the helper is disposed (see <see cref="SaveAsAdam"/>).</remarks>
    public void LoadAdam(string path)
    {
        using var plain = Plain();
        plain.load_state_dict(path);
        load_state_dict(plain.state_dict());
    }

    private Adam Plain()
    {
        var groups = ParamGroups.Cast<TorchSharp.Modules.ParamGroup>().ToList();
        if (groups.Count != 1) throw new NotSupportedException("ScalarSafeAdam: Adam-format state files need exactly one parameter group");
        var o = (Options)groups[0].Options;
        return new Adam(groups[0].Parameters, o.LearningRate!.Value, o.beta1!.Value, o.beta2!.Value, o.eps!.Value, o.weight_decay!.Value, o.amsgrad!.Value, o.maximize!.Value);
    }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = (Options)group.Options;
        double beta1 = o.beta1!.Value, beta2 = o.beta2!.Value, eps = o.eps!.Value, lr = o.LearningRate!.Value, weightDecay = o.weight_decay!.Value;
        if (o.amsgrad!.Value) throw new NotSupportedException("ScalarSafeAdam: amsgrad is not implemented");
        using var sBeta1 = beta1.ToScalar();
        using var sOneMinusBeta1 = (1 - beta1).ToScalar();
        using var sBeta2 = beta2.ToScalar();
        using var sOneMinusBeta2 = (1 - beta2).ToScalar();
        using var sEps = eps.ToScalar();
        using var sWeightDecay = weightDecay.ToScalar();
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            if (o.maximize!.Value) grad = -grad;
            var state = (State)_state[param.Handle];
            state.step += 1;
            double biasCorrection1 = 1 - Math.Pow(beta1, state.step);
            double biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            if (weightDecay != 0) grad = grad.add(param, alpha: sWeightDecay);
            state.exp_avg.mul_(sBeta1).add_(grad, alpha: sOneMinusBeta1);
            state.exp_avg_sq.mul_(sBeta2).addcmul_(grad, grad.conj(), value: sOneMinusBeta2);
            using var sSqrtBc2 = Math.Sqrt(biasCorrection2).ToScalar();
            using var sStep = (-lr / biasCorrection1).ToScalar();
            using var denom = (state.exp_avg_sq.sqrt() / sSqrtBc2).add_(sEps);
            param.addcdiv_(state.exp_avg, denom, value: sStep);
        }
    }, closure);
}
