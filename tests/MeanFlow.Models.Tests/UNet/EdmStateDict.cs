namespace MeanFlow.Models.Tests.UNet;

/// <summary>
/// The state dict (key → shape) of EDM's SongUNet with a standard encoder and decoder, written down from the
/// architecture description in NVlabs/edm <c>training/networks.py</c> independently of the library's modules:
/// parameter counts and key names of the library's network are checked against it.
/// </summary>
internal static class EdmStateDict
{
    internal sealed record Entry(string Key, long[] Shape, bool Buffer)
    {
        internal long Count => Shape.Aggregate(1L, (a, n) => a * n);
    }

    /// <param name="mapInputs">Input width of map_layer0: the noise channels times the number of time inputs.</param>
    /// <param name="labelDim">EDM's label_dim (0: no map_label).</param>
    /// <param name="augmentDim">EDM's augment_dim (0: no map_augment); map_augment has no bias.</param>
    /// <param name="filterTaps">Length of the resampling filter (buffer shape (1, 1, L, L) in up/down convolutions).</param>
    internal static List<Entry> Of(int resolution, int inChannels, int outChannels, int modelChannels, int[] channelMult,
        int embMult, int numBlocks, int[] attnResolutions, int mapInputs, int labelDim = 0, int augmentDim = 0, int filterTaps = 2)
    {
        var entries = new List<Entry>();
        var emb = modelChannels * embMult;
        void Linear(string key, long fin, long fout, bool bias = true)
        {
            entries.Add(new Entry(key + ".weight", new[] { fout, fin }, false));
            if (bias) entries.Add(new Entry(key + ".bias", new[] { fout }, false));
        }
        void Conv(string key, long cin, long cout, long k, bool resample = false)
        {
            entries.Add(new Entry(key + ".weight", new[] { cout, cin, k, k }, false));
            entries.Add(new Entry(key + ".bias", new[] { cout }, false));
            if (resample) entries.Add(new Entry(key + ".resample_filter", new long[] { 1, 1, filterTaps, filterTaps }, true));
        }
        void Norm(string key, long c)
        {
            entries.Add(new Entry(key + ".weight", new[] { c }, false));
            entries.Add(new Entry(key + ".bias", new[] { c }, false));
        }
        void Block(string key, long cin, long cout, bool attention, bool resample)
        {
            Norm(key + ".norm0", cin);
            Conv(key + ".conv0", cin, cout, 3, resample);
            Linear(key + ".affine", emb, cout);
            Norm(key + ".norm1", cout);
            Conv(key + ".conv1", cout, cout, 3);
            if (cin != cout || resample) Conv(key + ".skip", cin, cout, 1, resample);   // resample_proj=True: always 1×1
            if (attention)
            {
                Norm(key + ".norm2", cout);
                Conv(key + ".qkv", cout, 3 * cout, 1);
                Conv(key + ".proj", cout, cout, 1);
            }
        }

        if (labelDim > 0) Linear("map_label", labelDim, mapInputs);
        if (augmentDim > 0) Linear("map_augment", augmentDim, mapInputs, bias: false);
        Linear("map_layer0", mapInputs, emb);
        Linear("map_layer1", emb, emb);

        var skips = new List<long>();
        long c = inChannels;
        for (var level = 0; level < channelMult.Length; level++)
        {
            var r = resolution >> level;
            if (level == 0)
            {
                Conv($"enc.{r}x{r}_conv", c, modelChannels, 3);
                c = modelChannels;
            }
            else Block($"enc.{r}x{r}_down", c, c, false, true);
            skips.Add(c);
            for (var i = 0; i < numBlocks; i++)
            {
                long next = modelChannels * channelMult[level];
                Block($"enc.{r}x{r}_block{i}", c, next, attnResolutions.Contains(r), false);
                c = next;
                skips.Add(c);
            }
        }
        for (var level = channelMult.Length - 1; level >= 0; level--)
        {
            var r = resolution >> level;
            if (level == channelMult.Length - 1)
            {
                Block($"dec.{r}x{r}_in0", c, c, true, false);
                Block($"dec.{r}x{r}_in1", c, c, false, false);
            }
            else Block($"dec.{r}x{r}_up", c, c, false, true);
            for (var i = 0; i <= numBlocks; i++)
            {
                var skip = skips[^1];
                skips.RemoveAt(skips.Count - 1);
                long next = modelChannels * channelMult[level];
                Block($"dec.{r}x{r}_block{i}", c + skip, next, i == numBlocks && attnResolutions.Contains(r), false);
                c = next;
            }
            if (level == 0)
            {
                Norm($"dec.{r}x{r}_aux_norm", c);
                Conv($"dec.{r}x{r}_aux_conv", c, outChannels, 3);
            }
        }
        return entries;
    }

    internal static long ParameterCount(IEnumerable<Entry> entries) => entries.Where(e => !e.Buffer).Sum(e => e.Count);
}
