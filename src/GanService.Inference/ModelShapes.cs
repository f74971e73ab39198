using GanService.Contracts;

namespace GanService.Inference;

/// <summary>Checks at load time that the graphs have the roles and shapes the endpoints will feed, so a bad model
/// fails loudly in /models instead of on the first request.</summary>
public static class ModelShapes
{
    public static IEnumerable<string> Check(ModelManifest m, IReadOnlyDictionary<string, OnnxGraph> graphs)
    {
        var img = m.Image;
        var main = graphs[m.MainGraph.Role];
        if (main.Output(TensorRoles.Image) is not { } output) yield return $"graph '{main.Spec.Role}': no output with role 'image'";
        else if (!ImageShapeMatches(output, img)) yield return $"graph '{main.Spec.Role}': output '{output.Name}' shape [{string.Join(',', output.Shape)}] is not (B, {img.Channels}, {img.Height}, {img.Width})";

        if (m.Task == ModelTasks.Translate)
        {
            if (main.Input(TensorRoles.Image) is not { } input) yield return "translate model: no input with role 'image'";
            else if (!ImageShapeMatches(input, img)) yield return $"translate model: input '{input.Name}' shape is not (B, {img.Channels}, {img.Height}, {img.Width})";
            if (main.Input(TensorRoles.LabelVector) is { } lv && (lv.Shape.Length != 2 || lv.Shape[1] != m.Labels.Length))
                yield return $"translate model: label_vector '{lv.Name}' must be (B, {m.Labels.Length})";
        }
        else if (m.Style is { } style)
        {
            if (!graphs.TryGetValue("mapping", out var mapping) || !graphs.TryGetValue("synthesis", out var synthesis))
            { yield return "StyleGAN model: graphs 'mapping' and 'synthesis' are required"; yield break; }
            if (mapping.Input(TensorRoles.Latent) is not { } z || z.Shape.Length != 2 || z.Shape[1] != m.Latent!.Size)
                yield return $"mapping: needs a latent input (B, {m.Latent!.Size})";
            if (mapping.Output(TensorRoles.W) is not { } w || w.Shape.Length != 2 || w.Shape[1] != style.WDim)
                yield return $"mapping: needs an output with role 'w' (B, {style.WDim})";
            if (synthesis.Input(TensorRoles.Ws) is not { } ws || ws.Shape.Length != 3 || ws.Shape[1] != style.NumWs || ws.Shape[2] != style.WDim)
                yield return $"synthesis: needs an input with role 'ws' (B, {style.NumWs}, {style.WDim})";
            foreach (var e in OnlyRoles(mapping, TensorRoles.Latent, TensorRoles.Psi, TensorRoles.Label)) yield return e;
            foreach (var e in OnlyRoles(synthesis, TensorRoles.Ws, TensorRoles.Noise)) yield return e;
        }
        else
        {
            if (main.Input(TensorRoles.Latent) is not { } z || z.Shape.Length != 2 || z.Shape[1] != m.Latent!.Size)
                yield return $"generate model: needs a latent input (B, {m.Latent!.Size})";
            foreach (var e in OnlyRoles(main, TensorRoles.Latent, TensorRoles.Label, TensorRoles.Psi, TensorRoles.Tokens, TensorRoles.TokenLengths,
                         TensorRoles.Code, TensorRoles.CodeContinuous)) yield return e;
            if (main.Input(TensorRoles.Tokens) is { } tokens && (tokens.Shape.Length != 2 || tokens.Shape[1] != m.Text?.MaxTokens))
                yield return $"generate model: tokens '{tokens.Name}' must be (B, {m.Text?.MaxTokens}) as text.maxTokens says";
        }
        if (m.Task == ModelTasks.Translate)
            foreach (var e in OnlyRoles(main, TensorRoles.Image, TensorRoles.LabelVector)) yield return e;
        if (graphs.TryGetValue(GraphRoles.Encoder, out var encoder))
        {
            if (m.Task != ModelTasks.Generate || m.Latent is null) yield return "an encoder graph belongs to a generate model with a latent";
            else
            {
                if (encoder.Input(TensorRoles.Image) is not { } x || !ImageShapeMatches(x, img))
                    yield return $"encoder: needs an image input (B, {img.Channels}, {img.Height}, {img.Width})";
                if (encoder.Output(TensorRoles.Latent) is not { } z || z.Shape.Length != 2 || z.Shape[1] != m.Latent.Size)
                    yield return $"encoder: needs an output with role 'latent' (B, {m.Latent.Size})";
                foreach (var e in OnlyRoles(encoder, TensorRoles.Image)) yield return e;
            }
        }
    }

    /// <summary>(B, C, H, W) with the manifest's H × W, or free H and W for a model that takes any size.</summary>
    private static bool ImageShapeMatches(TensorSpec t, ImageSpec img) =>
        t.Shape.Length == 4 && t.Shape[1] == img.Channels
        && (img.AnySize ? t.Shape[2] == -1 && t.Shape[3] == -1 : t.Shape[2] == img.Height && t.Shape[3] == img.Width);

    private static IEnumerable<string> OnlyRoles(OnnxGraph g, params string[] roles) =>
        g.Spec.Inputs.Where(t => !roles.Contains(t.Role) && !g.IsOptional(t.Name))
            .Select(t => $"graph '{g.Spec.Role}': input '{t.Name}' has role '{t.Role}', which this task cannot feed");
}
