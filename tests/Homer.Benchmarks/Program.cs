using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/Homer.Benchmarks -- --filter '*' --job short
Console.WriteLine($"HEP3 packet: {Homer.Benchmarks.Samples.Hep3Invite.Length} bytes, SIP INVITE: {Homer.Benchmarks.Samples.Invite.Length} bytes");
BenchmarkSwitcher.FromAssembly(typeof(Homer.Benchmarks.CodecBenchmarks).Assembly).Run(args);
