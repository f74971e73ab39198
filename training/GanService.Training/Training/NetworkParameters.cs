namespace GanService.Training.Training;

/// <summary>Operations on every parameter of a network that the trainers and the CLI share.</summary>
public static class NetworkParameters
{
    /// <summary>Number of parameters (running statistics are buffers, so they are not counted).</summary>
    public static long Count(nn.Module module) => module.parameters().Sum(p => p.numel());

    /// <summary>Freezes (false) or unfreezes (true) networks: a G step needs gradients through D's activations only,
    /// so D's weight gradients, which D's next step would zero anyway, are not computed.</summary>
    public static void SetRequiresGrad(bool requiresGrad, params nn.Module[] modules)
    {
        foreach (var m in modules)
            foreach (var p in m.parameters()) p.requires_grad = requiresGrad;
    }
}
