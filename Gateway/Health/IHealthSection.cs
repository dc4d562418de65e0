using System.Text.Json;

namespace PyAirtable.Gateway.Health;

/// <summary>A feature's object in <c>/api/health</c> (registered in the container; written after <c>services</c>).</summary>
internal interface IHealthSection
{
    /// <summary>The member's name (<c>websocket_stats</c>).</summary>
    string Name { get; }

    /// <summary>Writes the object's members (the caller writes the braces).</summary>
    void WriteMembers(Utf8JsonWriter json);
}
