global using System.Collections.Generic;
global using MeanFlow.Fields;
global using MeanFlow.Jvp;
global using MeanFlow.Models.DiT;
global using MeanFlow.Models.Layers;
global using MeanFlow.Models.UNet;
global using static MeanFlow.Models.Testing.TangentCheck;
