namespace GanService.Api.Endpoints;

/// <summary>
/// Well-known official pretrained models by the name people ask for, with where the reference projects publish them and
/// the `gan import` line that turns the file into a served model. Used only to make a 404 say how to get the model.
/// </summary>
public static class OfficialModels
{
    public sealed record Official(string Name, string Description, string Url, string ImportCommand)
    {
        public string Hint => $"'{Name}' is the official {Description}: download {Url}, then run: {ImportCommand}";
    }

    // The URL patterns of junyanz's scripts/download_cyclegan_model.sh and download_pix2pix_model.sh, yunjey's
    // download.sh, and NVlabs stylegan2-ada-pytorch's README.
    private const string CycleGanUrl = "http://efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models/";
    private const string Pix2PixUrl = "http://efrosgans.eecs.berkeley.edu/pix2pix/models-pytorch/";
    private const string NvlabsUrl = "https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/pretrained/";

    private static readonly Dictionary<string, Official> Table = Build();

    public static Official? Find(string name) => Table.GetValueOrDefault(name);

    private static Dictionary<string, Official> Build()
    {
        var all = new List<Official>();
        foreach (var n in new[] { "horse2zebra", "zebra2horse", "apple2orange", "orange2apple", "summer2winter_yosemite", "winter2summer_yosemite",
                     "monet2photo", "style_monet", "style_cezanne", "style_ukiyoe", "style_vangogh", "iphone2dslr_flower" })
            all.Add(new(n, $"CycleGAN {n} generator (junyanz)", $"{CycleGanUrl}{n}.pth",
                $"gan import cyclegan --checkpoint {n}.pth --name {n} --licence \"BSD (junyanz/pytorch-CycleGAN-and-pix2pix)\""));
        foreach (var n in new[] { "facades_label2photo", "edges2shoes", "sat2map", "map2sat", "day2night" })
            all.Add(new(n, $"pix2pix {n} generator (junyanz)", $"{Pix2PixUrl}{n}.pth",
                $"gan import pix2pix --checkpoint {n}.pth --name {n} --licence \"BSD (junyanz/pytorch-CycleGAN-and-pix2pix)\""));
        foreach (var (n, file) in new[] { ("ffhq", "ffhq"), ("afhqcat", "afhqcat"), ("afhqdog", "afhqdog"), ("afhqwild", "afhqwild"), ("metfaces", "metfaces") })
            all.Add(new($"stylegan2-{n}", $"StyleGAN2-ADA {n} generator (NVlabs; NVIDIA Source Code License-NC: non-commercial use only)",
                $"{NvlabsUrl}{file}.pkl",
                $"gan import stylegan2 --checkpoint {file}.pkl --name stylegan2-{n} --licence \"NVIDIA Source Code License-NC (non-commercial)\""));
        all.Add(new("stargan-celeba", "StarGAN CelebA 128² generator (yunjey; hair colour, male, young)",
            "https://www.dropbox.com/s/7e966qq0nlxwte4/celeba-128x128-5attrs.zip (yunjey's `bash download.sh pretrained-celeba-128x128`; unzip it)",
            "gan import stargan --checkpoint 200000-G.ckpt --name stargan-celeba --licence \"MIT (yunjey/stargan)\""));
        return all.ToDictionary(o => o.Name, StringComparer.Ordinal);
    }
}
