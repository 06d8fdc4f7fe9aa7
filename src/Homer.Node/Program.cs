using Homer.Node;

try
{
    var app = HomerNodeHost.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (e is FormatException or FileNotFoundException)
{
    // Configuration mistakes get one clear line, not a stack trace.
    Console.Error.WriteLine("homer-node: " + e.Message);
    return 2;
}
