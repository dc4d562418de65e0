using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Transforms;

/// <summary>
/// A route's request-header changes (<c>RequestHeaders:Set</c>, <c>:Append</c>, <c>:Remove</c>), applied to the
/// upstream request after the gateway's own header rules: removed first, then set (replacing), then appended.
/// </summary>
internal sealed class RequestHeaderTransform
{
    private readonly KeyValuePair<string, string>[] _set;
    private readonly KeyValuePair<string, string>[] _append;
    private readonly string[] _remove;

    public RequestHeaderTransform(KeyValuePair<string, string>[] set, KeyValuePair<string, string>[] append, string[] remove)
    {
        _set = set;
        _append = append;
        _remove = remove;
    }

    public void Apply(HttpRequestMessage message)
    {
        foreach (var name in _remove)
        {
            Remove(message, name);
        }

        foreach (var (name, value) in _set)
        {
            Remove(message, name);
            Add(message, name, value);
        }

        foreach (var (name, value) in _append)
        {
            Add(message, name, value);
        }
    }

    private static void Remove(HttpRequestMessage message, string name)
    {
        message.Headers.Remove(name);
        message.Content?.Headers.Remove(name);
    }

    private static void Add(HttpRequestMessage message, string name, string value)
    {
        if (HeaderRules.ContentHeaders.Contains(name))
        {
            message.Content?.Headers.TryAddWithoutValidation(name, value);
        }
        else
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
    }
}
