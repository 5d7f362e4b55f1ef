using TorchSharp;

Console.WriteLine($"hodec {typeof(Program).Assembly.GetName().Version} (TorchSharp {torch.__version__})");
return 0;
