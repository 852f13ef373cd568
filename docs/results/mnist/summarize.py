#!/usr/bin/env python3
"""Tables of docs/articles/results-mnist.md from the recorded evaluations in this folder.

Each run's evaluation.json (copied here as <objective>-s<seed>-evaluation.json, with its config.json) is what
`samples/Mnist train ... --seed <seed>` wrote at the end of the run. Prints one markdown row per sampler: mean over the
seeds and the spread (half the range of 2 seeds), class accuracy and classifier Fréchet distance.
Usage: python3 docs/results/mnist/summarize.py
"""
import glob
import json
import os
import re
from collections import defaultdict

here = os.path.dirname(os.path.abspath(__file__))
rows = defaultdict(list)  # (objective, sampler) -> [(seed, nfe, accuracy, distance, seconds)]
training = defaultdict(list)
for path in sorted(glob.glob(os.path.join(here, "*-evaluation.json"))):
    objective, seed = re.match(r"(.+)-s(\d+)-evaluation\.json", os.path.basename(path)).groups()
    report = json.load(open(path))
    training[objective].append(report["trainingSeconds"])
    for sampler, r in report["results"].items():
        rows[(objective, sampler)].append((int(seed), r["functionEvaluations"], 100 * r["classAccuracy"],
                                           r["classifierFrechetDistance"], r["samplingSeconds"]))


def spread(values):
    return (max(values) - min(values)) / 2 if len(values) > 1 else float("nan")


print("| objective | sampler | NFE | seeds | class accuracy | classifier Fréchet distance | per seed (accuracy / distance) |")
print("|---|---|---:|---|---:|---:|---|")
for (objective, sampler), runs in rows.items():
    accuracies = [r[2] for r in runs]
    distances = [r[3] for r in runs]
    seeds = ", ".join(str(r[0]) for r in runs)
    per_seed = "; ".join(f"{r[2]:.2f} % / {r[3]:.1f}" for r in runs)
    mean_accuracy = sum(accuracies) / len(accuracies)
    mean_distance = sum(distances) / len(distances)
    print(f"| {objective} | {sampler} | {runs[0][1]} | {seeds} | {mean_accuracy:.2f} ± {spread(accuracies):.2f} % "
          f"| {mean_distance:.1f} ± {spread(distances):.1f} | {per_seed} |")
print()
for objective, seconds in training.items():
    print(f"training {objective}: " + ", ".join(f"{s / 60:.0f} min" for s in seconds))
