using System.Text.Json;

namespace PyAirtable.Gateway.Realtime;

/// <summary>What a client message asks for.</summary>
internal enum ClientMessageKind
{
    InvalidJson,
    Unknown,
    Auth,
    Ping,
    Subscribe,
    Unsubscribe,
}

/// <summary>A client message, read with <see cref="Utf8JsonReader"/> (no reflection, no document): its type and the fields the hub uses.</summary>
internal readonly record struct ClientMessage(ClientMessageKind Kind, string? ApiKey = null, string? Token = null, List<string>? Types = null)
{
    public static ClientMessage Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                // Valid JSON but not an object has no type either.
                Validate(utf8);
                return new ClientMessage(ClientMessageKind.Unknown);
            }

            string? type = null;
            string? apiKey = null;
            string? token = null;
            List<string>? types = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("api_key"u8))
                {
                    reader.Read();
                    apiKey = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("token"u8))
                {
                    reader.Read();
                    token = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("types"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        types = [];
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            if (reader.TokenType == JsonTokenType.String)
                            {
                                types.Add(reader.GetString()!);
                            }
                            else
                            {
                                reader.Skip();
                            }
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return new ClientMessage(ClientMessageKind.InvalidJson);
            }

            return type switch
            {
                "auth" => new ClientMessage(ClientMessageKind.Auth, apiKey, token),
                "ping" => new ClientMessage(ClientMessageKind.Ping),
                "subscribe" when types is not null => new ClientMessage(ClientMessageKind.Subscribe, Types: types),
                "unsubscribe" when types is not null => new ClientMessage(ClientMessageKind.Unsubscribe, Types: types),
                _ => new ClientMessage(ClientMessageKind.Unknown),
            };
        }
        catch (JsonException)
        {
            return new ClientMessage(ClientMessageKind.InvalidJson);
        }
    }

    private static void Validate(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        while (reader.Read())
        {
        }
    }
}
