namespace PyAirtable.Gateway.Resilience;

/// <summary>What one forward says about the instance that handled it.</summary>
internal enum ForwardVerdict
{
    /// <summary>The instance answered below 500.</summary>
    Success,

    /// <summary>5xx, connection failure or timeout: counts against the instance.</summary>
    Failure,

    /// <summary>The client went away or sent a broken body: says nothing about the instance.</summary>
    NoVerdict,
}
