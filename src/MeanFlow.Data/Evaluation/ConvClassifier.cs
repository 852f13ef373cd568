using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Evaluation;

/// <summary>
/// A small convolutional classifier for evaluating generators of small images (MNIST, Fashion-MNIST, 28×28 grey or
/// 32×32 colour): two 3×3 convolution blocks (32 and 64 channels, ReLU, 2×2 max pooling), a 128-unit hidden layer
/// (the feature space of <see cref="IFeatureExtractor.Extract"/>) and a linear read-out. Used to report the class
/// accuracy of class-conditional samples and a Fréchet distance in its feature space — a dataset-specific score,
/// not the Inception-based FID.
/// </summary>
public sealed class ConvClassifier : nn.Module<Tensor, Tensor>, IFeatureExtractor
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear hidden;
    private readonly Linear output;
    private readonly Dropout dropout;

    /// <summary>Creates the classifier.</summary>
    /// <param name="channels">Image channels C. The default is 1.</param>
    /// <param name="imageSize">Image height = width, divisible by 4. The default is 28.</param>
    /// <param name="classes">Number of classes. The default is 10.</param>
    /// <param name="featureDimension">Width of the feature layer. The default is 128.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive or the image size is not divisible by 4.</exception>
    public ConvClassifier(int channels = 1, int imageSize = 28, int classes = 10, int featureDimension = 128) : base(nameof(ConvClassifier))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureDimension, 1);
        if (imageSize < 4 || imageSize % 4 != 0)
            throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, $"imageSize must be a positive multiple of 4; got {imageSize}.");
        Channels = channels;
        ImageSize = imageSize;
        Classes = classes;
        conv1 = nn.Conv2d(channels, 32, 3, padding: 1);
        conv2 = nn.Conv2d(32, 64, 3, padding: 1);
        hidden = nn.Linear(64L * (imageSize / 4) * (imageSize / 4), featureDimension);
        output = nn.Linear(featureDimension, classes);
        dropout = nn.Dropout(0.25);
        RegisterComponents();
    }

    /// <summary>Image channels.</summary>
    public int Channels { get; }

    /// <summary>Image height and width.</summary>
    public int ImageSize { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Class logits.</summary>
    /// <param name="images">Shape (N, C, H, W), values in [0, 1].</param>
    /// <returns>Shape (N, classes).</returns>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return output.call(dropout.call(nn.functional.relu(Features(images)))).MoveToOuterDisposeScope();
    }

    /// <summary>The 128-dimensional features (pre-activation of the hidden layer).</summary>
    /// <param name="images">Shape (N, C, H, W), values in [0, 1].</param>
    /// <returns>Shape (N, F).</returns>
    public Tensor Extract(Tensor images)
    {
        using var scope = NewDisposeScope();
        return Features(images).MoveToOuterDisposeScope();
    }

    /// <summary>Most likely class of each image (evaluation mode, no gradient).</summary>
    /// <param name="images">Shape (N, C, H, W), values in [0, 1].</param>
    /// <returns>int64, shape (N,).</returns>
    public Tensor Predict(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var training = this.training;
        eval();
        var classes = call(images).argmax(1);
        if (training) train();
        return classes.MoveToOuterDisposeScope();
    }

    private Tensor Features(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != Channels || images.shape[2] != ImageSize || images.shape[3] != ImageSize)
            throw new ArgumentException($"images must have shape [N, {Channels}, {ImageSize}, {ImageSize}]; got [{string.Join(", ", images.shape)}].", nameof(images));
        var x = nn.functional.max_pool2d(nn.functional.relu(conv1.call(images)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(conv2.call(x)), 2);
        return hidden.call(x.flatten(1));
    }
}
