"""Metrics of class-conditional generators: does a sample of class `y` look like class `y`?

- `conditional_accuracy`: the share of samples the evaluator classifies as the class they
  were generated for (the "classification accuracy" of AC-GAN and cGAN papers). Real test
  images with their true labels score the evaluator's own test accuracy; labels that carry
  no information score about 1/K.
- `intra_class_frechet_distance`: the Fréchet distance computed separately within each
  class (real images of class y against samples generated for y), averaged over classes
  (the "intra-FID" of Miyato & Koyama, 2018). Unlike the FD of the pooled samples, it is
  large when a generator draws the right *mix* of images but for the wrong labels.

Both accept images with labels, a `tf.data` dataset of `(images, labels)` pairs, or (for
the generated side) a model with `generate(n, labels=..., seed=...)`.
"""

from __future__ import annotations

import numpy as np

from keras_genzoo.metrics.extractors import empty_dataset_error, get_extractor, image_array, iterate_images
from keras_genzoo.metrics.frechet import FeatureStatistics, frechet_distance_from_stats
from keras_genzoo.metrics.protocol import MetricResult
from keras_genzoo.utils import labels as label_utils


def _check_images(x, name):
    """`x` as float32 images in [0, 1], checked (shape, range, NaN) like every other image source."""
    return np.concatenate(list(iterate_images(np.asarray(x), batch_size=max(len(x), 1), name=name)))


def _is_model(source):
    return hasattr(source, "generate") and callable(source.generate)


def _model_classes(model):
    if not getattr(model, "is_conditional", False):
        raise ValueError(
            f"{type(model).__name__} is not a conditional model (it has no num_classes); "
            "conditional metrics need a model that generates given labels."
        )
    return int(model.num_classes)


def _labelled_batches(source, labels, num_classes, batch_size, seed, name):
    """Yields `(images, labels)` batches from a conditional model, an array with labels, or a
    `tf.data` dataset of `(images, labels)` pairs."""
    if _is_model(source):
        for i, start in enumerate(range(0, len(labels), batch_size)):
            y = labels[start : start + batch_size]
            x = source.generate(len(y), labels=y, seed=seed + i)
            yield _check_images(x, f"{name} (generated)"), y
        return
    import tensorflow as tf

    if isinstance(source, tf.data.Dataset):
        if labels is not None:
            raise ValueError(f"{name}: pass labels with arrays only; a dataset must yield (images, labels) pairs.")
        count = 0
        for item in source:
            if not isinstance(item, (tuple, list)) or len(item) < 2:
                raise ValueError(f"{name}: the dataset yields no labels; load it with with_labels=True.")
            x = _check_images(item[0].numpy(), name)
            y = label_utils.check_labels(item[1].numpy(), num_classes, n=len(x), name=f"{name} labels")
            count += len(x)
            yield x, y
        if count == 0:
            raise empty_dataset_error(name)
        return
    x = image_array(source, name)
    if labels is None:
        raise ValueError(f"{name}: images need their labels (one integer class per image).")
    labels = label_utils.check_labels(labels, num_classes, n=len(x), name=f"{name} labels")
    for start in range(0, len(x), batch_size):
        yield _check_images(x[start : start + batch_size], name), labels[start : start + batch_size]


def _evaluator_classes(ex):
    return int(ex.model.outputs[1].shape[-1]) if isinstance(ex.model.outputs, list) and len(ex.model.outputs) > 1 \
        else int(ex.model.outputs[0].shape[-1])


# --------------------------------------------------------------------------- conditional accuracy
def conditional_accuracy_from_probabilities(probabilities, labels):
    """Accuracy of the requested labels under the evaluator's predictions: overall, per
    class (NaN for a class never requested), the confusion matrix (rows: requested class,
    columns: predicted class) and the mean probability given to the requested class.

    Example:

        >>> p = np.eye(3)[[0, 1, 2, 2]]  # the evaluator predicts classes 0, 1, 2, 2
        >>> report = gz.metrics.conditional_accuracy_from_probabilities(p, labels=[0, 1, 2, 1])
        >>> report["accuracy"], report["per_class_accuracy"]
        (0.75, [1.0, 0.5, 1.0])
        >>> report["confusion"]  # rows: requested class, columns: predicted class
        [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    """
    p = np.asarray(probabilities, np.float64)
    if p.ndim != 2 or len(p) == 0:
        raise ValueError(f"probabilities must be (n, classes) with n >= 1, got shape {p.shape}.")
    k = p.shape[1]
    y = label_utils.check_labels(labels, k, n=len(p))
    predicted = p.argmax(axis=1)
    confusion = np.zeros((k, k), np.int64)
    np.add.at(confusion, (y, predicted), 1)
    requested = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(requested > 0, np.diag(confusion) / np.maximum(requested, 1), np.nan)
    return {
        "accuracy": float(np.mean(predicted == y)),
        "per_class_accuracy": per_class.tolist(),
        "requested": requested.tolist(),
        "confusion": confusion.tolist(),
        "mean_label_probability": float(p[np.arange(len(p)), y].mean()),
    }


def conditional_accuracy(model_or_images, labels=None, classifier="fashion_mnist", n=10000, batch_size=250, seed=0,
                         weights="imagenet"):
    """The share of samples that the evaluator assigns to the class they were made for.

    Args:
        model_or_images: a conditional model (its `generate(n, labels=..., seed=...)`), images
            in [0, 1] `(N, H, W, C)` with `labels`, or a `tf.data` dataset of `(images, labels)`.
        labels: the requested classes. For a model: `None` (the default) cycles through all
            classes for `n` samples; otherwise one label per sample (`n` is then `len(labels)`).
            For images: one label per image.
        classifier: `"fashion_mnist"`, `"digits"` or a `keras.Model` with probability outputs.
        n: samples generated when `labels` is None (model only).
        seed: seeds generation (batch `i` uses `seed + i`).

    Returns:
        `MetricResult` with the accuracy; `details` has per-class accuracy, the confusion
        matrix and the mean probability of the requested class.

    Example:

        >>> # Real test images with their true labels: the evaluator's own test accuracy.
        >>> real = gz.data.load("digits", split="test", batch_size=120, with_labels=True)
        >>> result = gz.metrics.conditional_accuracy(real, classifier="digits")
        >>> float(result) > 0.5, len(result.details["per_class_accuracy"])
        (True, 10)
        >>> # A conditional model: labels cycle through its classes.
        >>> cgan = gz.models.ConditionalGAN(image_shape=(16, 16, 1), num_classes=10, latent_dim=8,
        ...                                 base_filters=4)
        >>> result = gz.metrics.conditional_accuracy(cgan, classifier="digits", n=20)
        >>> result.protocol["n_fake"], result.protocol["labels"], result.details["requested"]
        (20, 'cycling', [2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    """
    ex = get_extractor(classifier, weights=weights)
    k = _evaluator_classes(ex)
    is_model = _is_model(model_or_images)
    cycled = is_model and labels is None
    if is_model:
        num_classes = _model_classes(model_or_images)
        if num_classes > k:
            raise ValueError(f"the model has {num_classes} classes but the {ex.name!r} evaluator knows only {k}.")
        labels = label_utils.cycling_labels(n, num_classes) if cycled else label_utils.check_labels(labels, num_classes)
    else:
        num_classes = k
    probabilities, requested = [], []
    for x, y in _labelled_batches(model_or_images, labels, num_classes, batch_size, seed, "images"):
        probabilities.append(ex(x)[1])
        requested.append(y)
    details = conditional_accuracy_from_probabilities(np.concatenate(probabilities), np.concatenate(requested))
    protocol = dict(ex.protocol(), metric="conditional_accuracy", n_fake=int(sum(len(y) for y in requested)),
                    num_classes=num_classes, seed=seed if is_model else None,
                    labels="cycling" if cycled else "given")
    return MetricResult(metric=f"conditional accuracy ({ex.name})", value=details["accuracy"], protocol=protocol,
                        details=details)


# --------------------------------------------------------------------------- intra-class FD
def _class_statistics(source, labels, num_classes, ex, batch_size, seed, name):
    stats = {}
    for x, y in _labelled_batches(source, labels, num_classes, batch_size, seed, name):
        features = ex(x)[0]
        for c in np.unique(y):
            stats.setdefault(int(c), FeatureStatistics()).update(features[y == c])
    return stats


def intra_class_frechet_distance(real, real_labels=None, fake=None, fake_labels=None, extractor="fashion_mnist",
                                 n_per_class=None, batch_size=250, seed=0, reference_split=None, weights="imagenet"):
    """The Fréchet distance within each class, averaged over the classes of `real`.

    Args:
        real: real images in [0, 1] with `real_labels`, or a dataset of `(images, labels)`.
        fake: generated images with `fake_labels`, a dataset of pairs, or a conditional model,
            which generates `n_per_class` samples of every real class (default: as many as
            the real data has of that class).
        extractor: `"fashion_mnist"`, `"digits"`, `"inception_v3"` or a `keras.Model`.
        seed: seeds generation when `fake` is a model.

    Returns:
        `MetricResult`: the mean over classes; `details["per_class"]` maps each class to its
        FD, `details["n_real"]` / `details["n_fake"]` to its sample counts.

    Raises:
        ValueError: a class of the real data with fewer than 2 samples on either side.

    Example:

        >>> real = gz.data.load("digits", split="test", batch_size=120, with_labels=True)
        >>> fake = gz.data.load("digits", split="train[:400]", batch_size=100, with_labels=True)
        >>> result = gz.metrics.intra_class_frechet_distance(real, fake=fake, extractor="digits")
        >>> print(result)  # doctest: +ELLIPSIS
        intra-class FD (digits features) = ... (digits)
        >>> sorted(result.details["per_class"]) == list(range(10))
        True
        >>> result.protocol["n_real"], result.protocol["n_fake"]
        (360, 400)
    """
    if fake is None:
        raise ValueError("fake is required: generated images with fake_labels, or a conditional model.")
    ex = get_extractor(extractor, weights=weights)
    num_classes = _model_classes(fake) if _is_model(fake) else _evaluator_classes(ex)
    if not _is_model(fake) and fake_labels is not None:
        num_classes = max(num_classes, int(np.max(np.asarray(fake_labels))) + 1)
    if real_labels is not None:
        num_classes = max(num_classes, int(np.max(np.asarray(real_labels))) + 1)
    real_stats = _class_statistics(real, real_labels, num_classes, ex, batch_size, 0, "real")
    if _is_model(fake):
        if fake_labels is None:
            counts = {c: (n_per_class or s.count) for c, s in sorted(real_stats.items())}
            fake_labels = np.concatenate([np.full(m, c, np.int32) for c, m in counts.items()])
        fake_labels = label_utils.check_labels(fake_labels, num_classes)
    fake_stats = _class_statistics(fake, fake_labels, num_classes, ex, batch_size, seed, "fake")
    per_class = {}
    for c, r in sorted(real_stats.items()):
        f = fake_stats.get(c)
        if r.count < 2 or f is None or f.count < 2:
            raise ValueError(
                f"class {c} has {r.count} real and {0 if f is None else f.count} generated samples; "
                "the intra-class Fréchet distance needs at least 2 of each for every real class."
            )
        per_class[c] = frechet_distance_from_stats(r.mean(), r.covariance(), f.mean(), f.covariance())
    value = float(np.mean(list(per_class.values())))
    protocol = dict(ex.protocol(), metric="intra_class_frechet_distance",
                    n_real=int(sum(s.count for s in real_stats.values())),
                    n_fake=int(sum(s.count for s in fake_stats.values())), num_classes=len(per_class),
                    reference_split=reference_split, seed=seed)
    details = {
        "per_class": per_class,
        "n_real": {c: s.count for c, s in sorted(real_stats.items())},
        "n_fake": {c: s.count for c, s in sorted(fake_stats.items())},
    }
    name = "intra-class FID (Keras-InceptionV3)" if ex.name == "inception_v3" else f"intra-class FD ({ex.name} features)"
    return MetricResult(metric=name, value=value, protocol=protocol, details=details)
