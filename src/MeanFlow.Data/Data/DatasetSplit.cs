namespace MeanFlow.Data;

/// <summary>Which part of a dataset with a fixed train/test split to read.</summary>
public enum DatasetSplit
{
    /// <summary>The training images (MNIST: 60,000; CIFAR-10: data_batch_1..5).</summary>
    Train,

    /// <summary>The test images (MNIST: 10,000 't10k'; CIFAR-10: test_batch).</summary>
    Test,
}
