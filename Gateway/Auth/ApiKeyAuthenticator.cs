using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace PyAirtable.Gateway.Auth;

/// <summary>
/// Checks an <c>X-API-Key</c> value in constant time: the presented key is hashed with SHA-256 once and the digest
/// compared with every configured key's digest by <see cref="CryptographicOperations.FixedTimeEquals"/>, all of them
/// every time, so neither content, length nor which key matched leaks. Nothing is allocated per call.
/// </summary>
internal sealed class ApiKeyAuthenticator
{
    /// <summary>The longest key accepted (longer values are refused before hashing).</summary>
    public const int MaxKeyLength = 512;

    /// <summary>Characters a key may not contain (space, controls, non-ASCII are refused at start-up).</summary>
    public static readonly SearchValues<char> InvalidKeyChars = SearchValues.Create(
        Enumerable.Range(0, 0x21).Select(static i => (char)i).Append((char)0x7F).ToArray());

    private readonly byte[][] _digests;
    private readonly ClientIdentity[] _identities;

    public ApiKeyAuthenticator(IOptions<AuthOptions> options)
    {
        var digests = new List<byte[]>();
        var identities = new List<ClientIdentity>();
        var value = options.Value;
        if (!string.IsNullOrEmpty(value.ApiKey))
        {
            digests.Add(SHA256.HashData(Encoding.UTF8.GetBytes(value.ApiKey)));
            identities.Add(ClientIdentity.Default);
        }

        foreach (var key in value.Keys)
        {
            digests.Add(string.IsNullOrEmpty(key.Key) ? Convert.FromHexString(key.KeySha256!) : SHA256.HashData(Encoding.UTF8.GetBytes(key.Key)));
            identities.Add(new ClientIdentity(key.Name, key.Scopes));
        }

        _digests = [.. digests];
        _identities = [.. identities];
    }

    /// <summary>True when at least one key is configured.</summary>
    public bool HasKeys => _digests.Length > 0;

    /// <summary>The client the key belongs to, or null.</summary>
    public ClientIdentity? Authenticate(ReadOnlySpan<char> presented)
    {
        if (_digests.Length == 0 || presented.IsEmpty || presented.Length > MaxKeyLength)
        {
            return null;
        }

        Span<byte> utf8 = stackalloc byte[presented.Length * 3];
        var written = Encoding.UTF8.GetBytes(presented, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..written], digest);
        CryptographicOperations.ZeroMemory(utf8[..written]);

        var match = -1;
        for (var i = 0; i < _digests.Length; i++)
        {
            // Every digest is compared, whether or not an earlier one matched.
            var equal = CryptographicOperations.FixedTimeEquals(digest, _digests[i]);
            match = equal ? i : match;
        }

        return match < 0 ? null : _identities[match];
    }
}
