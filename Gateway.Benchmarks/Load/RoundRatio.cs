namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// A target's throughput against YARP's, round by round: round <c>i</c> of both ran within seconds of each other, so
/// the ratio of each pair shares the machine's state of the moment. On a shared machine a proxy's cost moves by a
/// quarter or more from one round to the next; the median of the pairs and their range say how far one run's merged
/// ratio can be trusted.
/// </summary>
internal readonly record struct RoundRatio(double Median, double Min, double Max)
{
    /// <summary>The ratios of the rounds both ran (paired by round number); null when there is no such round.</summary>
    public static RoundRatio? Of(IReadOnlyList<double> target, IReadOnlyList<double> yarp)
    {
        var count = Math.Min(target.Count, yarp.Count);
        var ratios = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            if (yarp[i] > 0)
            {
                ratios.Add(target[i] / yarp[i]);
            }
        }

        if (ratios.Count == 0)
        {
            return null;
        }

        ratios.Sort();
        var middle = ratios.Count / 2;
        var median = ratios.Count % 2 == 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
        return new RoundRatio(median, ratios[0], ratios[^1]);
    }
}
