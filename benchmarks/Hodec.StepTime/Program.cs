using System.Diagnostics;
using Hodec.Models;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

if (args.Length > 0 && args[0] == "adal")
{
    Hodec.StepTime.AdalRun.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "folder")
{
    Hodec.StepTime.FolderRun.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "train")
{
    Hodec.StepTime.TrainRun.Run(args[1..]);
    return;
}

// Training-step time (wall and process CPU) of a zoo model: forward, cross-entropy, backward, SGD (momentum 0.9, wd 5e-4) step.
// Usage: dotnet run -c Release --project benchmarks/Hodec.StepTime -- [model] [batch] [threads] [warmup] [iters]
//    or: dotnet run -c Release --project benchmarks/Hodec.StepTime -- train [model] [dataset] [epochs] [threads]
//    or: dotnet run -c Release --project benchmarks/Hodec.StepTime -- folder [images] [side] [png|jpeg] [model] [crop] [batch] [threads] [steps]
//    or: dotnet run -c Release --project benchmarks/Hodec.StepTime -- adal [model] [dataset] [epochs] [threads] [rho initial] [rho factor] [train subset|all]
string name = args.Length > 0 ? args[0] : "resnet20";
int batch = args.Length > 1 ? int.Parse(args[1]) : 128;
int threads = args.Length > 2 ? int.Parse(args[2]) : 2;
int warmup = args.Length > 3 ? int.Parse(args[3]) : 5;
int iters = args.Length > 4 ? int.Parse(args[4]) : 20;

torch.set_num_threads(threads);
torch.random.manual_seed(0);
using var model = ModelZoo.Create(name, new ModelOptions(InChannels: 1, NumClasses: 10, InputSize: 28));
model.train();
using var optimizer = optim.SGD(model.parameters(), 0.1, 0.9, 0, 5e-4);
using var x = randn(batch, 1, 28, 28);
using var y = randint(0, 10, [batch], ScalarType.Int64);

var times = new List<double>();
var cpuTimes = new List<double>();
var process = System.Diagnostics.Process.GetCurrentProcess();
for (int i = 0; i < warmup + iters; i++)
{
    var clock = Stopwatch.StartNew();
    process.Refresh();
    var cpuStart = process.TotalProcessorTime;
    using (NewDisposeScope())
    {
        optimizer.zero_grad();
        var loss = F.cross_entropy(model.call(x), y);
        loss.backward();
        optimizer.step();
        _ = loss.item<float>();
    }

    if (i >= warmup)
    {
        times.Add(clock.Elapsed.TotalMilliseconds);
        process.Refresh();
        cpuTimes.Add((process.TotalProcessorTime - cpuStart).TotalMilliseconds);
    }
}

times.Sort();
cpuTimes.Sort();
Console.WriteLine($"hodec {name} batch={batch} threads={threads} median_ms={times[times.Count / 2]:F1} min_ms={times[0]:F1} cpu_median_ms={cpuTimes[cpuTimes.Count / 2]:F1} iters={iters}");
