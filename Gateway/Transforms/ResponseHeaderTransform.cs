namespace PyAirtable.Gateway.Transforms;

/// <summary>
/// A route's response-header changes (<c>ResponseHeaders:Set</c>, <c>:Remove</c>), applied after the upstream's
/// headers have been copied, so a set value replaces the service's.
/// </summary>
internal sealed class ResponseHeaderTransform
{
    private readonly KeyValuePair<string, string>[] _set;
    private readonly string[] _remove;

    public ResponseHeaderTransform(KeyValuePair<string, string>[] set, string[] remove)
    {
        _set = set;
        _remove = remove;
    }

    public void Apply(IHeaderDictionary headers)
    {
        foreach (var name in _remove)
        {
            headers.Remove(name);
        }

        foreach (var (name, value) in _set)
        {
            headers[name] = value;
        }
    }
}
