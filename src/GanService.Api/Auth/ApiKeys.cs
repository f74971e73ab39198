using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace GanService.Api.Auth;

/// <summary>The configured keys, by hash. A presented key is hashed and compared with every configured hash in constant
/// time (no early exit, so the time taken says nothing about which key or how much of it matched).</summary>
public sealed class ApiKeys(IOptions<GanOptions> options)
{
    private readonly (ApiKeyOptions Key, byte[] Hash)[] _keys =
        options.Value.Auth.Keys.Select(k => (k, Convert.FromHexString(k.Sha256))).ToArray();

    /// <summary><c>GanService.Api --hash-key</c>: the key on standard input (not in the arguments, which shell history
    /// and process lists keep), its hash on standard output.</summary>
    public const string HashFlag = "--hash-key";

    public bool Enabled => _keys.Length > 0;

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The key whose hash matches <paramref name="presented"/>, or null.</summary>
    public ApiKeyOptions? Find(string presented)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKeyOptions? found = null;
        foreach (var (key, expected) in _keys)
            if (CryptographicOperations.FixedTimeEquals(hash, expected)) found = key;
        return found;
    }
}
