namespace NycTaxi;

/// <summary>One step's answer: for people (<paramref name="Answer"/>) and for checking (<paramref name="Numbers"/>, compared with a tolerance for sums).</summary>
public sealed record StepResult(int Step, string Title, string Answer, double[] Numbers, TimeSpan Time);
