using System.IO;
using MeanFlow.Evaluation;

namespace MeanFlow.Tests.Evaluation;

public class ConvClassifierTests
{
    [Fact]
    public void ShapesFeaturesAndPredictions()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var classifier = new ConvClassifier();
        var images = rand(5, 1, 28, 28);
        Assert.Equal(new long[] { 5, 10 }, classifier.call(images).shape);
        Assert.Equal(new long[] { 5, 128 }, classifier.Extract(images).shape);
        var predicted = classifier.Predict(images);
        Assert.Equal(ScalarType.Int64, predicted.dtype);
        Assert.True(TestEquality(predicted, classifier.call(images).argmax(1)) || classifier.training);
        Assert.True(classifier.training);   // Predict restores the mode
        Assert.Throws<ArgumentException>(() => classifier.Extract(rand(5, 3, 28, 28)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvClassifier(imageSize: 30));
    }

    [Fact]
    public void LearnsASeparableToyProblem()
    {
        // Class 0: dark images, class 1: bright images. A few Adam steps must separate them perfectly.
        using var scope = NewDisposeScope();
        manual_seed(2);
        var classifier = new ConvClassifier(imageSize: 12, classes: 2);
        var g = new Generator(3);
        var labels = randint(0, 2, new long[] { 64 }, generator: g);
        var images = rand(new long[] { 64, 1, 12, 12 }, generator: g) * 0.3 + labels.to(float32).reshape(-1, 1, 1, 1) * 0.7;
        var optimizer = optim.Adam(classifier.parameters(), 1e-3);
        for (var step = 0; step < 30; step++)
        {
            using var inner = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.cross_entropy(classifier.call(images), labels).backward();
            optimizer.step();
        }
        Assert.True(TestEquality(classifier.Predict(images), labels));
    }

    private static bool TestEquality(Tensor a, Tensor b) => a.eq(b).all().item<bool>();
}
