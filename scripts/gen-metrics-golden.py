#!/usr/bin/python3
"""Golden values for lib/metrics from scikit-learn (dev tool; never a runtime dependency).

Run with Debian's interpreter, which has python3-sklearn:

    /usr/bin/python3 scripts/gen-metrics-golden.py

Writes test/fixtures/metrics-golden.json. Small cases store their inputs verbatim. Larger cases store a recipe
(a 32-bit LCG seed and shape parameters) that test/metrics/golden-cases.ts reproduces bit for bit, plus a
checksum of the generated inputs so that a drift between the two generators fails loudly rather than
comparing different data. Curves longer than FULL_CURVE_MAX points are stored as their length, their sum and
a set of sampled points, which keeps the fixture small (< 500 KB) while still pinning every region of the curve.
"""
import json
import math
import os
import sys

import numpy as np
import sklearn
from sklearn.metrics import (
    auc,
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "metrics-golden.json")
FULL_CURVE_MAX = 600
SAMPLES = 64


class Lcg:
    """Numerical Recipes' 32-bit LCG; mirrored in test/metrics/golden-cases.ts."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def next_unit(self):
        self.state = (1664525 * self.state + 1013904223) & 0xFFFFFFFF
        return self.state / 4294967296.0


def generate(recipe):
    """Scores with some signal: positives are shifted up by `shift`. Every operation is a single IEEE-754
    double operation, so JavaScript reproduces the same bits."""
    rng = Lcg(recipe["seed"])
    n = recipe["n"]
    positives = set(recipe.get("positiveIndices", []))
    labels = np.zeros(n, dtype=np.int64)
    scores = np.zeros(n, dtype=np.float64)
    for i in range(n):
        a = rng.next_unit()
        b = rng.next_unit()
        if "positiveIndices" in recipe:
            y = 1 if i in positives else 0
        else:
            y = 1 if a < recipe["rate"] else 0
        s = b + recipe["shift"] * y
        if recipe.get("levels"):
            s = math.floor(s * recipe["levels"]) / recipe["levels"]
        s = s * recipe.get("scale", 1.0) + recipe.get("offset", 0.0)
        labels[i] = y
        scores[i] = s
    return labels, scores


def from_ranks(n, positive_ranks):
    """Rank 1 is the highest score; scores n, n-1, ..., 1 so every score is distinct."""
    scores = np.arange(n, 0, -1, dtype=np.float64)
    labels = np.zeros(n, dtype=np.int64)
    for r in positive_ranks:
        labels[r - 1] = 1
    return labels, scores


def encode_array(values):
    values = [float(v) for v in values]
    if len(values) <= FULL_CURVE_MAX:
        return {"values": values}
    idx = sorted(set(np.linspace(0, len(values) - 1, SAMPLES).round().astype(int).tolist()))
    return {
        "length": len(values),
        "sum": math.fsum(values),
        "sampleIndices": idx,
        "samples": [values[i] for i in idx],
    }


def reference(labels, scores):
    out = {"positives": int(labels.sum()), "negatives": int((1 - labels).sum())}
    if out["negatives"] > 0 and out["positives"] > 0:
        fpr, tpr, thr = roc_curve(labels, scores, drop_intermediate=False)
        out["roc"] = {"fpr": encode_array(fpr), "tpr": encode_array(tpr), "thresholds": encode_array(thr)}
        out["auroc"] = float(roc_auc_score(labels, scores))
    if out["positives"] > 0:
        precision, recall, thr = precision_recall_curve(labels, scores)
        out["pr"] = {
            "precision": encode_array(precision),
            "recall": encode_array(recall),
            "thresholds": encode_array(thr),
        }
        out["auprcTrapezoid"] = float(auc(recall, precision))
        out["averagePrecision"] = float(average_precision_score(labels, scores))
    return out


def inline_case(name, labels, scores):
    labels = np.asarray(labels, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    case = {"name": name, "input": {"labels": labels.tolist(), "scores": [float(s) for s in scores]}}
    case.update(reference(labels, scores))
    return case


def recipe_case(name, recipe):
    labels, scores = generate(recipe)
    case = {
        "name": name,
        "recipe": recipe,
        "inputChecksum": {"n": len(scores), "positives": int(labels.sum()), "scoreSum": math.fsum(scores)},
    }
    case.update(reference(labels, scores))
    return case


def ranks_case(name, n, positive_ranks):
    labels, scores = from_ranks(n, positive_ranks)
    case = {"name": name, "ranks": {"n": n, "positiveRanks": positive_ranks}}
    case.update(reference(labels, scores))
    return case


def main():
    cases = [
        inline_case("tiny n=2", [0, 1], [0.2, 0.7]),
        inline_case("tiny n=2 misranked", [1, 0], [0.2, 0.7]),
        inline_case("tiny n=2 tied across classes", [1, 0], [0.5, 0.5]),
        inline_case("tiny n=3", [1, 0, 1], [0.1, 0.4, 0.35]),
        inline_case("tiny n=3 all tied", [0, 1, 1], [3.0, 3.0, 3.0]),
        inline_case("sklearn docstring example", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
        inline_case("negative, zero and -0 scores", [1, 0, 0, 1, 0, 1], [-2.5, -0.0, 0.0, 0.0, 1e-300, -1e300]),
        inline_case("no negatives (PR only)", [1, 1, 1, 1], [0.3, 0.1, 0.3, 0.9]),
        recipe_case("random n=300", {"seed": 1, "n": 300, "rate": 0.3, "shift": 0.4}),
        recipe_case("heavy ties n=2000 (6 levels)", {"seed": 2, "n": 2000, "rate": 0.2, "shift": 0.3, "levels": 6}),
        recipe_case("ties n=500 (3 levels, negative offset)",
                    {"seed": 3, "n": 500, "rate": 0.5, "shift": 0.2, "levels": 3, "scale": 7.0, "offset": -4.0}),
        recipe_case("random n=3000, mixed signs", {"seed": 8, "n": 3000, "rate": 0.4, "shift": 0.1, "scale": 2e3, "offset": -1e3}),
        recipe_case("extreme imbalance 3 of 5000",
                    {"seed": 4, "n": 5000, "positiveIndices": [17, 2500, 4999], "shift": 0.5}),
        recipe_case("extreme imbalance 3 of 5000, tied",
                    {"seed": 5, "n": 5000, "positiveIndices": [0, 1234, 3333], "shift": 0.2, "levels": 40}),
        recipe_case("random n=1e5", {"seed": 6, "n": 100000, "rate": 0.1, "shift": 0.25}),
        recipe_case("ties n=1e5 (1000 levels)", {"seed": 7, "n": 100000, "rate": 0.05, "shift": 0.1, "levels": 1000}),
        ranks_case("paper Fig. 2 realisation, classifier A", 1000, [1, 2, 3, 4, 5, 6, 7, 8, 10, 12]),
        ranks_case("paper Fig. 2 realisation, classifier B", 1000, [2, 4, 5, 9, 10, 11, 15, 24, 25, 29]),
    ]
    fixture = {
        "generator": "scripts/gen-metrics-golden.py",
        "sklearnVersion": sklearn.__version__,
        "numpyVersion": np.__version__,
        "python": sys.version.split()[0],
        "notes": [
            "roc: sklearn roc_curve(drop_intermediate=False); sklearn < 1.3 sets thresholds[0] = max(score) + 1,"
            " lib/metrics uses +Infinity as sklearn >= 1.3 does, so thresholds[0] is compared separately",
            "auprcTrapezoid: auc(recall, precision) on precision_recall_curve; averagePrecision:"
            " average_precision_score; auroc: roc_auc_score",
            "curves longer than %d points are stored as length, fsum and %d sampled points" % (FULL_CURVE_MAX, SAMPLES),
        ],
        "cases": cases,
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1, allow_nan=False)
        f.write("\n")
    print("wrote %s (%d bytes, %d cases, sklearn %s)" % (OUT, os.path.getsize(OUT), len(cases), sklearn.__version__))


if __name__ == "__main__":
    main()
