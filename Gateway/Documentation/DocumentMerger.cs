using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace PyAirtable.Gateway.Documentation;

/// <summary>
/// Builds the gateway's OpenAPI document for one API version from the route table and the services' documents:
/// <list type="number">
/// <item>every operation a route reaches (method and path, <see cref="GatewayPathMapper"/>) is taken at its gateway
/// path, the first route in table order winning; operations no route reaches are left out;</item>
/// <item>the schemas they reach, transitively, are merged: a name used by one service, or by several with identical
/// schemas, is kept; otherwise each service's schema is renamed <c>{Service}_{Name}</c> and every reference follows;
/// unreached schemas, tags, the services' security schemes and servers are dropped;</item>
/// <item>the gateway's security schemes, per-operation security from each route's auth, its error responses, its own
/// endpoints and the v2 chat body are added.</item>
/// </list>
/// Everything the merge assembles is written in sorted order, so the same inputs give the same bytes.
/// </summary>
internal static class DocumentMerger
{
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    /// <summary>Methods in the order a path's operations are written.</summary>
    private static readonly HttpMethod[] MethodOrder =
        [HttpMethod.Get, HttpMethod.Put, HttpMethod.Post, HttpMethod.Delete, HttpMethod.Options, HttpMethod.Head, HttpMethod.Patch, HttpMethod.Trace];

    /// <summary>The merged document of <paramref name="version"/> (<c>v1</c> or <c>v2</c>).</summary>
    public static OpenApiDocument Build(string version, IReadOnlyList<DocumentedRoute> routes, IReadOnlyList<ServiceSection> sections, bool bearer)
    {
        var sorted = sections.OrderBy(static s => s.Name, StringComparer.Ordinal).ToList();
        var documents = new Dictionary<string, OpenApiDocument>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in sorted)
        {
            if (section.Document is not null)
            {
                documents[section.Name] = section.Document;
            }
        }

        var mapped = Map(version, routes, documents);
        var target = new OpenApiDocument
        {
            Info = new OpenApiInfo
            {
                Title = GatewayOperations.Title,
                Version = version,
                Description = Describe(version, sorted),
            },
            Paths = [],
            Components = new OpenApiComponents
            {
                Schemas = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal),
                SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal),
            },
            Extensions = new Dictionary<string, IOpenApiExtension>(StringComparer.Ordinal)
            {
                ["x-gateway-services"] = new JsonNodeExtension(ServicesExtension(sorted)),
            },
        };

        var names = SchemaNames(mapped, documents, bearer);
        var operations = new List<(string Path, HttpMethod Method, OpenApiOperation Operation)>();
        var schemas = new SortedDictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        var tags = new SortedDictionary<string, OpenApiTag>(StringComparer.Ordinal);
        var operationIds = new HashSet<string>(GatewayOperations.OperationIds, StringComparer.Ordinal);
        foreach (var group in mapped.GroupBy(static m => m.Service, StringComparer.OrdinalIgnoreCase))
        {
            var source = documents[group.Key];
            var serviceNames = names[group.Key];
            var rewriter = new ComponentRewriter(target, id => serviceNames.GetValueOrDefault(id));
            foreach (var operation in group)
            {
                var copy = CopyOperation(operation, rewriter, target, tags, source, bearer);
                copy.OperationId = UniqueOperationId(copy.OperationId, operation.Service, operationIds);
                operations.Add((operation.GatewayPath, operation.Method, copy));
            }

            // The schemas reached, and the ones they reach.
            var done = new HashSet<string>(StringComparer.Ordinal);
            while (rewriter.Referenced.Except(done).OrderBy(static id => id, StringComparer.Ordinal).FirstOrDefault() is { } id)
            {
                done.Add(id);
                schemas[serviceNames[id]] = rewriter.Schema(source.Components!.Schemas![id]);
            }
        }

        GatewayOperations.Add(version, target, operations, schemas, tags, bearer);

        foreach (var (name, schema) in schemas)
        {
            target.Components.Schemas[name] = schema;
        }

        target.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-API-Key",
            Description = "The gateway's API key (API_KEY or a named key).",
        };
        if (bearer)
        {
            target.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JSON Web Token the gateway validates (JWT_SECRET or JWT_AUTHORITY).",
            };
        }

        foreach (var (path, method, operation) in operations
                     .OrderBy(static o => o.Path, StringComparer.Ordinal)
                     .ThenBy(static o => Array.IndexOf(MethodOrder, o.Method)))
        {
            if (operation.Responses is { Count: > 1 } responses)
            {
                operation.Responses = new OpenApiResponses();
                foreach (var (status, response) in responses.OrderBy(static r => r.Key, StringComparer.Ordinal))
                {
                    operation.Responses[status] = response;
                }
            }

            if (!target.Paths.TryGetValue(path, out var item))
            {
                target.Paths[path] = item = new OpenApiPathItem { Operations = [] };
            }

            ((OpenApiPathItem)item).Operations![method] = operation;
        }

        target.Tags = new HashSet<OpenApiTag>(tags.Values);
        return target;
    }

    /// <summary>The document as UTF-8 JSON, OpenAPI 3.1, without indentation.</summary>
    public static byte[] Serialize(OpenApiDocument document)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        document.SerializeAsV31(new OpenApiJsonWriter(text, new OpenApiJsonWriterSettings { Terse = true }));
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The security requirements of a route: API key or bearer token, each with the route's scopes; none for open routes.</summary>
    internal static List<OpenApiSecurityRequirement> Security(RouteAuth auth, string[] scopes, OpenApiDocument target, bool bearer)
    {
        if (auth == RouteAuth.None)
        {
            return [];
        }

        var list = auth == RouteAuth.Scopes ? scopes.Order(StringComparer.Ordinal).ToList() : [];
        var requirements = new List<OpenApiSecurityRequirement>
        {
            new() { [new OpenApiSecuritySchemeReference(ApiKeyScheme, target)] = [.. list] },
        };
        if (bearer)
        {
            requirements.Add(new() { [new OpenApiSecuritySchemeReference(BearerScheme, target)] = [.. list] });
        }

        return requirements;
    }

    /// <summary>The operations the routes reach, in route order, each gateway path and method taken once.</summary>
    private static List<MappedOperation> Map(string version, IReadOnlyList<DocumentedRoute> routes, Dictionary<string, OpenApiDocument> documents)
    {
        var mapped = new List<MappedOperation>();
        var taken = new HashSet<(string, HttpMethod)>();
        foreach (var route in routes)
        {
            if (!documents.TryGetValue(route.Service, out var document) || document.Paths is null)
            {
                continue;
            }

            foreach (var (servicePath, item) in document.Paths.OrderBy(static p => p.Key, StringComparer.Ordinal))
            {
                if (item.Operations is null
                    || !GatewayPathMapper.TryMap(route.Path, route.UpstreamPath, servicePath, out var gatewayPath, out var renames, out var added))
                {
                    continue;
                }

                if (version != GatewayOperations.V1 && route.Versioned)
                {
                    gatewayPath = GatewayOperations.Versioned(gatewayPath, version);
                }

                foreach (var method in MethodOrder)
                {
                    if (!item.Operations.TryGetValue(method, out var operation) || !Allows(route, method) || !taken.Add((gatewayPath, method)))
                    {
                        continue;
                    }

                    var v2Chat = version == GatewayOperations.V2 && route.Versioned && method == HttpMethod.Post
                        && string.Equals(route.Name, GatewayOperations.ChatRouteName, StringComparison.Ordinal);
                    mapped.Add(new MappedOperation(route, route.Service, item, operation, method, gatewayPath, renames, added, v2Chat));
                }
            }
        }

        return mapped;
    }

    private static bool Allows(DocumentedRoute route, HttpMethod method)
    {
        foreach (var allowed in route.Methods)
        {
            if (string.Equals(allowed, method.Method, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Per service, source schema name → merged name, for the schemas the mapped operations reach. A first pass
    /// copies into a scratch document to find them (and to compare same-named schemas of different services).
    /// </summary>
    private static Dictionary<string, Dictionary<string, string>> SchemaNames(List<MappedOperation> mapped, Dictionary<string, OpenApiDocument> documents, bool bearer)
    {
        var scratch = new OpenApiDocument();
        var canonical = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal); // name → service → JSON
        var names = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in mapped.GroupBy(static m => m.Service, StringComparer.OrdinalIgnoreCase))
        {
            var source = documents[group.Key];
            var defined = source.Components?.Schemas;
            var rewriter = new ComponentRewriter(scratch, id => defined is not null && defined.ContainsKey(id) ? id : null);
            var tags = new SortedDictionary<string, OpenApiTag>(StringComparer.Ordinal);
            foreach (var operation in group)
            {
                CopyOperation(operation, rewriter, scratch, tags, source, bearer);
            }

            var done = new HashSet<string>(StringComparer.Ordinal);
            while (rewriter.Referenced.Except(done).OrderBy(static id => id, StringComparer.Ordinal).FirstOrDefault() is { } id)
            {
                done.Add(id);
                var json = Canonical(rewriter.Schema(defined![id]));
                if (!canonical.TryGetValue(id, out var byService))
                {
                    canonical[id] = byService = new SortedDictionary<string, string>(StringComparer.Ordinal);
                }

                byService[group.Key] = json;
            }

            names[group.Key] = new Dictionary<string, string>(StringComparer.Ordinal);
        }

        var used = new HashSet<string>(GatewayOperations.SchemaNames, StringComparer.Ordinal);
        foreach (var (name, byService) in canonical)
        {
            if (!GatewayOperations.SchemaNames.Contains(name) && byService.Values.Distinct(StringComparer.Ordinal).Count() == 1)
            {
                foreach (var service in byService.Keys)
                {
                    names[service][name] = name;
                }

                used.Add(name);
            }
        }

        foreach (var (name, byService) in canonical)
        {
            foreach (var service in byService.Keys)
            {
                if (names[service].ContainsKey(name))
                {
                    continue;
                }

                var renamed = service + "_" + name;
                for (var n = 2; !used.Add(renamed); n++)
                {
                    renamed = service + "_" + name + "_" + n.ToString(CultureInfo.InvariantCulture);
                }

                names[service][name] = renamed;
            }
        }

        return names;
    }

    private static string Canonical(IOpenApiSchema schema)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        schema.SerializeAsV31(new OpenApiJsonWriter(text, new OpenApiJsonWriterSettings { Terse = true }));
        return text.ToString();
    }

    /// <summary>The operation at its gateway path: path parameters renamed, the path item's parameters merged in, the service's security and servers dropped.</summary>
    private static OpenApiOperation CopyOperation(MappedOperation mapped, ComponentRewriter rewriter, OpenApiDocument target, SortedDictionary<string, OpenApiTag> tags, OpenApiDocument source, bool bearer)
    {
        var operation = mapped.Operation;
        var copy = new OpenApiOperation
        {
            Summary = operation.Summary,
            Description = operation.Description,
            OperationId = operation.OperationId,
            Deprecated = operation.Deprecated,
            ExternalDocs = operation.ExternalDocs,
            Extensions = operation.Extensions is null ? null : new Dictionary<string, IOpenApiExtension>(operation.Extensions),
            Parameters = [],
            Responses = [],
            Tags = new HashSet<OpenApiTagReference>(),
        };

        var seen = new HashSet<(string, ParameterLocation?)>();
        foreach (var parameter in (operation.Parameters ?? []).Concat(mapped.PathItem.Parameters ?? []))
        {
            var name = parameter.Name;
            string? rename = null;
            if (parameter.In == ParameterLocation.Path && name is not null && mapped.Renames.TryGetValue(name, out var renamed))
            {
                rename = renamed;
            }

            if (rewriter.Parameter(parameter, rename) is { } copied && seen.Add((copied.Name ?? "", copied.In)))
            {
                copy.Parameters.Add(copied);
            }
        }

        foreach (var added in mapped.Added)
        {
            if (seen.Add((added, ParameterLocation.Path)))
            {
                copy.Parameters.Add(new OpenApiParameter { Name = added, In = ParameterLocation.Path, Required = true, Schema = new OpenApiSchema { Type = JsonSchemaType.String } });
            }
        }

        copy.RequestBody = mapped.V2Chat ? GatewayOperations.ChatV2Body(target) : rewriter.RequestBody(operation.RequestBody);
        if (operation.Responses is not null)
        {
            foreach (var (status, response) in operation.Responses.OrderBy(static r => r.Key, StringComparer.Ordinal))
            {
                if (rewriter.Response(response) is { } copied)
                {
                    copy.Responses[status] = copied;
                }
            }
        }

        GatewayOperations.AddErrorResponses(copy, mapped.Route, target);
        copy.Security = Security(mapped.Route.Auth, mapped.Route.Scopes, target, bearer);

        var tagNames = operation.Tags is { Count: > 0 } ? operation.Tags.Select(static t => t.Reference.Id ?? t.Name ?? "").Where(static t => t.Length > 0) : [mapped.Service];
        foreach (var tag in tagNames.Order(StringComparer.Ordinal))
        {
            copy.Tags.Add(new OpenApiTagReference(tag, target));
            if (!tags.ContainsKey(tag))
            {
                var defined = source.Tags?.FirstOrDefault(t => string.Equals(t.Name, tag, StringComparison.Ordinal));
                tags[tag] = new OpenApiTag { Name = tag, Description = defined?.Description, ExternalDocs = defined?.ExternalDocs };
            }
        }

        return copy;
    }

    private static string? UniqueOperationId(string? id, string service, HashSet<string> used)
    {
        if (id is null || used.Add(id))
        {
            return id;
        }

        var candidate = service + "_" + id;
        for (var n = 2; !used.Add(candidate); n++)
        {
            candidate = service + "_" + id + "_" + n.ToString(CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    private static string Describe(string version, List<ServiceSection> sections)
    {
        var text = new StringBuilder("Every operation a client can call on the gateway in API ").Append(version)
            .Append(": the services' own documents merged, at their gateway paths, with the gateway's authentication.");
        foreach (var section in sections)
        {
            if (section.Problem is null)
            {
                continue;
            }

            text.Append("\n\n**").Append(section.Name).Append(section.Document is null ? "**: its document is not available (" : "**: its document could not be refreshed (")
                .Append(section.Problem).Append(section.Document is null ? "); its operations are left out." : "); the last good copy is shown.");
        }

        return text.ToString();
    }

    private static JsonObject ServicesExtension(List<ServiceSection> sections)
    {
        var services = new JsonObject();
        foreach (var section in sections)
        {
            var entry = new JsonObject { ["status"] = section.Document is null ? "missing" : section.Problem is null ? "current" : "stale" };
            if (section.Problem is not null)
            {
                entry["problem"] = section.Problem;
            }

            services[section.Name] = entry;
        }

        return services;
    }

    private sealed record MappedOperation(
        DocumentedRoute Route,
        string Service,
        IOpenApiPathItem PathItem,
        OpenApiOperation Operation,
        HttpMethod Method,
        string GatewayPath,
        Dictionary<string, string> Renames,
        List<string> Added,
        bool V2Chat);
}
