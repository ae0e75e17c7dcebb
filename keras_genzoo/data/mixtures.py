"""Two-dimensional Gaussian mixtures: the standard mode-collapse benchmarks for vector GANs.

- `ring_of_gaussians`: K equal Gaussians on a circle (the unrolled-GAN paper, Metz et al.
  2017: K = 8, radius 2, sigma 0.02; also used by VEEGAN and PacGAN).
- `grid_of_gaussians`: a k x k grid of Gaussians (VEEGAN and PacGAN: 5 x 5 on
  {-4, -2, 0, 2, 4}^2, sigma 0.05).

Each returns the samples (numpy float32 `(n, 2)`) or, with `batch_size=`, a shuffled,
batched `tf.data.Dataset` that `GAN.fit` takes directly (vectors stay in data units).
`ring_centers` / `grid_centers` give the mode centres for `gz.metrics.mixture_mode_coverage`.
"""

from __future__ import annotations

import numpy as np

from keras_genzoo.utils.validation import check_number, check_positive_int


def ring_centers(modes=8, radius=2.0):
    """`(modes, 2)` float64 centres at angles `2 pi k / modes` on a circle of `radius`.

    Example:

        >>> centers = gz.data.ring_centers()  # the unrolled-GAN ring: 8 modes, radius 2
        >>> centers.shape, centers.dtype
        ((8, 2), dtype('float64'))
        >>> centers[0].tolist(), np.linalg.norm(centers, axis=1).round(6).tolist()
        ([2.0, 0.0], [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0])
    """
    modes = check_positive_int(modes, "modes")
    radius = check_number(radius, "radius", 0.0, strict=True)
    angles = 2.0 * np.pi * np.arange(modes) / modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)


def grid_centers(size=5, spacing=2.0):
    """`(size**2, 2)` float64 centres of a `size x size` grid with `spacing`, centred on 0.

    Example:

        >>> gz.data.grid_centers(size=3, spacing=2.0).tolist()
        [[-2.0, -2.0], [-2.0, 0.0], [-2.0, 2.0],
         [0.0, -2.0], [0.0, 0.0], [0.0, 2.0],
         [2.0, -2.0], [2.0, 0.0], [2.0, 2.0]]
        >>> gz.data.grid_centers().shape  # VEEGAN/PacGAN: 5 x 5 on {-4, -2, 0, 2, 4}^2
        (25, 2)
    """
    size = check_positive_int(size, "size")
    spacing = check_number(spacing, "spacing", 0.0, strict=True)
    axis = (np.arange(size) - (size - 1) / 2.0) * spacing
    xx, yy = np.meshgrid(axis, axis, indexing="ij")
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def sample_mixture(n, centers, std, seed=None, weights=None, return_labels=False):
    """`n` samples of the isotropic Gaussian mixture with `centers` `(K, d)` and `std`.

    Args:
        n: number of samples.
        centers: `(K, d)` mode centres.
        std: the standard deviation of every component, > 0.
        seed: an int makes the draw reproducible.
        weights: optional `(K,)` mixing weights (positive, summing to 1); uniform if `None`.
        return_labels: also return the `(n,)` int component of each sample.

    Example:

        >>> x, labels = gz.data.sample_mixture(1000, [[0.0, 0.0], [5.0, 5.0]], std=0.1, seed=0,
        ...                                    weights=[0.25, 0.75], return_labels=True)
        >>> x.shape, x.dtype, labels.shape
        ((1000, 2), dtype('float32'), (1000,))
        >>> np.bincount(labels).tolist()  # about 250 and 750
        [231, 769]
    """
    n = check_positive_int(n, "n")
    std = check_number(std, "std", 0.0, strict=True)
    centers = np.asarray(centers, np.float64)
    if centers.ndim != 2 or centers.shape[0] < 1:
        raise ValueError(f"centers must be an array (K, d) with K >= 1, got shape {centers.shape}.")
    k = centers.shape[0]
    if weights is not None:
        weights = np.asarray(weights, np.float64)
        if weights.shape != (k,) or np.any(weights <= 0) or not np.isclose(weights.sum(), 1.0):
            raise ValueError(f"weights must be {k} positive numbers summing to 1, got {weights!r}.")
    rng = np.random.default_rng(seed)
    labels = rng.choice(k, size=n, p=weights)
    x = centers[labels] + std * rng.standard_normal((n, centers.shape[1]))
    x = x.astype(np.float32)
    return (x, labels) if return_labels else x


def _as_dataset(x, batch_size, seed):
    import tensorflow as tf

    batch_size = check_positive_int(batch_size, "batch_size")
    if batch_size > len(x):
        raise ValueError(f"batch_size {batch_size} is larger than n={len(x)}: no full batch can be formed.")
    ds = tf.data.Dataset.from_tensor_slices(x)
    ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    # Full batches only: a packed discriminator needs the batch divisible by its packing.
    return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def ring_of_gaussians(n, modes=8, radius=2.0, std=0.02, seed=None, batch_size=None):
    """Samples of `modes` equal Gaussians on a circle: the unrolled-GAN benchmark by default.

    Args:
        n: number of samples.
        modes: number of Gaussians, at angles `2 pi k / modes`.
        radius: radius of the circle.
        std: standard deviation of each Gaussian.
        seed: makes the samples (and the dataset's shuffling) reproducible.
        batch_size: if given, returns a shuffled `tf.data.Dataset` of full batches of that size
            (reshuffled every epoch) instead of the array.

    Returns:
        numpy float32 `(n, 2)`, or a `tf.data.Dataset` of float32 `(batch_size, 2)`.

    Example:

        >>> x = gz.data.ring_of_gaussians(1000, seed=0)
        >>> x.shape, x.dtype
        ((1000, 2), dtype('float32'))
        >>> ds = gz.data.ring_of_gaussians(1000, seed=0, batch_size=128)  # for GAN.fit
        >>> ds.element_spec.shape, sum(1 for _ in ds)  # full batches only
        (TensorShape([128, 2]), 7)
    """
    x = sample_mixture(n, ring_centers(modes, radius), std, seed=seed)
    return x if batch_size is None else _as_dataset(x, batch_size, seed)


def grid_of_gaussians(n, size=5, spacing=2.0, std=0.05, seed=None, batch_size=None):
    """Samples of a `size x size` grid of equal Gaussians (VEEGAN/PacGAN: 5 x 5, spacing 2, sigma 0.05).

    Same arguments and return value as `ring_of_gaussians`.

    Example:

        >>> x = gz.data.grid_of_gaussians(1000, seed=0)
        >>> x.shape, x.dtype
        ((1000, 2), dtype('float32'))
        >>> result = gz.metrics.mixture_mode_coverage(x, gz.data.grid_centers(), std=0.05)
        >>> float(result)  # real samples cover all 25 modes
        25.0
    """
    x = sample_mixture(n, grid_centers(size, spacing), std, seed=seed)
    return x if batch_size is None else _as_dataset(x, batch_size, seed)
