"""Measuring a zoo entry for its card: sample quality against the test split with the shipped
evaluator, and the family's own objective (test negative ELBO, reconstruction error).

Every number comes with its protocol record, so that a card says how it was measured.
"""

from __future__ import annotations

import platform
import time

import numpy as np

#: What is done to the images before training and evaluation.
PREPROCESSING = "uint8 pixels / 255 -> float32 in [0, 1], no resizing, no augmentation"


def test_images(dataset, n=None):
    """The test split as a float32 array in [0, 1] (the first `n` images) and its labels."""
    from keras_genzoo import data

    ds = data.load(dataset, split="test", batch_size=1000, image_range=(0, 1), shuffle=False, with_labels=True)
    xs, ys = [], []
    count = 0
    for x, y in ds:
        xs.append(x.numpy())
        ys.append(y.numpy())
        count += len(xs[-1])
        if n is not None and count >= n:
            break
    x, y = np.concatenate(xs), np.concatenate(ys)
    return (x, y) if n is None else (x[:n], y[:n])


def _samples(model, n, seed):
    """`n` samples of the model (balanced labels for conditional models) and the labels used."""
    if model.is_conditional:
        labels = np.arange(n) % int(model.num_classes)
        return model.generate(n, labels=labels, seed=seed), labels
    return model.generate(n, seed=seed), None


def sample_metrics(model, dataset, n=10000, seed=0, kid=True, verbose=False):
    """FD, KID, IS and class coverage (with the KL of the predicted-class histogram to uniform)
    of `n` samples against the first `n` test images, through the dataset's shipped evaluator.

    Returns `(metrics, notes)`: `{name: MetricResult.to_dict()}` and a list of notes on what was
    not measured and why.
    """
    from keras_genzoo import metrics
    from keras_genzoo.metrics import classifiers

    notes = []
    if dataset not in classifiers.EVALUATORS:
        return {}, [f"no shipped evaluator for {dataset!r}: sample metrics not measured"]
    real, real_labels = test_images(dataset, n)
    fake, labels = _samples(model, n, seed)
    split = f"{dataset}:test (first {len(real)} images)"
    kw = dict(n=n, seed=seed, verbose=verbose)
    out = {}
    r = metrics.frechet_distance(real, fake, extractor=dataset, reference_split=split, **kw)
    out["fd"] = r.to_dict()
    if kid:
        r = metrics.kernel_inception_distance(real, fake, extractor=dataset, subset_size=min(1000, n), **kw)
        out["kid"] = r.to_dict()
    out["is"] = metrics.inception_score(fake, classifier=dataset, splits=10, **kw).to_dict()
    out["coverage"] = metrics.mode_coverage(fake, classifier=dataset, **kw).to_dict()
    for result in out.values():
        result["protocol"]["samples"] = f"model.generate({n}, seed={seed})" + (
            ", labels cycling 0..K-1" if labels is not None else "")
    if labels is not None:
        if hasattr(metrics, "conditional_accuracy"):
            out["conditional_accuracy"] = metrics.conditional_accuracy(fake, labels, classifier=dataset).to_dict()
        else:
            notes.append("conditional accuracy not measured: gz.metrics.conditional_accuracy does not exist yet")
        if hasattr(metrics, "intra_class_frechet_distance"):
            out["intra_class_fd"] = metrics.intra_class_frechet_distance(
                real, real_labels.astype(np.int32), fake, labels.astype(np.int32), extractor=dataset).to_dict()
        else:
            notes.append("intra-class FD not measured: the package has no intra-class FD metric yet")
    return out, notes


def objective_metrics(model, dataset, n=None, batch_size=500):
    """The family's own test objective (`model.test_objective`) on the test split (all of it
    unless `n`); `{}` for families without one.

    VAE-type models: the negative ELBO (nats per image, one reparameterized sample per image);
    autoencoders: the reconstruction loss (nats per image) and the mean squared error per pixel.
    Each comes with the standard deviation of its per-batch means, from which a tolerance for a
    smaller re-measurement follows.
    """
    x, y = test_images(dataset, n)
    # at least 4 batches, so that the spread of batch means (the card's tolerance) is defined
    batch_size = max(1, min(batch_size, len(x) // 4))
    batches = []
    for i in range(0, len(x), batch_size):
        # The model's own objective, as its test step computes it (no compile needed); for
        # conditional models given the test labels.
        labels = y[i : i + batch_size].astype(np.int32) if model.is_conditional else None
        values = model.test_objective(x[i : i + batch_size], labels)
        if not values:
            return {}
        batches.append(values)
    means = {key: [b[key] for b in batches] for key in batches[0]}
    protocol = {"split": f"{dataset}:test", "n": int(len(x)), "batch_size": batch_size, "units": "nats per image"}
    spread = {key: float(np.std(v)) for key, v in means.items()}
    if "negative_elbo" in means:
        return {"test_negative_elbo": {
            "metric": "test negative ELBO", "value": float(np.mean(means["negative_elbo"])),
            "protocol": dict(protocol, std_of_batch_means=round(spread["negative_elbo"], 4),
                             estimator="one reparameterized sample of z per image; beta=%g" % model.beta
                             + ("; given the test labels" if model.is_conditional else ""))}}
    return {
        "test_reconstruction_loss": {
            "metric": "test reconstruction loss", "value": float(np.mean(means["reconstruction_loss"])),
            "protocol": dict(protocol, std_of_batch_means=round(spread["reconstruction_loss"], 4),
                             estimator=f"{model.likelihood} likelihood of decode(encode(x))")},
        "test_reconstruction_mse": {
            "metric": "test reconstruction MSE per pixel", "value": float(np.mean(means["reconstruction_mse"])),
            "protocol": dict(protocol, units="squared error per pixel, images in [0, 1]",
                             std_of_batch_means=round(spread["reconstruction_mse"], 6))},
    }


def fd_spread(model, dataset, n=1000, seeds=(101, 102, 103, 104, 105)):
    """FD of `n` samples against the first `n` test images for several seeds: the mean and
    standard deviation a small re-measurement is checked against (FD is biased upwards at
    small n, so the 10,000-sample value is not the reference for a 1,000-sample check)."""
    from keras_genzoo import metrics

    real, _ = test_images(dataset, n)
    values = []
    for seed in seeds:
        fake, _ = _samples(model, n, seed)
        values.append(float(metrics.frechet_distance(real, fake, extractor=dataset, n=n, verbose=False)))
    return {"n": n, "seeds": list(seeds), "values": [round(v, 3) for v in values],
            "mean": round(float(np.mean(values)), 3), "std": round(float(np.std(values, ddof=1)), 3)}


def machine():
    """The machine the numbers were measured on."""
    import os

    import keras

    try:
        import tensorflow as tf

        tf_version = tf.__version__
    except ImportError:  # pragma: no cover
        tf_version = None
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except OSError:  # pragma: no cover
        load = None
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average_1_5_15_min": load,
        "python": platform.python_version(),
        "keras": keras.__version__,
        "tensorflow": tf_version,
        "backend": keras.backend.backend(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
