namespace GanService.Contracts;

/// <summary>
/// Where a StyleGAN synthesis layer's per-pixel noise comes from (NVlabs noise_mode), the same three words in training,
/// export, the CLI and the API. Const: the trained noise buffers (exported as the synthesis graph's constants). Random:
/// fresh noise — torch.randn while training; at inference one seeded stream per image
/// (<see cref="SeedLatent.Streams.Noise"/>), so a served image is still a pure function of its query. None: zeros.
/// </summary>
public enum NoiseMode { Const, Random, None }
