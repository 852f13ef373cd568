global using System;
global using System.Linq;
global using TorchSharp;
global using Xunit;
global using static MeanFlow.Tests.TestTensors;
global using static TorchSharp.torch;
