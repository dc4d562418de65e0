namespace PyAirtable.Gateway.Realtime;

/// <summary>Carries hub messages between replicas and holds the shared offline queue (<see cref="RedisHubBackplane"/>).</summary>
internal interface IHubBackplane
{
    /// <summary>
    /// Sends <paramref name="message"/> to the session's connections on the other replicas; when no replica has one
    /// (and <paramref name="deliveredLocally"/> is false) keeps it in the shared offline queue. False when the
    /// backplane is unavailable and the message went nowhere.
    /// </summary>
    Task<bool> PublishAsync(string sessionId, HubMessage message, bool deliveredLocally);

    /// <summary>The session's messages in the shared offline queue, oldest first, and the queue emptied; empty when unavailable.</summary>
    Task<List<HubMessage>> TakeQueuedAsync(string sessionId, CancellationToken cancellationToken);
}
