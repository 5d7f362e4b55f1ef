namespace Hodec;

/// <summary>Version information about the engine and the libtorch it runs on.</summary>
public static class HodecInfo
{
    public static string Version => typeof(HodecInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
