namespace GanService.Training.Training;

/// <summary>
/// Networks in eval mode with gradients off for as long as the scope lives (sample grids, figures, export checks), then
/// each back in the mode it was in. The one way a trainer or a sampling helper switches modes around a draw.
/// </summary>
public sealed class EvalScope : IDisposable
{
    private readonly (nn.Module Module, bool Training)[] _was;
    private readonly IDisposable _noGrad;

    private EvalScope(nn.Module[] modules)
    {
        _was = modules.Select(m => (m, m.training)).ToArray();
        foreach (var m in modules) m.eval();
        _noGrad = torch.no_grad();
    }

    public static EvalScope Of(params nn.Module[] modules) => new(modules);

    public void Dispose()
    {
        _noGrad.Dispose();
        foreach (var (m, training) in _was) m.train(training);
    }
}
