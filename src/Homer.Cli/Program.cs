using Homer.Cli;

return await new HomerCtl(Console.Out, Console.Error, Console.In, Environment.GetEnvironmentVariable).RunAsync(args);
