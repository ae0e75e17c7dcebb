"""Fréchet distance between real and generated images, measured through a feature extractor."""

from __future__ import annotations

from keras_genzoo.metrics.extractors import get_extractor, iterate_images
from keras_genzoo.metrics.frechet import FeatureStatistics, frechet_distance_from_stats
from keras_genzoo.metrics.protocol import MetricResult, load_reference, save_reference, statistics_hash
from keras_genzoo.utils.progress import progress_bar


def feature_statistics(source, extractor, n, batch_size, seed, name, verbose):
    """Streams a source through the extractor; features are folded into the sums, not kept."""
    stats = FeatureStatistics()
    show = (n is not None and n > 2000) if verbose == "auto" else bool(verbose)
    bar = progress_bar(n, unit_name="image") if show else None
    for batch in iterate_images(source, n=n, batch_size=batch_size, seed=seed, name=name):
        stats.update(extractor(batch)[0])
        if bar is not None:
            bar.update(stats.count)
    return stats


def compute_reference_statistics(real, extractor="fashion_mnist", n=None, batch_size=250, path=None,
                                 reference_split=None, weights="imagenet", verbose="auto"):
    """Feature statistics of real images (array, dataset or model), optionally saved to `path`
    (`.npz` with the protocol inside). Returns `(stats, protocol)`.

    Example:

        >>> import pathlib, shutil, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "digits_test.npz"
        >>> real = gz.data.load("digits", split="test", batch_size=120)
        >>> stats, protocol = gz.metrics.compute_reference_statistics(
        ...     real, extractor="digits", path=path, reference_split="digits:test")
        >>> stats.count, protocol["feature_dim"], protocol["reference_split"]
        (360, 128, 'digits:test')
        >>> # Later measurements read the saved statistics instead of the real images:
        >>> fake = gz.data.load("digits", split="train[:200]", batch_size=100)
        >>> result = gz.metrics.frechet_distance(path, fake, extractor="digits")
        >>> result.protocol["n_real"], result.protocol["n_fake"], result.protocol["reference_split"]
        (360, 200, 'digits:test')
        >>> shutil.rmtree(path.parent)
    """
    ex = get_extractor(extractor, weights=weights)
    stats = feature_statistics(real, ex, n, batch_size, 0, "real", verbose)
    protocol = dict(ex.protocol(), reference_split=reference_split, n_real=stats.count,
                    reference_hash=statistics_hash(stats.mean(), stats.covariance()))
    if path is not None:
        protocol = save_reference(path, stats, protocol)
    return stats, protocol


def frechet_distance(real, fake, extractor="fashion_mnist", n=10000, batch_size=250, seed=0,
                     reference_split=None, weights="imagenet", verbose="auto"):
    """The Fréchet distance between the extractor features of `real` and `fake`.

    Args:
        real: images in [0, 1] (array or `tf.data` dataset), a model, or the path of reference
            statistics saved by `compute_reference_statistics` (checked against the extractor).
        fake: images in [0, 1] or a model (its `generate`).
        extractor: `"fashion_mnist"`, `"digits"`, `"inception_v3"` or a `keras.Model`.
        n: at most this many images from each side (a model generates exactly `n`).
        batch_size: images per extractor call.
        seed: seeds generation when `fake` is a model.
        reference_split: recorded in the protocol, e.g. `"fashion_mnist:test"`.
        weights: InceptionV3 weights (`"imagenet"` or `None`).

    Returns:
        A `MetricResult` (`float(result)` is the distance) with its protocol record.

    Example:

        >>> real = gz.data.load("digits", split="test", batch_size=100)
        >>> model = gz.models.DCGAN(image_shape=(16, 16, 1), latent_dim=8, base_filters=4)
        >>> result = gz.metrics.frechet_distance(real, model, extractor="digits", n=200)
        >>> print(result)  # doctest: +ELLIPSIS
        FD (digits features) = ... (digits)
        >>> result.protocol["n_real"], result.protocol["n_fake"], result.protocol["feature_dim"]
        (200, 200, 128)
        >>> float(result) > 0.0  # an untrained generator is far from the data
        True
    """
    ex = get_extractor(extractor, weights=weights)
    if isinstance(real, (str, bytes)) or hasattr(real, "__fspath__"):
        real_stats, ref_protocol = load_reference(real, ex.protocol())
        reference_split = reference_split or ref_protocol.get("reference_split")
    else:
        real_stats = feature_statistics(real, ex, n, batch_size, seed, "real", verbose)
    fake_stats = feature_statistics(fake, ex, n, batch_size, seed, "fake", verbose)
    mu_r, c_r = real_stats.mean(), real_stats.covariance()
    value = frechet_distance_from_stats(mu_r, c_r, fake_stats.mean(), fake_stats.covariance())
    protocol = dict(
        ex.protocol(),
        metric="frechet_distance",
        n_real=real_stats.count,
        n_fake=fake_stats.count,
        reference_split=reference_split,
        seed=seed,
        reference_hash=statistics_hash(mu_r, c_r),
    )
    name = "FID (Keras-InceptionV3)" if ex.name == "inception_v3" else f"FD ({ex.name} features)"
    return MetricResult(metric=name, value=value, protocol=protocol)
