namespace PyAirtable.Gateway.Routing;

/// <summary>
/// One proxied route: the client-facing template, the service it goes to and how the upstream path
/// is made (the raw client path with <see cref="StripPrefix"/> removed). Attached to its endpoint as metadata.
/// </summary>
internal sealed class GatewayRoute
{
    public GatewayRoute(string name, string template, string[] methods, ServiceKind service, string stripPrefix, string description, bool requiresJsonObject = false, bool isChat = false)
    {
        Name = name;
        Template = template;
        Methods = methods;
        Service = service;
        StripPrefix = stripPrefix;
        Description = description;
        RequiresJsonObject = requiresJsonObject;
        IsChat = isChat;
    }

    /// <summary>Short name used in configuration keys (<c>chat</c>, <c>airtable</c>).</summary>
    public string Name { get; }

    /// <summary>The route template; also the <c>endpoint</c> label of metrics.</summary>
    public string Template { get; }

    /// <summary>Methods the route accepts (HEAD wherever GET is).</summary>
    public string[] Methods { get; }

    public ServiceKind Service { get; }

    /// <summary>The leading part of the client path that is removed; the rest is appended to the service's base URL byte for byte.</summary>
    public string StripPrefix { get; }

    public string Description { get; }

    /// <summary>The body must be a JSON object with a JSON content type (chat, execute-tool).</summary>
    public bool RequiresJsonObject { get; }

    /// <summary>Charged to the chat rate limit as well as the global one.</summary>
    public bool IsChat { get; }
}
