using System.Collections;
using System.Collections.Generic;
using Microsoft.Build.Framework;

namespace MeanFlow.GlibcxxFix.Tests;

/// <summary>The little of MSBuild a task needs to run outside a build: it records what the task logs.</summary>
internal sealed class RecordingBuildEngine : IBuildEngine
{
    internal List<string> Messages { get; } = new();

    internal List<string> Warnings { get; } = new();

    internal List<string> Errors { get; } = new();

    public bool ContinueOnError => false;

    public int LineNumberOfTaskNode => 0;

    public int ColumnNumberOfTaskNode => 0;

    public string ProjectFileOfTaskNode => "test.proj";

    public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) =>
        throw new NotSupportedException("The task under test builds no project.");

    public void LogCustomEvent(CustomBuildEventArgs e) => Messages.Add(e.Message ?? "");

    public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Add(e.Message ?? "");

    public void LogMessageEvent(BuildMessageEventArgs e) => Messages.Add(e.Message ?? "");

    public void LogWarningEvent(BuildWarningEventArgs e) => Warnings.Add(e.Message ?? "");
}
