using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace PyAirtable.Gateway.Auth;

/// <summary>
/// Checks an <c>X-API-Key</c> value in constant time: both sides are hashed with SHA-256 and the digests
/// compared with <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither content nor length leaks.
/// </summary>
internal sealed class ApiKeyAuthenticator
{
    /// <summary>Characters a key may not contain (space, controls, non-ASCII are refused at start-up).</summary>
    public static readonly SearchValues<char> InvalidKeyChars = SearchValues.Create(
        Enumerable.Range(0, 0x21).Select(static i => (char)i).Append((char)0x7F).ToArray());

    private readonly byte[]? _defaultKeyHash;

    public ApiKeyAuthenticator(IOptions<AuthOptions> options)
    {
        var key = options.Value.ApiKey;
        _defaultKeyHash = string.IsNullOrEmpty(key) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>The client the key belongs to, or null.</summary>
    public ClientIdentity? Authenticate(ReadOnlySpan<char> presented)
    {
        if (_defaultKeyHash is null || presented.IsEmpty || presented.Length > 512)
        {
            return null;
        }

        Span<byte> utf8 = stackalloc byte[presented.Length * 3];
        var written = Encoding.UTF8.GetBytes(presented, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..written], digest);
        return CryptographicOperations.FixedTimeEquals(digest, _defaultKeyHash) ? ClientIdentity.Default : null;
    }
}
