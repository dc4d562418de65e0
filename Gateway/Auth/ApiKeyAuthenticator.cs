using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;

namespace PyAirtable.Gateway.Auth;

/// <summary>
/// Checks an <c>X-API-Key</c> value in constant time: the presented key is hashed with SHA-256 once and the digest
/// compared with every configured key's digest by <see cref="CryptographicOperations.FixedTimeEquals"/>, all of them
/// every time, so neither content, length nor which key matched leaks. Nothing is allocated per call.
/// On an HTTP/1.x connection the key that last passed is remembered: the next request on that connection presenting
/// the same key is compared with it in constant time instead of being hashed again (most clients send one key over a
/// keep-alive connection, and the hash is the larger part of the check's cost).
/// </summary>
internal sealed class ApiKeyAuthenticator
{
    /// <summary>The longest key accepted (longer values are refused before hashing).</summary>
    public const int MaxKeyLength = 512;

    /// <summary>Characters a key may not contain (space, controls, non-ASCII are refused at start-up).</summary>
    public static readonly SearchValues<char> InvalidKeyChars = SearchValues.Create(
        Enumerable.Range(0, 0x21).Select(static i => (char)i).Append((char)0x7F).ToArray());

    /// <summary>Where a connection's <see cref="LastKey"/> is kept in its items.</summary>
    private static readonly object LastKeySlot = new();

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

    /// <summary>
    /// The client the key belongs to, or null; on an HTTP/1.x connection the last key that passed on it is checked
    /// first. That check takes the same time whatever the remembered key is (it depends on the presented key's
    /// length only), and a key that differs from it goes through the full check.
    /// </summary>
    public ClientIdentity? Authenticate(string presented, HttpContext context)
    {
        var protocol = context.Request.Protocol;
        var items = HttpProtocol.IsHttp11(protocol) || HttpProtocol.IsHttp10(protocol)
            ? context.Features.Get<IConnectionItemsFeature>()?.Items
            : null;
        if (items is null)
        {
            return Authenticate(presented.AsSpan());
        }

        if (items.TryGetValue(LastKeySlot, out var remembered) && remembered is LastKey last && last.Owner == this && last.Matches(presented))
        {
            return last.Identity;
        }

        var identity = Authenticate(presented.AsSpan());
        if (identity is not null)
        {
            // Requests on an HTTP/1.x connection run one after another, so the slot is never written concurrently.
            items[LastKeySlot] = new LastKey(this, presented, identity);
        }

        return identity;
    }

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

    /// <summary>
    /// True when <paramref name="presented"/> equals <paramref name="known"/>, in a time that depends on the presented
    /// key's length only: a presented key of another length is compared with itself, so neither the known key's
    /// content nor its length shows in the time taken.
    /// </summary>
    internal static bool FixedTimeEquals(ReadOnlySpan<char> presented, string known)
    {
        var sameLength = presented.Length == known.Length;
        var other = sameLength ? known.AsSpan() : presented;
        var equal = CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(presented), MemoryMarshal.AsBytes(other));
        return sameLength & equal;
    }

    /// <summary>The connection's last key that passed, the client it belongs to, and the authenticator that checked it.</summary>
    private sealed class LastKey(ApiKeyAuthenticator owner, string key, ClientIdentity identity)
    {
        public ApiKeyAuthenticator Owner { get; } = owner;

        public ClientIdentity Identity { get; } = identity;

        public bool Matches(string presented) => FixedTimeEquals(presented, key);
    }
}
