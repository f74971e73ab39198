namespace GanService.Training.Metrics;

/// <summary>
/// Image–text retrieval in a joint embedding (AttnGAN's R-precision with R = 1): for each image, its own caption and
/// N − 1 captions of other items are ranked by cosine similarity to the image; the score is the share of images whose
/// own caption ranks first. Chance is 1/N. Candidates whose words equal the true caption's are not drawn as negatives.
/// </summary>
public static class TextImageRetrieval
{
    /// <param name="images">(M, D) image embeddings; row i belongs with caption <paramref name="truth"/>[i].</param>
    /// <param name="captions">(K, D) caption embeddings.</param>
    /// <param name="truth">For each image, the index of its caption in <paramref name="captions"/>.</param>
    /// <param name="captionKeys">Per caption, what makes two captions the same (the normalised words).</param>
    public static double Accuracy(Tensor images, Tensor captions, IReadOnlyList<int> truth, IReadOnlyList<string> captionKeys, int candidates, int seed = 0)
    {
        using var scope = torch.NewDisposeScope();
        if (candidates < 2) throw new ArgumentException("at least 2 candidates");
        var sim = nn.functional.normalize(images, dim: 1).matmul(nn.functional.normalize(captions, dim: 1).t()); // (M, K)
        var s = sim.to_type(ScalarType.Float64).data<double>().ToArray();
        long k = captions.shape[0];
        var rng = new Random(seed);
        int hits = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            int t = truth[i];
            var pool = Enumerable.Range(0, (int)k).Where(j => captionKeys[j] != captionKeys[t]).ToList();
            if (pool.Count < candidates - 1) throw new ArgumentException($"only {pool.Count} other captions for {candidates} candidates");
            double own = s[i * k + t];
            bool best = true;
            for (int c = 0; c < candidates - 1; c++)
            {
                int pick = rng.Next(pool.Count - c);
                int j = pool[pick];
                (pool[pick], pool[pool.Count - 1 - c]) = (pool[pool.Count - 1 - c], pool[pick]); // without replacement
                if (s[i * k + j] >= own) { best = false; }
            }
            if (best) hits++;
        }
        return (double)hits / truth.Count;
    }
}
