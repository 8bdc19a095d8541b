#!/usr/bin/env python3
"""Golden fixture for lib/train/logistic-regression.ts: scikit-learn's LogisticRegression(solver='lbfgs') fitted to
tight tolerance on small generated problems (features float32, as the linear probe's are).

Usage: npm run golden:logistic   (writes test/fixtures/train-logistic-golden.json; Debian python3-sklearn)
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression


def case(name, n, d, C, seed, prevalence=0.5, separation=1.0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < prevalence).astype(np.int64)
    centers = rng.normal(size=(2, d)) * separation
    x = (rng.normal(size=(n, d)) + centers[y]).astype(np.float32)
    model = LogisticRegression(C=C, solver="lbfgs", tol=1e-12, max_iter=100000)
    model.fit(x.astype(np.float64), y)
    return {
        "name": name,
        "C": C,
        "n": n,
        "d": d,
        "x": [float(v) for v in x.reshape(-1)],
        "y": [int(v) for v in y],
        "coef": [float(v) for v in model.coef_[0]],
        "intercept": float(model.intercept_[0]),
        "decision": [float(v) for v in model.decision_function(x.astype(np.float64))],
    }


cases = [
    case("balanced d=8 C=1", 120, 8, 1.0, 1),
    case("imbalanced 80/20 d=12 C=0.01 (strong L2)", 150, 12, 0.01, 2, prevalence=0.2),
    case("nearly separable d=5 C=100", 80, 5, 100.0, 3, separation=3.0),
    case("more features than rows d=60 n=40 C=0.1", 40, 60, 0.1, 4),
]
json.dump({"generator": f"scripts/gen-logistic-golden.py, scikit-learn {sklearn.__version__}", "cases": cases}, sys.stdout)
