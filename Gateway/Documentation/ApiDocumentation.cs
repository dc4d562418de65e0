using System.Security.Cryptography;
using System.Text;
using PyAirtable.Gateway.Auth;

namespace PyAirtable.Gateway.Documentation;

/// <summary>
/// The gateway's API documents and what they are built from: the last good copy of each service's document (kept
/// as text, read again at each build) and the problem of its latest fetch. <see cref="RefreshAsync"/> fetches,
/// rebuilds when an input changed and publishes the result at once; requests only ever read <see cref="Current"/>.
/// </summary>
internal sealed partial class ApiDocumentation : IDisposable
{
    private readonly IDocumentedRoutes _routes;
    private readonly DocumentationOptions _options;
    private readonly bool _bearer;
    private readonly ILogger<ApiDocumentation> _logger;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly Dictionary<string, string> _lastGood = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _problems = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();
    private volatile PublishedDocuments? _current;
    private string? _builtFrom;
    private TaskCompletionSource<PublishedDocuments> _published = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ApiDocumentation(IDocumentedRoutes routes, IOptions<DocumentationOptions> options, BearerTokenAuthenticator bearer, ILogger<ApiDocumentation> logger)
    {
        _routes = routes;
        _options = options.Value;
        _bearer = bearer.Enabled;
        _logger = logger;
    }

    /// <summary>The documents of the last build; before the first one, the gateway's own endpoints alone.</summary>
    public PublishedDocuments Current
    {
        get
        {
            if (_current is { } current)
            {
                return current;
            }

            lock (_gate)
            {
                return _current ??= Publish(Build([]), generation: 0);
            }
        }
    }

    /// <summary>True when some service has no current document (never fetched, or its latest fetch failed).</summary>
    public bool HasProblems
    {
        get
        {
            lock (_gate)
            {
                return _problems.Count > 0;
            }
        }
    }

    /// <summary>Completes with the next build published after this call (tests and the refresher await it).</summary>
    public Task<PublishedDocuments> NextBuildAsync()
    {
        lock (_gate)
        {
            return _published.Task;
        }
    }

    /// <summary>Fetches every routed service's document, then rebuilds and publishes when anything changed.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var routes = _routes.Routes;
            var services = routes.Select(static r => r.Service).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToArray();
            var fetches = new Task<(string? Text, string? Problem)>[services.Length];
            for (var i = 0; i < services.Length; i++)
            {
                fetches[i] = FetchAsync(services[i], cancellationToken);
            }

            await Task.WhenAll(fetches);
            lock (_gate)
            {
                for (var i = 0; i < services.Length; i++)
                {
                    var (text, problem) = fetches[i].Result;
                    if (problem is null)
                    {
                        _lastGood[services[i]] = text!;
                        _problems.Remove(services[i]);
                    }
                    else
                    {
                        if (!_problems.ContainsKey(services[i]))
                        {
                            Log.FetchFailed(_logger, services[i], problem, _lastGood.ContainsKey(services[i]) ? "the last good copy stays" : "its operations are left out");
                        }

                        _problems[services[i]] = problem;
                    }
                }
            }

            var sections = new List<ServiceSection>();
            var inputs = new StringBuilder();
            foreach (var route in routes)
            {
                inputs.Append(route.Name).Append(' ').Append(route.Path).Append(' ').AppendJoin(',', route.Methods).Append(' ').Append(route.Service).Append(' ')
                    .Append(route.UpstreamPath).Append(' ').Append(route.Auth).Append(' ').AppendJoin(',', route.Scopes).Append(' ').Append(route.Versioned).Append('\n');
            }

            lock (_gate)
            {
                foreach (var service in services)
                {
                    var text = _lastGood.GetValueOrDefault(service);
                    var problem = _problems.GetValueOrDefault(service);
                    inputs.Append(service).Append(' ').Append(problem).Append(' ').Append(text is null ? "-" : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))).Append('\n');
                    sections.Add(new ServiceSection(service, null, problem));
                }
            }

            cancellationToken.ThrowIfCancellationRequested(); // the host is stopping: no build
            var key = inputs.ToString();
            if (key == _builtFrom && _current is not null)
            {
                return;
            }

            for (var i = 0; i < sections.Count; i++)
            {
                string? text;
                lock (_gate)
                {
                    text = _lastGood.GetValueOrDefault(sections[i].Name);
                }

                if (text is not null)
                {
                    // It was read when it was accepted; a failure now is a bug, kept out of the document all the same.
                    var (document, problem) = ServiceDocumentFetcher.Read(text);
                    sections[i] = sections[i] with { Document = document, Problem = sections[i].Problem ?? problem };
                }
            }

            var published = Publish(Build(sections, routes), (_current?.Generation ?? 0) + 1);
            _builtFrom = key;
            TaskCompletionSource<PublishedDocuments> completed;
            lock (_gate)
            {
                _current = published;
                completed = _published;
                _published = new TaskCompletionSource<PublishedDocuments>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            completed.TrySetResult(published);

            // A build allocates several MB of short-lived object model (the documents read, their JSON nodes, the copies);
            // builds are rare (a service's document or the routes changed), so one aggressive collection hands that
            // memory back to the OS instead of leaving the heap grown for the process's life (a forced one keeps it
            // committed). Never while the host stops: a collection still running when the process exits can keep a
            // JIT-compiled process from exiting (dotnet/runtime#107800).
            if (!cancellationToken.IsCancellationRequested)
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }

            Log.Built(_logger, published.Generation, published.V1.Body.Length, published.V2.Body.Length, sections.Count(static s => s.Document is not null), sections.Count);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    public void Dispose() => _refreshing.Dispose();

    private async Task<(string? Text, string? Problem)> FetchAsync(string name, CancellationToken cancellationToken)
    {
        if (_routes.Service(name) is not { } service)
        {
            return (null, "unknown service");
        }

        var (text, problem) = await ServiceDocumentFetcher.FetchAsync(service, _options.PathOf(name), TimeSpan.FromSeconds(_options.FetchTimeoutSeconds), _options.MaxDocumentBytes, cancellationToken);
        if (text is null)
        {
            return (null, problem);
        }

        var (document, invalid) = ServiceDocumentFetcher.Read(text);
        return document is null ? (null, invalid) : (text, null);
    }

    private (byte[] V1, byte[] V2) Build(List<ServiceSection> sections, IReadOnlyList<DocumentedRoute>? routes = null)
    {
        routes ??= _routes.Routes;
        return (DocumentMerger.Serialize(DocumentMerger.Build(GatewayOperations.V1, routes, sections, _bearer)),
            DocumentMerger.Serialize(DocumentMerger.Build(GatewayOperations.V2, routes, sections, _bearer)));
    }

    private static PublishedDocuments Publish((byte[] V1, byte[] V2) built, long generation) =>
        new(new PublishedDocument(built.V1, ETagOf(built.V1)), new PublishedDocument(built.V2, ETagOf(built.V2)), generation);

    private static string ETagOf(byte[] body) => "\"" + Convert.ToBase64String(SHA256.HashData(body), 0, 18).Replace('+', '-').Replace('/', '_') + "\"";

    private static partial class Log
    {
        [LoggerMessage(9401, LogLevel.Warning, "API documentation: the OpenAPI document of {Service} could not be fetched ({Problem}); {Consequence}")]
        public static partial void FetchFailed(ILogger logger, string service, string problem, string consequence);

        [LoggerMessage(9402, LogLevel.Information, "API documentation build {Generation}: v1 {V1Bytes} bytes, v2 {V2Bytes} bytes, {Documents} of {Services} service documents")]
        public static partial void Built(ILogger logger, long generation, int v1Bytes, int v2Bytes, int documents, int services);
    }
}
