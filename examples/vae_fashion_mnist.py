"""Autoencoder versus VAE on Fashion-MNIST with a 2-D latent space: figures and numbers.

    python examples/vae_fashion_mnist.py --epochs 5 --out runs/vae_2d

(The AE/VAE tutorial shows the zoo models instead: `python docs/gen_figures.py`.)

Trains an `Autoencoder` and a `VAE` (same conv networks, latent_dim=2, Bernoulli
likelihood) and writes into --out:

- `reconstructions.png`: test images (odd rows) above their VAE reconstructions (even rows);
- `manifold.png`: the VAE decoder on a 20x20 grid of z in [-3, 3]^2;
- `latent_scatter.png`: test-set latent means coloured by class, AE and VAE side by side;
- `prior_samples.png`: decodings of the same N(0, I) samples through both decoders;
- `metrics.json`: test-set negative ELBO (nats per image), seconds per epoch, and the
  prior-sampling measurement below.

The lecture's claim — prior samples decode to valid data through a VAE decoder but not
necessarily through an AE decoder — is measured two ways on the same N(0, I) samples:

1. the share of decoded samples that the project's Fashion-MNIST evaluator classifies with
   confidence >= 0.5 (and the same share for real test images, for scale);
2. the distance (L2, pixels in [0, 1]) from each decoded sample to its nearest training
   image, next to the same distance for real test images. L2 favours blurry averages, so
   this one is reported for completeness, not as the verdict.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_genzoo as gz  # noqa: E402
from keras_genzoo.utils import image_grid, save_image  # noqa: E402


def nearest_distances(queries, reference, chunk=500):
    """L2 distance from each query to its nearest reference row (both flattened)."""
    q = queries.reshape(len(queries), -1).astype(np.float64)
    r = reference.reshape(len(reference), -1).astype(np.float64)
    r_sq = np.sum(r**2, axis=1)
    out = []
    for i in range(0, len(q), chunk):
        block = q[i : i + chunk]
        d2 = np.sum(block**2, axis=1)[:, None] + r_sq[None, :] - 2.0 * block @ r.T
        out.append(np.sqrt(np.maximum(d2.min(axis=1), 0.0)))
    return np.concatenate(out)


def load_array(split, n=None):
    ds = gz.data.load("fashion_mnist", split=split, batch_size=10000, with_labels=True, image_range=(0, 1), shuffle=False)
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    x, y = np.concatenate(xs), np.concatenate(ys)
    return (x, y) if n is None else (x[:n], y[:n])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--prior-samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/vae")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = gz.data.load("fashion_mnist", batch_size=args.batch_size, image_range=(0, 1), seed=args.seed)
    test = gz.data.load("fashion_mnist", split="test", batch_size=1000, image_range=(0, 1))
    x_test, y_test = load_array("test")
    x_train_ref, _ = load_array("train", 20000)

    models, metrics = {}, {"command": "python " + " ".join(sys.argv), "epochs": args.epochs, "latent_dim": 2}
    for cls in (gz.models.Autoencoder, gz.models.VAE):
        model = cls(image_shape=(28, 28, 1), latent_dim=2, seed=args.seed)
        model.compile()
        start = time.perf_counter()
        model.fit(train, epochs=args.epochs, verbose=2)
        seconds = time.perf_counter() - start
        result = model.evaluate(test, verbose=0, return_dict=True)
        name = cls.__name__
        metrics[name] = {
            "seconds_per_epoch": round(seconds / args.epochs, 1),
            "test": {k: round(float(v), 2) for k, v in result.items()},
        }
        models[name] = model
        print(name, metrics[name])
    metrics["VAE"]["test_negative_elbo_nats"] = metrics["VAE"]["test"]["loss"]

    ae, vae = models["Autoencoder"], models["VAE"]
    # Reconstructions: 4 pairs of rows.
    x16 = x_test[:40]
    rows = np.concatenate([np.concatenate([x16[i * 10 : (i + 1) * 10], vae.reconstruct(x16[i * 10 : (i + 1) * 10])]) for i in range(4)])
    save_image(image_grid(rows, rows=8, cols=10), out / "reconstructions.png")
    # Manifold of the VAE decoder.
    grid = np.linspace(-3, 3, 20)
    zz = np.array([[a, b] for b in grid[::-1] for a in grid], np.float32)
    save_image(image_grid(vae.decode(zz), rows=20, cols=20, min_cell=28), out / "manifold.png")
    # Latent scatter, AE vs VAE.
    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    for ax, (name, model) in zip(axes, models.items()):
        codes = model.encode(x_test)
        means = codes[0] if isinstance(codes, tuple) else codes
        sc = ax.scatter(means[:, 0], means[:, 1], c=y_test, cmap="tab10", s=2)
        ax.set_title(f"{name}: test-set latent means")
        circle = plt.Circle((0, 0), 2.0, fill=False, color="k", linestyle="--")
        ax.add_patch(circle)
    fig.colorbar(sc, ax=axes, ticks=range(10), label="class")
    fig.savefig(out / "latent_scatter.png", dpi=90)
    plt.close(fig)

    # The lecture's claim, measured.
    z = ae.sample_latent(args.prior_samples, seed=args.seed + 1)
    decoded = {name: model.decode(z) for name, model in models.items()}
    save_image(
        image_grid(np.concatenate([decoded["Autoencoder"][:40], decoded["VAE"][:40]]), rows=8, cols=10),
        out / "prior_samples.png",
    )
    real_nn = nearest_distances(x_test[: args.prior_samples], x_train_ref)
    threshold = float(np.percentile(real_nn, 95))
    prior = {"reference_train_images": len(x_train_ref), "real_test_median_nn": round(float(np.median(real_nn)), 3),
             "threshold_95th_percentile_of_real": round(threshold, 3)}
    for name, images in decoded.items():
        d = nearest_distances(images, x_train_ref)
        prior[name] = {
            "median_nn": round(float(np.median(d)), 3),
            "fraction_within_threshold": round(float(np.mean(d <= threshold)), 3),
        }
        codes = models[name].encode(x_test)
        means = codes[0] if isinstance(codes, tuple) else codes
        prior[name]["latent_mean_std_of_test_codes"] = [round(float(s), 2) for s in means.std(axis=0)]
    evaluator = gz.metrics.get_extractor("fashion_mnist")
    real_p = np.concatenate([evaluator(x_test[i : i + 500])[1] for i in range(0, args.prior_samples, 500)])
    prior["real_test_confident_share"] = round(float(np.mean(real_p.max(axis=1) >= 0.5)), 3)
    for name, images in decoded.items():
        p = np.concatenate([evaluator(images[i : i + 500])[1] for i in range(0, len(images), 500)])
        prior[name]["confident_share"] = round(float(np.mean(p.max(axis=1) >= 0.5)), 3)
        prior[name]["mean_confidence"] = round(float(p.max(axis=1).mean()), 3)
        prior[name]["classes_covered"] = gz.metrics.mode_coverage_from_probabilities(p)["classes_covered"]
    metrics["prior_sampling"] = prior
    for name, model in models.items():
        model.save(out / f"{name.lower()}.keras")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
