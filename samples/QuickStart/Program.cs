// The README's quick start, compiled and run by CI: train a one-step MeanFlow generator on a 2-D
// checkerboard for a few hundred steps, then sample it with a single network call.
// Walkthrough: docs/articles/getting-started.md.
using System;
using MeanFlow.Data;
using MeanFlow.Models.Mlp;
using MeanFlow.Objectives;
using MeanFlow.Sampling;
using MeanFlow.Training;
using static TorchSharp.torch;

var device = cuda.is_available() ? CUDA : CPU;               // device-agnostic: the backend package decides
var field = new MlpVelocityField(dimension: 2, width: 128, depth: 3);   // the trainer moves it to the device
var objective = new MeanFlowObjective();                     // the paper's defaults: logit-normal(−0.4, 1), 25 % r ≠ t, adaptive p = 1
var options = new TrainerOptions(totalSteps: 300, learningRate: 1e-3, emaDecays: new[] { 0.99 }, device: device);
using var trainer = Trainer.Create(field, objective, options);
var data = new Generator(0);
trainer.Run(step => new TrainingBatch(ToyDistributions.Sample(ToyDistribution.Checkerboard, 256, data, device: device)));

using (trainer.UseAverage())
{
    var noise = randn(new long[] { 1000, 2 }, device: device);
    var samples = new MeanFlowSampler().Sample(field, noise); // x = ε − u(ε, 0, 1): one network call
    var onBoard = ToyDistributions.OnCheckerboard(samples).to(float32).mean().item<float>();
    Console.WriteLine($"1-NFE samples on the checkerboard's squares: {onBoard:P1}");
}
