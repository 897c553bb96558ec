using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Reporting;
using FarMemory.Bench.Workloads;
using FarMemory.Bench.Workloads.Kv;
using FarMemory.Bench.Workloads.Offload;
using FarMemory.Bench.Workloads.Taxi;
using FarMemory.Bench.Workloads.Web;

if (args.Length > 0 && args[0] == "echo-server")
{
    return await EchoServer.RunAsync();
}

if (args.Length > 0 && args[0] == TaxiSystemRun.Command)
{
    return await TaxiSystemRun.RunAsync(args);
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

BenchReport report;
switch (options.Workload)
{
    case "loopback":
        report = await LoopbackWorkload.RunAsync(options);
        break;
    case "deref":
        report = await DerefWorkload.RunAsync(options);
        break;
    case "scan":
        report = await ScanWorkload.RunAsync(options);
        break;
    case "web":
        report = await WebWorkload.RunAsync(options);
        break;
    case "kv":
        report = await KvWorkload.RunAsync(options);
        break;
    case "hashtable":
        report = await HashTableWorkload.RunAsync(options);
        break;
    case "eviction":
        report = await EvictionWorkload.RunAsync(options);
        break;
    case "evacuation":
        report = await EvacuationWorkload.RunAsync(options);
        break;
    case "offload":
        report = await OffloadWorkload.RunAsync(options);
        break;
    case "taxi":
        report = await TaxiWorkload.RunAsync(options);
        break;
    default:
        Console.Error.WriteLine($"Unknown workload '{options.Workload}'. Available: loopback, deref, scan, web, kv, evacuation, eviction, hashtable, offload, taxi.");
        Console.Error.WriteLine("Usage: dotnet run -c Release --project benchmarks/FarMemory.Bench -- <workload> [--quick] [--json PATH] [--size BYTES] [--local-ratio R[,R...]] [--server host:port]");
        return 2;
}

report.Print();
if (options.PlotPath != null)
{
    ThroughputPlot.Save(report, options.PlotPath);
    Console.WriteLine($"wrote {options.PlotPath}");
}

if (options.JsonPath != null)
{
    report.Write(options.JsonPath);
    Console.WriteLine($"wrote {options.JsonPath}");
}

return 0;
