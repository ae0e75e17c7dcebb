"""Mode coverage of samples from a known Gaussian mixture (the ring and grid benchmarks).

The protocol follows VEEGAN (Srivastava et al., 2017) and PacGAN (Lin et al., 2018), which
score 2,500 generated samples of a 2-D mixture of isotropic Gaussians:

- a sample is *high quality* if it lies within 3 standard deviations of its nearest
  centre (Euclidean distance / std < 3);
- each high-quality sample is assigned to that nearest centre; the mode histogram counts
  them;
- *reverse KL* is `KL(p_gen || p_data) = sum_k p_k log(p_k / q_k)`, with `p` the mode
  histogram of the high-quality samples (normalised) and `q` the mixture weights (uniform by
  default);
- a mode is *covered* when it holds at least `min_share` of all samples (default
  `1 / (10 K)`, the same rule as `gz.metrics.mode_coverage`: 1.25 % for 8 modes). The
  published rule, at least one high-quality sample, is lenient (a few stray samples count
  a mode); it is reported too, as `details["modes_with_any_sample"]`.
"""

from __future__ import annotations

import numpy as np

from keras_genzoo.metrics.protocol import MetricResult
from keras_genzoo.utils.validation import check_number


def mixture_mode_histogram(samples, centers, std, radius_in_std=3.0):
    """Nearest-centre index of every sample and whether it is within `radius_in_std * std`.

    Returns `(nearest (n,) int, high_quality (n,) bool)`.

    Example:

        >>> centers = gz.data.ring_centers(modes=4)  # (2, 0), (0, 2), (-2, 0), (0, -2)
        >>> samples = [[2.0, 0.01], [0.0, -1.99], [1.5, 0.5]]
        >>> nearest, high_quality = gz.metrics.mixture_mode_histogram(samples, centers, std=0.02)
        >>> nearest.tolist(), high_quality.tolist()
        ([0, 3, 0], [True, True, False])
    """
    x = np.asarray(samples, np.float64)
    c = np.asarray(centers, np.float64)
    d2 = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=-1)
    nearest = d2.argmin(axis=1)
    dist = np.sqrt(d2[np.arange(len(x)), nearest])
    return nearest, dist < radius_in_std * std


def mixture_mode_coverage(
    samples_or_model,
    centers,
    std,
    n=2500,
    seed=0,
    min_share=None,
    weights=None,
    radius_in_std=3.0,
):
    """How many modes of a known Gaussian mixture the samples cover, and how well.

    Args:
        samples_or_model: `(n, d)` samples, or a model with `generate(n, seed=)` (then `n`
            samples are drawn with `seed`).
        centers: `(K, d)` mode centres (e.g. `gz.data.ring_centers()`).
        std: the components' standard deviation (the ring benchmark: 0.02).
        n: samples drawn from a model (the protocol's 2,500); ignored for arrays.
        seed: seed of the model's samples.
        min_share: share of all samples a mode needs (as high-quality samples) to count as
            covered; default `1 / (10 K)`.
        weights: the mixture's `(K,)` weights, for the reverse KL; uniform when `None`.
        radius_in_std: the high-quality radius in standard deviations (3).

    Returns:
        `MetricResult` whose value is the number of modes covered. `details`:
        `high_quality_fraction`, `reverse_kl` (`inf` with no high-quality sample),
        `counts` (high-quality samples per mode), `modes_with_any_sample`, `num_modes`,
        `min_share`.

    Raises:
        ValueError: samples not `(n, d)` finite floats matching the centres' `d`, bad `std`,
            `min_share` outside (0, 1], or bad `weights`.

    Example:

        >>> centers = gz.data.ring_centers()  # the 8-mode ring, std 0.02
        >>> collapsed = gz.data.sample_mixture(2500, centers[:3], std=0.02, seed=0)  # 3 of the 8 modes
        >>> result = gz.metrics.mixture_mode_coverage(collapsed, centers, std=0.02)
        >>> float(result), result.details["modes_with_any_sample"], result.details["num_modes"]
        (3.0, 3, 8)
        >>> round(result.details["reverse_kl"], 2)  # about log(8 / 3)
        0.98
    """
    std = check_number(std, "std", 0.0, strict=True)
    c = np.asarray(centers, np.float64)
    if c.ndim != 2 or c.shape[0] < 1:
        raise ValueError(f"centers must be an array (K, d) with K >= 1, got shape {c.shape}.")
    k, d = c.shape
    if hasattr(samples_or_model, "generate"):
        x = np.asarray(samples_or_model.generate(n, seed=seed))
        source = "model"
    else:
        x = np.asarray(samples_or_model)
        source = "array"
    x = x.reshape(len(x), -1) if x.ndim > 2 else x
    if x.ndim != 2 or x.shape[1] != d or len(x) == 0:
        raise ValueError(f"samples must be a non-empty array (n, {d}) to match centers {c.shape}, got shape {x.shape}.")
    if not np.issubdtype(x.dtype, np.number) or not np.all(np.isfinite(x)):
        raise ValueError("samples must be finite numbers (found NaN, Inf or a non-numeric dtype).")
    share = 0.1 / k if min_share is None else check_number(min_share, "min_share", 0.0, strict=True, maximum=1.0)
    q = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, np.float64)
    if q.shape != (k,) or np.any(q <= 0) or not np.isclose(q.sum(), 1.0):
        raise ValueError(f"weights must be {k} positive shares summing to 1.")

    nearest, good = mixture_mode_histogram(x, c, std, radius_in_std)
    counts = np.bincount(nearest[good], minlength=k)
    total_good = int(counts.sum())
    if total_good:
        p = counts / total_good
        with np.errstate(divide="ignore", invalid="ignore"):
            reverse_kl = float(np.sum(np.where(p > 0, p * np.log(p / q), 0.0)))
    else:
        reverse_kl = float("inf")
    covered = int(np.sum(counts >= share * len(x)))
    details = {
        "high_quality_fraction": total_good / len(x),
        "reverse_kl": reverse_kl,
        "counts": counts.tolist(),
        "modes_with_any_sample": int(np.sum(counts > 0)),
        "num_modes": k,
        "min_share": float(share),
    }
    protocol = {
        "metric": "mixture_mode_coverage",
        "extractor": "none (data space)",
        "n_fake": len(x),
        "samples": source,
        "seed": seed if source == "model" else None,
        "num_modes": k,
        "std": std,
        "high_quality_radius": f"{radius_in_std:g} std (Euclidean)",
        "mode_rule": f"covered if >= {share:.4g} of all samples are high-quality samples of that mode",
        "reverse_kl": "KL(mode histogram of high-quality samples || mixture weights)",
        "reference": "VEEGAN (Srivastava et al. 2017) / PacGAN (Lin et al. 2018) 2-D mixture protocol",
    }
    return MetricResult(metric=f"modes covered (of {k})", value=covered, protocol=protocol, details=details)
