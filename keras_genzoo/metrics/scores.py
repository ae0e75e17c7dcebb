"""Inception Score, KID, precision/recall and mode coverage: the math on probabilities and
features (float64 numpy), and the functions that measure them on images or models."""

from __future__ import annotations

import numpy as np

from keras_genzoo.metrics.extractors import collect, get_extractor
from keras_genzoo.metrics.protocol import MetricResult


def _check_probabilities(p):
    p = np.asarray(p, np.float64)
    if p.ndim != 2 or p.shape[0] == 0:
        raise ValueError(f"probabilities must be (n, classes) with n >= 1, got shape {p.shape}.")
    if not np.all(np.isfinite(p)):
        raise ValueError("probabilities contain NaN or Inf; expected non-negative rows that sum to 1.")
    sums = p.sum(axis=1)
    if np.any(p < 0) or not np.allclose(sums, 1.0, atol=1e-3):
        raise ValueError(
            "probabilities must be non-negative rows that sum to 1 (a classifier's softmax output); found "
            f"values in [{p.min():g}, {p.max():g}] and row sums in [{sums.min():g}, {sums.max():g}]."
        )
    return p


def _check_feature_pair(f_real, f_fake):
    f_real, f_fake = np.asarray(f_real, np.float64), np.asarray(f_fake, np.float64)
    if f_real.ndim != 2 or f_fake.ndim != 2 or f_real.shape[1] != f_fake.shape[1]:
        raise ValueError(f"features must be (n, d) with the same d, got {f_real.shape} and {f_fake.shape}.")
    for name, f in (("real", f_real), ("fake", f_fake)):
        if not np.all(np.isfinite(f)):
            raise ValueError(f"{name} features contain NaN or Inf; expected finite numbers.")
    return f_real, f_fake


# --------------------------------------------------------------------------- Inception Score
def inception_score_from_probabilities(p, splits=10):
    """`exp(E_x KL(p(y|x) || p(y)))` per split; returns `(mean, std)` over splits.

    Always within [1, number of classes]: 1 when every prediction is the same distribution,
    the number of classes for confident predictions spread evenly over the classes.

    Example:

        >>> confident = np.eye(10)[np.arange(100) % 10]  # one-hot, all 10 classes equally often
        >>> mean, std = gz.metrics.inception_score_from_probabilities(confident, splits=2)
        >>> round(mean, 6), round(std, 6)
        (10.0, 0.0)
        >>> undecided = np.full((100, 10), 0.1)  # the same distribution for every image
        >>> round(gz.metrics.inception_score_from_probabilities(undecided, splits=1)[0], 6)
        1.0
    """
    p = _check_probabilities(p)
    if not isinstance(splits, int) or splits < 1 or splits > len(p):
        raise ValueError(f"splits must be an integer in 1..{len(p)} (the number of samples), got {splits!r}.")
    scores = []
    for part in np.array_split(p, splits):
        py = part.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = np.where(part > 0, part * (np.log(part) - np.log(py)), 0.0).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def inception_score(images_or_model, classifier="fashion_mnist", splits=10, n=10000, batch_size=250, seed=0,
                    weights="imagenet", verbose="auto"):
    """Inception Score of images (array or dataset, in [0, 1]) or of a model's samples.

    The value is the mean over `splits`, `result.std` their standard deviation.

    Example:

        >>> real = gz.data.load("digits", split="test", batch_size=100)
        >>> result = gz.metrics.inception_score(real, classifier="digits", n=200, splits=2)
        >>> 1.0 <= float(result) <= 10.0, result.std is not None
        (True, True)
        >>> result.protocol["n_fake"], result.protocol["splits"]
        (200, 2)
    """
    ex = get_extractor(classifier, weights=weights)
    p = collect(images_or_model, ex, n=n, batch_size=batch_size, seed=seed, name="images", want="probabilities",
                verbose=verbose)
    mean, std = inception_score_from_probabilities(p, splits)
    protocol = dict(ex.protocol(), metric="inception_score", n_fake=len(p), splits=splits, seed=seed)
    return MetricResult(metric=f"IS ({ex.name})", value=mean, std=std, protocol=protocol)


# --------------------------------------------------------------------------- KID
def _polynomial_kernel(x, y):
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def kid_from_features(f_real, f_fake, subsets=100, subset_size=1000, seed=0):
    """Kernel Inception Distance: the unbiased MMD^2 with kernel `(x.y / d + 1)^3`, averaged
    over `subsets` random subsets of `subset_size` from each side; returns `(mean, std)`.

    Example:

        >>> rng = np.random.default_rng(0)
        >>> f_real = rng.normal(size=(200, 16))
        >>> f_same = rng.normal(size=(200, 16))  # the same distribution
        >>> same, _ = gz.metrics.kid_from_features(f_real, f_same, subsets=10, subset_size=100)
        >>> shifted, _ = gz.metrics.kid_from_features(f_real, f_real + 1.0, subsets=10, subset_size=100)
        >>> round(same, 1), shifted > 1.0  # about 0 for the same distribution
        (0.0, True)
    """
    f_real, f_fake = _check_feature_pair(f_real, f_fake)
    m = min(subset_size, len(f_real), len(f_fake))
    if m < 2:
        raise ValueError("KID needs at least 2 samples on each side.")
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(subsets):
        x = f_real[rng.choice(len(f_real), m, replace=False)]
        y = f_fake[rng.choice(len(f_fake), m, replace=False)]
        kxx, kyy, kxy = _polynomial_kernel(x, x), _polynomial_kernel(y, y), _polynomial_kernel(x, y)
        mmd = (
            (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
            + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
            - 2.0 * kxy.mean()
        )
        values.append(mmd)
    return float(np.mean(values)), float(np.std(values))


def kernel_inception_distance(real, fake, extractor="fashion_mnist", subsets=100, subset_size=1000, n=10000,
                              batch_size=250, seed=0, weights="imagenet", verbose="auto"):
    """KID between the extractor features of real and generated images (or a model's samples).

    Example:

        >>> real = gz.data.load("digits", split="test", batch_size=100)
        >>> fake = gz.data.load("digits", split="train[:200]", batch_size=100)
        >>> result = gz.metrics.kernel_inception_distance(real, fake, extractor="digits", n=200,
        ...                                               subsets=10, subset_size=100)
        >>> print(result)  # doctest: +ELLIPSIS
        KID (digits) = ... ± ... (digits)
        >>> result.protocol["subsets"], result.protocol["subset_size"]
        (10, 100)
    """
    ex = get_extractor(extractor, weights=weights)
    f_r = collect(real, ex, n=n, batch_size=batch_size, seed=seed, name="real", verbose=verbose)
    f_g = collect(fake, ex, n=n, batch_size=batch_size, seed=seed, name="fake", verbose=verbose)
    mean, std = kid_from_features(f_r, f_g, subsets, subset_size, seed)
    protocol = dict(ex.protocol(), metric="kid", n_real=len(f_r), n_fake=len(f_g), subsets=subsets,
                    subset_size=min(subset_size, len(f_r), len(f_g)), seed=seed)
    return MetricResult(metric=f"KID ({ex.name})", value=mean, std=std, protocol=protocol)


# --------------------------------------------------------------------------- precision / recall
def _kth_neighbour_radii(f, k, chunk=1000):
    sq = np.sum(f**2, axis=1)
    radii = np.empty(len(f))
    for i in range(0, len(f), chunk):
        d2 = sq[i : i + chunk, None] + sq[None, :] - 2.0 * f[i : i + chunk] @ f.T
        radii[i : i + chunk] = np.sqrt(np.maximum(np.sort(d2, axis=1)[:, k], 0.0))  # column 0 is the point itself
    return radii


def _inside_manifold(queries, support, radii, chunk=1000):
    sq_s = np.sum(support**2, axis=1)
    inside = np.empty(len(queries), bool)
    for i in range(0, len(queries), chunk):
        q = queries[i : i + chunk]
        d2 = np.sum(q**2, axis=1)[:, None] + sq_s[None, :] - 2.0 * q @ support.T
        inside[i : i + chunk] = np.any(np.sqrt(np.maximum(d2, 0.0)) <= radii[None, :], axis=1)
    return inside


def precision_recall_from_features(f_real, f_fake, k=3):
    """k-NN precision and recall (Kynkäänniemi et al., 2019): precision is the share of
    generated samples inside the real manifold (union of balls reaching each real sample's
    k-th nearest real neighbour); recall is the share of real samples inside the generated one.

    Example:

        >>> real = np.random.default_rng(0).normal(size=(300, 2))
        >>> collapsed = 0.1 * real  # realistic samples, but only from the centre of the data
        >>> precision, recall = gz.metrics.precision_recall_from_features(real, collapsed, k=3)
        >>> precision, recall < 0.1
        (1.0, True)
    """
    f_real, f_fake = _check_feature_pair(f_real, f_fake)
    if min(len(f_real), len(f_fake)) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} samples on each side.")
    precision = float(np.mean(_inside_manifold(f_fake, f_real, _kth_neighbour_radii(f_real, k))))
    recall = float(np.mean(_inside_manifold(f_real, f_fake, _kth_neighbour_radii(f_fake, k))))
    return precision, recall


def precision_recall(real, fake, extractor="fashion_mnist", k=3, n=5000, batch_size=250, seed=0,
                     weights="imagenet", verbose="auto"):
    """k-NN precision and recall on extractor features; the value is precision, `details` has both.

    Example:

        >>> real = gz.data.load("digits", split="test", batch_size=100)
        >>> fake = gz.data.load("digits", split="train[:200]", batch_size=100)
        >>> result = gz.metrics.precision_recall(real, fake, extractor="digits", n=200)
        >>> sorted(result.details), float(result) == result.details["precision"]
        (['precision', 'recall'], True)
        >>> 0.0 <= result.details["recall"] <= 1.0
        True
    """
    ex = get_extractor(extractor, weights=weights)
    f_r = collect(real, ex, n=n, batch_size=batch_size, seed=seed, name="real", verbose=verbose)
    f_g = collect(fake, ex, n=n, batch_size=batch_size, seed=seed, name="fake", verbose=verbose)
    precision, recall = precision_recall_from_features(f_r, f_g, k)
    protocol = dict(ex.protocol(), metric="precision_recall", k=k, n_real=len(f_r), n_fake=len(f_g), seed=seed)
    return MetricResult(metric=f"precision ({ex.name})", value=precision, protocol=protocol,
                        details={"precision": precision, "recall": recall})


# --------------------------------------------------------------------------- mode coverage
def mode_coverage_from_probabilities(p, threshold=None, data_distribution=None):
    """Per-class counts of the predicted classes, the number of classes covered (share >=
    `threshold`, default 1/(10 K) for K classes), the KL divergence from the generated class
    distribution to the data's (uniform by default), and the mean top-class confidence.

    Example:

        >>> p = np.eye(10)[[0, 0, 1, 1, 2, 2, 3, 3]]  # confident samples of 4 of the 10 classes
        >>> report = gz.metrics.mode_coverage_from_probabilities(p)
        >>> report["classes_covered"], report["counts"]
        (4, [2, 2, 2, 2, 0, 0, 0, 0, 0, 0])
        >>> round(report["class_kl"], 4)  # log(10 / 4)
        0.9163
    """
    p = _check_probabilities(p)
    k = p.shape[1]
    threshold = 0.1 / k if threshold is None else float(threshold)
    counts = np.bincount(p.argmax(axis=1), minlength=k)
    share = counts / counts.sum()
    q = np.full(k, 1.0 / k) if data_distribution is None else np.asarray(data_distribution, np.float64)
    if q.shape != (k,) or np.any(q <= 0) or not np.isclose(q.sum(), 1.0):
        raise ValueError(f"data_distribution must be {k} positive shares summing to 1, got {np.asarray(q).tolist()}.")
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = float(np.sum(np.where(share > 0, share * np.log(share / q), 0.0)))
    return {
        "classes_covered": int(np.sum(share >= threshold)),
        "num_classes": k,
        "threshold": threshold,
        "counts": counts.tolist(),
        "class_kl": kl,
        "mean_confidence": float(p.max(axis=1).mean()),
    }


def mode_coverage(images_or_model, classifier="fashion_mnist", n=10000, threshold=None, data_distribution=None,
                  batch_size=250, seed=0, weights="imagenet", verbose="auto"):
    """The lecture's mode-collapse diagnosis as numbers: which classes a generator produces.

    The value is `classes_covered`; `details` has the per-class counts, `class_kl` and
    `mean_confidence`.

    Example:

        >>> model = gz.models.DCGAN(image_shape=(16, 16, 1), latent_dim=8, base_filters=4)
        >>> result = gz.metrics.mode_coverage(model, classifier="digits", n=100)
        >>> 0 <= float(result) <= 10, len(result.details["counts"]), sum(result.details["counts"])
        (True, 10, 100)
        >>> sorted(result.details)
        ['class_kl', 'classes_covered', 'counts', 'mean_confidence', 'num_classes', 'threshold']
    """
    ex = get_extractor(classifier, weights=weights)
    p = collect(images_or_model, ex, n=n, batch_size=batch_size, seed=seed, name="images", want="probabilities",
                verbose=verbose)
    details = mode_coverage_from_probabilities(p, threshold, data_distribution)
    protocol = dict(ex.protocol(), metric="mode_coverage", n_fake=len(p), seed=seed)
    return MetricResult(metric=f"classes covered ({ex.name})", value=details["classes_covered"], protocol=protocol,
                        details=details)
