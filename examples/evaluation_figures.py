"""Figures and numbers for the evaluation tutorial, on real Fashion-MNIST only.

    python examples/evaluation_figures.py --out docs/assets/evaluation

Writes `fd_vs_n.png` (the Fréchet distance between two independent samples of the *same*
distribution — train and test images — against the number of samples n: the estimator's
bias) and `numbers.json` (that curve, and IS / mode coverage / FD of real data against
deliberately collapsed sample sets).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import keras_genzoo as gz  # noqa: E402


def arrays(split):
    ds = gz.data.load("fashion_mnist", split=split, batch_size=10000, with_labels=True, image_range=(0, 1), shuffle=False)
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/evaluation")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x_train, _ = arrays("train[:10000]")
    x_test, y_test = arrays("test")
    ex = gz.metrics.get_extractor("fashion_mnist")
    f_train = np.concatenate([ex(x_train[i : i + 500])[0] for i in range(0, len(x_train), 500)])
    f_test = np.concatenate([ex(x_test[i : i + 500])[0] for i in range(0, len(x_test), 500)])

    sizes = [50, 100, 250, 500, 1000, 2500, 5000, 10000]
    curve = {}
    for n in sizes:
        values = []
        for _ in range(5 if n < 10000 else 1):
            a = f_train[rng.choice(len(f_train), n, replace=False)]
            b = f_test[rng.choice(len(f_test), n, replace=False)]
            values.append(gz.metrics.frechet_distance_from_features(a, b))
        curve[n] = (float(np.mean(values)), float(np.std(values)))
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.errorbar(sizes, [curve[n][0] for n in sizes], yerr=[curve[n][1] for n in sizes], marker="o", capsize=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("samples per side, n")
    ax.set_ylabel("Fréchet distance (evaluator features)")
    ax.set_title("FD between train and test images of Fashion-MNIST")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "fd_vs_n.png", dpi=100)
    plt.close(fig)

    # Deliberately collapsed "generators": real images of one class, of three classes, and all ten.
    names = gz.data.info("fashion_mnist").class_names
    sets = {
        "all 10 classes (real test images)": x_test[:3000],
        f"3 classes ({', '.join(names[c] for c in (1, 5, 8))})": x_test[np.isin(y_test, [1, 5, 8])][:3000],
        f"1 class ({names[1]})": x_test[y_test == 1][:1000],
    }
    collapsed = {}
    for label, images in sets.items():
        cov = gz.metrics.mode_coverage(images, classifier="fashion_mnist", n=None)
        score = gz.metrics.inception_score(images, classifier="fashion_mnist", n=None, splits=5)
        fd = gz.metrics.frechet_distance(x_train[:5000], images, extractor="fashion_mnist", n=5000)
        collapsed[label] = {
            "n": len(images),
            "classes_covered": cov.value,
            "class_kl": round(cov.details["class_kl"], 3),
            "mean_confidence": round(cov.details["mean_confidence"], 3),
            "inception_score": round(score.value, 2),
            "fd_to_train": round(float(fd), 2),
        }
    result = {
        "command": "python " + " ".join(sys.argv),
        "extractor": ex.protocol(),
        "fd_vs_n_mean_std": {str(k): [round(v[0], 3), round(v[1], 3)] for k, v in curve.items()},
        "collapsed": collapsed,
    }
    (out / "numbers.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
