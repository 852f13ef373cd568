using MeanFlow.Samples;
using MeanFlow.Samples.Toy2D;

// The main job: MeanFlow vs flow matching on a 2-D distribution, embedded default, no downloads.
return SampleCommandLine.Run(Toy2DOptions.Command(options => new Toy2DExperiment(options).Run()), args);
