using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using MeanFlow.Data;
using MeanFlow.Fields;
using MeanFlow.Losses;
using MeanFlow.Models.Layers;
using MeanFlow.Objectives;
using MeanFlow.Sampling;
using MeanFlow.TimeSampling;
using MeanFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

// The ablation harness behind docs/articles/results-toy2d.md: trains ONE model (flow matching or MeanFlow) on a toy
// distribution with the Toy2D recipe (AdamW β = (0.9, 0.95), warm-up then cosine to 5 %, EMA 0.999, uniform times,
// fresh data every step) and a copy of MlpVelocityField with switches, so one change at a time can be measured:
//   time=raw|sin|both scale=<s> freq=<n>  time inputs (raw, sinusoidal of s·t with n frequencies, or both)
//   zeroOut=1|0 init=torch|kaiming       output layer zero or nn.Linear-initialised; first layers nn.Linear or He-normal
//   obj=fm|mf steps= batch= lr= warmup= ema= emaWarmup= beta2= wd= frac= p= c= times=uniform|logit-normal seed= threads=
// It prints the fraction of 20,000 samples on the checkerboard's squares (fm: 1 and 100 Euler steps; mf: 1 and 2 steps)
// or, on other data, the energy distance of 5,000 of them. Example:
//   dotnet run -c Release --project samples/Ablation -- obj=fm time=raw threads=1
var a = args.Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "1");
string S(string k, string d) => a.TryGetValue(k, out var v) ? v : d;
double D(string k, double d) => double.Parse(S(k, d.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
long L(string k, long d) => long.Parse(S(k, d.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

set_num_threads((int)L("threads", 2));
var objectiveName = S("obj", "fm");
var dataset = Enum.Parse<ToyDistribution>(S("data", "Checkerboard"), true);
var steps = L("steps", 4000);
var batch = (int)L("batch", 1024);
var seed = L("seed", 0);
var lr = D("lr", 2e-3);
var evalN = (int)L("eval", 20000);

manual_seed(seed);
var field = new VariantMlp(S("time", "sin"), D("scale", 1.0), (int)L("freq", 16), S("init", "torch"), S("zeroOut", "1") == "1",
    (int)L("width", 256), (int)L("depth", 4), D("inScale", 1.0));
IObjective objective = objectiveName == "fm"
    ? new FlowMatchingObjective(timeDistribution: Times())
    : new MeanFlowObjective(timeSampler: new MeanFlowTimeSampler(Times(), D("frac", 1.0)),
        weighting: new AdaptiveLossWeighting(D("p", 0.0), D("c", 1e-3)));
ITimeDistribution Times() => S("times", "uniform") == "uniform" ? new UniformTimeDistribution() : new LogitNormalTimeDistribution(D("tmean", -0.4), D("tstd", 1.0));

var options = new TrainerOptions(steps, OptimizerKind.AdamW, lr, beta1: 0.9, beta2: D("beta2", 0.95), weightDecay: D("wd", 0.0),
    warmupSteps: L("warmup", 200), decay: LearningRateDecay.Cosine, minLearningRate: lr * 0.05,
    emaDecays: new[] { D("ema", 0.999) }, emaWarmup: S("emaWarmup", "1") == "1", seed: seed * 10 + 2, logEvery: 100);
using var trainer = Trainer.Create(field, objective, options);
var data = new Generator((ulong)(seed * 10 + 2));
var watch = Stopwatch.StartNew();
var heldOut = ToyDistributions.Sample(dataset, evalN, new Generator((ulong)seed + 1000));
var noise = randn(new long[] { evalN, 2 }, generator: new Generator((ulong)seed + 2000));
trainer.Run(_ => new TrainingBatch(ToyDistributions.Sample(dataset, batch, data)));
var train = watch.Elapsed.TotalSeconds;
using (trainer.UseAverage())
{
    var results = new List<string>();
    if (objectiveName == "fm")
    {
        results.Add("fm1=" + Eval(new OdeSampler(new EulerSolver(), 1)));
        results.Add("fm100=" + Eval(new OdeSampler(new EulerSolver(), 100)));
    }
    else
    {
        results.Add("mf1=" + Eval(new MeanFlowSampler(1)));
        results.Add("mf2=" + Eval(new MeanFlowSampler(2)));
    }
    Console.WriteLine($"{string.Join(' ', args)} | {string.Join(' ', results)} | train {train:F0}s");
}

string Eval(ISampler sampler)
{
    using var scope = NewDisposeScope();
    var points = sampler.Sample(field, noise);
    return dataset switch
    {
        ToyDistribution.Checkerboard => $"{ToyDistributions.OnCheckerboard(points).to(ScalarType.Float64).mean().item<double>():P1}",
        _ => $"{MeanFlow.Evaluation.EnergyDistance.Compute(points.narrow(0, 0, 5000), heldOut.narrow(0, 0, 5000)):G3}",
    };
}

/// <summary>The library's MLP with switches for the ablation.</summary>
internal sealed class VariantMlp : DualVelocityField
{
    private static readonly DualSilu Silu = new();
    private readonly DualLinear input;
    private readonly TorchSharp.Modules.ModuleList<DualLinear> hidden;
    private readonly DualLinear output;
    private readonly string _time;
    private readonly double _scale;
    private readonly int _freq;
    private readonly double _inScale;

    internal VariantMlp(string time, double scale, int freq, string init, bool zeroOut, int width, int depth, double inScale) : base(nameof(VariantMlp))
    {
        _time = time; _scale = scale; _freq = freq; _inScale = inScale;
        var perTime = time == "raw" ? 1 : time == "both" ? 1 + 2 * freq : 2 * freq;
        input = new DualLinear(2 + 2 * perTime, width);
        hidden = new TorchSharp.Modules.ModuleList<DualLinear>(Enumerable.Range(0, depth - 1).Select(_ => new DualLinear(width, width)).ToArray());
        output = new DualLinear(width, 2);
        RegisterComponents();
        using (no_grad())
        {
            if (init == "kaiming")   // kaiming normal fan_in for SiLU-ish (gain √2), zero bias
                foreach (var l in new[] { input }.Concat(hidden).Append(output))
                {
                    l.Weight.normal_(0, Math.Sqrt(2.0 / l.InFeatures));
                    l.Bias!.zero_();
                }
            if (zeroOut) { output.Weight.zero_(); output.Bias!.zero_(); }
        }
    }

    public override Dual Forward(Dual z, Dual r, Dual t, Tensor? labels = null)
    {
        using var scope = NewDisposeScope();
        var times = TimeInputs.Of(TimeConditioning.TimeAndInterval, r, t);
        var parts = new List<Dual> { z };
        foreach (var time in times)
        {
            if (_time is "raw" or "both") parts.Add(Unsq(time));
            if (_time is "sin" or "both") parts.Add(FrequencyEmbedding.Apply(time, 2L * _freq, _scale));
        }
        var x = Dual.Cat(parts.ToArray(), 1);
        var h = input.call(x);
        if (_inScale != 1.0) h = new Dual(h.Primal * _inScale, h.Tangent is null ? null : h.Tangent * _inScale);
        foreach (var layer in hidden) h = layer.call(Silu.call(h));
        return output.call(Silu.call(h)).MoveToOuter(scope);
    }

    private static Dual Unsq(Dual d) => new(d.Primal.unsqueeze(1), d.Tangent?.unsqueeze(1));
}
