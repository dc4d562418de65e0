using Microsoft.OpenApi;

namespace PyAirtable.Gateway.Documentation;

/// <summary>
/// Copies parts of one service's OpenAPI document into the merged document: schema references are renamed
/// (<see cref="Referenced"/> records which source schemas were reached), references to other component kinds
/// (parameters, responses, request bodies, headers, examples, media types) are resolved and copied inline, and
/// references that lead nowhere become an empty schema. The source objects are never changed.
/// </summary>
internal sealed class ComponentRewriter
{
    private readonly OpenApiDocument _target;
    private readonly Func<string, string?> _rename;

    /// <param name="target">The document the copies belong to (their schema references resolve in it).</param>
    /// <param name="rename">Source schema name → name in <paramref name="target"/>; null for a name the source does not define.</param>
    public ComponentRewriter(OpenApiDocument target, Func<string, string?> rename)
    {
        _target = target;
        _rename = rename;
    }

    /// <summary>The source schema names referenced by what was copied so far.</summary>
    public HashSet<string> Referenced { get; } = new(StringComparer.Ordinal);

    public IOpenApiSchema Schema(IOpenApiSchema schema)
    {
        if (schema is OpenApiSchemaReference reference)
        {
            var id = reference.Reference.Id;
            var renamed = id is null ? null : _rename(id);
            if (renamed is null)
            {
                return new OpenApiSchema { Description = reference.Reference.Description };
            }

            Referenced.Add(id!);
            return new OpenApiSchemaReference(renamed, _target) { Description = reference.Reference.Description };
        }

        if (schema.CreateShallowCopy() is not OpenApiSchema copy)
        {
            return new OpenApiSchema();
        }

        copy.Items = Optional(copy.Items);
        copy.Not = Optional(copy.Not);
        copy.AdditionalProperties = Optional(copy.AdditionalProperties);
        copy.Contains = Optional(copy.Contains);
        copy.PropertyNames = Optional(copy.PropertyNames);
        copy.If = Optional(copy.If);
        copy.Then = Optional(copy.Then);
        copy.Else = Optional(copy.Else);
        copy.ContentSchema = Optional(copy.ContentSchema);
        copy.UnevaluatedPropertiesSchema = Optional(copy.UnevaluatedPropertiesSchema);
        copy.AllOf = List(copy.AllOf);
        copy.OneOf = List(copy.OneOf);
        copy.AnyOf = List(copy.AnyOf);
        copy.Properties = Map(copy.Properties);
        copy.PatternProperties = Map(copy.PatternProperties);
        copy.Definitions = Map(copy.Definitions);
        copy.DependentSchemas = Map(copy.DependentSchemas);
        copy.Discriminator = Discriminator(copy.Discriminator);
        return copy;
    }

    /// <summary>A copy of the parameter (resolved when it is a reference), renamed to <paramref name="name"/> when given; null when it leads nowhere.</summary>
    public OpenApiParameter? Parameter(IOpenApiParameter parameter, string? name = null)
    {
        var source = parameter is OpenApiParameterReference reference ? reference.Target : parameter;
        if (source?.CreateShallowCopy() is not OpenApiParameter copy)
        {
            return null;
        }

        if (name is not null)
        {
            copy.Name = name;
        }

        copy.Schema = Optional(copy.Schema);
        copy.Content = Content(copy.Content);
        copy.Examples = Examples(copy.Examples);
        return copy;
    }

    public OpenApiRequestBody? RequestBody(IOpenApiRequestBody? body)
    {
        var source = body is OpenApiRequestBodyReference reference ? reference.Target : body;
        if (source?.CreateShallowCopy() is not OpenApiRequestBody copy)
        {
            return null;
        }

        copy.Content = Content(copy.Content);
        return copy;
    }

    public OpenApiResponse? Response(IOpenApiResponse response)
    {
        var source = response is OpenApiResponseReference reference ? reference.Target : response;
        if (source?.CreateShallowCopy() is not OpenApiResponse copy)
        {
            return null;
        }

        copy.Content = Content(copy.Content);
        copy.Headers = Headers(copy.Headers);
        copy.Links = null; // links name operations and components of the service's own document
        return copy;
    }

    private Dictionary<string, IOpenApiHeader>? Headers(IDictionary<string, IOpenApiHeader>? headers)
    {
        if (headers is null)
        {
            return null;
        }

        var copies = new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal);
        foreach (var (name, header) in headers)
        {
            var source = header is OpenApiHeaderReference reference ? reference.Target : header;
            if (source?.CreateShallowCopy() is OpenApiHeader copy)
            {
                copy.Schema = Optional(copy.Schema);
                copy.Content = Content(copy.Content);
                copy.Examples = Examples(copy.Examples);
                copies[name] = copy;
            }
        }

        return copies;
    }

    private Dictionary<string, IOpenApiMediaType>? Content(IDictionary<string, IOpenApiMediaType>? content)
    {
        if (content is null)
        {
            return null;
        }

        var copies = new Dictionary<string, IOpenApiMediaType>(StringComparer.Ordinal);
        foreach (var (type, media) in content)
        {
            var source = media is OpenApiMediaTypeReference reference ? reference.Target : media;
            if (source?.CreateShallowCopy() is OpenApiMediaType copy)
            {
                copy.Schema = Optional(copy.Schema);
                copy.ItemSchema = Optional(copy.ItemSchema);
                copy.Examples = Examples(copy.Examples);
                copy.Encoding = null; // per-property encodings may name headers of the service's document
                copy.ItemEncoding = null;
                copy.PrefixEncoding = null;
                copies[type] = copy;
            }
        }

        return copies;
    }

    private static Dictionary<string, IOpenApiExample>? Examples(IDictionary<string, IOpenApiExample>? examples)
    {
        if (examples is null)
        {
            return null;
        }

        var copies = new Dictionary<string, IOpenApiExample>(StringComparer.Ordinal);
        foreach (var (name, example) in examples)
        {
            var source = example is OpenApiExampleReference reference ? reference.Target : example;
            if (source?.CreateShallowCopy() is { } copy)
            {
                copies[name] = copy;
            }
        }

        return copies;
    }

    private IOpenApiSchema? Optional(IOpenApiSchema? schema) => schema is null ? null : Schema(schema);

    private List<IOpenApiSchema>? List(IList<IOpenApiSchema>? schemas)
    {
        if (schemas is null)
        {
            return null;
        }

        var copies = new List<IOpenApiSchema>(schemas.Count);
        foreach (var schema in schemas)
        {
            copies.Add(Schema(schema));
        }

        return copies;
    }

    private Dictionary<string, IOpenApiSchema>? Map(IDictionary<string, IOpenApiSchema>? schemas)
    {
        if (schemas is null)
        {
            return null;
        }

        var copies = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        foreach (var (name, schema) in schemas)
        {
            copies[name] = Schema(schema);
        }

        return copies;
    }

    private OpenApiDiscriminator? Discriminator(OpenApiDiscriminator? discriminator)
    {
        if (discriminator is null)
        {
            return null;
        }

        var copy = new OpenApiDiscriminator { PropertyName = discriminator.PropertyName, Extensions = discriminator.Extensions };
        if (discriminator.Mapping is { } mapping)
        {
            copy.Mapping = new Dictionary<string, OpenApiSchemaReference>(StringComparer.Ordinal);
            foreach (var (value, reference) in mapping)
            {
                if (Schema(reference) is OpenApiSchemaReference renamed)
                {
                    copy.Mapping[value] = renamed;
                }
            }
        }

        if (discriminator.DefaultMapping is { } fallback && Schema(fallback) is OpenApiSchemaReference renamedDefault)
        {
            copy.DefaultMapping = renamedDefault;
        }

        return copy;
    }
}
