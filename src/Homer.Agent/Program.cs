using Homer.Agent.Cli;

return await new AgentCli(Console.Out, Console.Error, Console.In).RunAsync(args);
