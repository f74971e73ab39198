using System.CommandLine;
using GanService.Inference;

namespace GanService.Cli.Commands;

/// <summary>`gan interpolate`: the strip GET /interpolate returns — linear in z for plain generators, in W for StyleGAN —
/// from the same pipeline, with the same step limits.</summary>
public static class InterpolateCommand
{
    public static Command Create()
    {
        var limits = InferenceLimits.Default;
        var model = ModelArguments.Model(); var models = ModelArguments.Models(); var trunc = ModelArguments.Trunc();
        var noise = ModelArguments.Noise(); var label = ModelArguments.Label();
        var from = new Option<uint>("--from") { Required = true };
        var to = new Option<uint>("--to") { Required = true };
        var steps = new Option<int>("--steps") { Description = $"images, both ends included ({limits.MinInterpolationSteps}…{limits.MaxInterpolationSteps})", DefaultValueFactory = _ => 8 };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "interpolate.png" };
        var cmd = new Command("interpolate", "images along the straight line between two seeds (in z, or in W for StyleGAN)")
        {
            model, models, from, to, steps, label, trunc, noise, output,
        };
        cmd.SetAction(parse => ModelArguments.Run(parse, stdout =>
        {
            int n = parse.GetValue(steps);
            // Checked before the model is opened: a bad count needs no model to be refused.
            if (limits.StepsProblem(n, "--steps") is { } problem) throw new ArgumentException(problem);
            using var m = ModelArguments.Open(parse, model, models);
            var settings = ModelArguments.WithTrunc(m, new GenerateSettings(null, ModelArguments.LabelIndex(m, parse.GetValue(label)), Noise: parse.GetValue(noise)), parse.GetValue(trunc));
            var images = GanPipelines.Interpolate(m, parse.GetValue(from), parse.GetValue(to), n, settings, CancellationToken.None);
            ModelArguments.Write(stdout, parse.GetValue(output)!, ImageGrid.Encode(images, n), $"{n} steps");
            return 0;
        }));
        return cmd;
    }
}
