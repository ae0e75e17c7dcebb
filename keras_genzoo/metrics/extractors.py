"""Feature extractors and classifiers for the metrics, and the image sources they read.

`get_extractor(spec)` accepts:

- `"fashion_mnist"`, `"digits"`: the shipped evaluator CNNs (128-d penultimate features and
  class probabilities), for images of exactly their dataset's shape;
- `"inception_v3"`: Keras' InceptionV3 (2048-d average-pooled features, 1000 ImageNet
  class probabilities), images resized to 299x299 (bilinear), grayscale tiled to 3
  channels, Keras `preprocess_input`. Its numbers are labelled "Keras-InceptionV3": they are
  not comparable with FIDs from the TF-slim Inception graph used in papers;
- any `keras.Model`: its output is taken as the features (and, for classifier metrics, as
  class probabilities, which must be rows summing to 1).

Every source of images — arrays, `tf.data` datasets, a model's `generate` — is read in
batches of images in [0, 1], checked for shape, range and NaN.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from keras_genzoo.metrics import classifiers
from keras_genzoo.utils.progress import progress_bar

INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"


@dataclasses.dataclass
class FeatureExtractor:
    """Maps images in [0, 1] to `(features, probabilities)` (probabilities `None` when it has none).

    Made by `get_extractor`; `protocol()` gives the fields a metric records about it.

    Example:

        >>> ex = gz.metrics.get_extractor("digits")
        >>> ex.name, ex.image_shape, ex.feature_dim
        ('digits', (16, 16, 1), 128)
        >>> features, probabilities = ex(np.full((3, 16, 16, 1), 0.5, "float32"))
        >>> features.shape, probabilities.shape
        ((3, 128), (3, 10))
        >>> sorted(ex.protocol())
        ['extractor', 'feature_dim', 'input_size', 'resize', 'weights']
    """

    name: str
    weights: str
    input_size: tuple
    resize: str
    model: keras.Model
    image_shape: tuple | None  # the shape images must have (None: any, they are resized)
    has_probabilities: bool

    def __call__(self, images):
        images = np.asarray(images, np.float32)
        if self.image_shape is not None and tuple(images.shape[1:]) != tuple(self.image_shape):
            raise ValueError(
                f"The {self.name!r} extractor takes images of shape {tuple(self.image_shape)}, got {tuple(images.shape[1:])}."
            )
        out = self.model.predict_on_batch(self._prepare(images))
        if isinstance(out, (list, tuple)):
            features, probabilities = (np.asarray(o, np.float64) for o in out)
        else:  # a user model: its one output serves as features and, for classifier metrics, probabilities
            features = np.asarray(out, np.float64)
            probabilities = features if self.has_probabilities else None
        return features.reshape(len(images), -1), probabilities

    def _prepare(self, images):
        if self.name != "inception_v3":
            return images
        import tensorflow as tf

        if images.shape[-1] == 1:
            images = np.repeat(images, 3, axis=-1)
        x = tf.image.resize(images, self.input_size, method="bilinear")
        return keras.applications.inception_v3.preprocess_input(x.numpy() * 255.0)

    @property
    def feature_dim(self):
        out = self.model.outputs[0] if isinstance(self.model.outputs, list) else self.model.outputs
        return int(out.shape[-1])

    def protocol(self):
        return {
            "extractor": self.name,
            "weights": self.weights,
            "input_size": list(self.input_size),
            "resize": self.resize,
            "feature_dim": self.feature_dim,
        }


def _classifier_extractor(name):
    clf = classifiers.load_classifier(name)
    model = keras.Model(clf.inputs, [clf.get_layer(classifiers.FEATURE_LAYER).output, clf.outputs[0]])
    card = classifiers.card(name)
    return FeatureExtractor(
        name=name,
        weights=f"keras_genzoo {name} evaluator, sha256 {card['sha256'][:16]}",
        input_size=tuple(classifiers.EVALUATORS[name][:2]),
        resize="none",
        model=model,
        image_shape=classifiers.EVALUATORS[name],
        has_probabilities=True,
    )


def _inception_extractor(weights):
    try:
        net = keras.applications.InceptionV3(include_top=True, weights=weights)
    except Exception as e:  # download failures come as many types
        raise RuntimeError(
            f"Could not load InceptionV3 weights {weights!r} ({type(e).__name__}: {e}). Offline, place "
            f"{INCEPTION_WEIGHTS_FILE} in ~/.keras/models/ (Keras' cache), or pass weights=None for "
            "untrained weights (not meaningful as a metric)."
        ) from e
    model = keras.Model(net.inputs, [net.get_layer("avg_pool").output, net.outputs[0]])
    return FeatureExtractor(
        name="inception_v3",
        weights="Keras-InceptionV3 " + ("ImageNet" if weights == "imagenet" else str(weights)),
        input_size=(299, 299),
        resize="bilinear",
        model=model,
        image_shape=None,
        has_probabilities=True,
    )


def get_extractor(spec="fashion_mnist", weights="imagenet"):
    """A `FeatureExtractor` from a name (`"fashion_mnist"`, `"digits"`, `"inception_v3"`) or a `keras.Model`.

    `weights` applies to `"inception_v3"` only (`"imagenet"`, a file path, or `None`).

    Example:

        >>> ex = gz.metrics.get_extractor("digits")  # the shipped evaluator for 16x16 digits
        >>> features, probabilities = ex(np.zeros((2, 16, 16, 1), "float32"))
        >>> features.shape, probabilities.shape
        ((2, 128), (2, 10))
        >>> # Any keras.Model: its output is the feature vector.
        >>> net = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(4)])
        >>> gz.metrics.get_extractor(net).protocol()["feature_dim"]
        4
    """
    if isinstance(spec, FeatureExtractor):
        return spec
    if isinstance(spec, keras.Model):
        return FeatureExtractor(
            name=spec.name,
            weights="user model",
            input_size=tuple(spec.input_shape[1:3]),
            resize="none",
            model=spec,
            image_shape=tuple(spec.input_shape[1:]),
            has_probabilities=True,
        )
    if spec == "inception_v3":
        return _inception_extractor(weights)
    if spec in classifiers.EVALUATORS:
        return _classifier_extractor(spec)
    raise ValueError(
        f"Unknown extractor {spec!r}: expected one of {sorted(classifiers.EVALUATORS) + ['inception_v3']} or a keras.Model."
    )


# --------------------------------------------------------------------------- image sources
def check_images(x, where):
    """`x` as float32 after checking it is `(N, H, W, C)` floats in [0, 1] with no NaN/Inf."""
    x = np.asarray(x)
    if x.ndim != 4 or x.shape[0] == 0:
        raise ValueError(f"{where}: images must be (N, H, W, C) with N >= 1, got shape {x.shape}.")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{where}: images must be floats in [0, 1], got dtype {x.dtype}.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{where}: images contain NaN or Inf; expected finite values in [0, 1].")
    if x.size and (x.min() < 0.0 or x.max() > 1.0):
        raise ValueError(
            f"{where}: images must lie in [0, 1], found [{x.min():g}, {x.max():g}]; "
            "gz.data.load gives [0, 1] by default (drop image_range=(-1, 1)), and images x in [-1, 1] "
            "map to [0, 1] as (x + 1) / 2."
        )
    return x.astype(np.float32)


def image_array(source, name):
    """`source` as a non-empty `(N, H, W, C)` array (the array form of an image source)."""
    x = np.asarray(source)
    if x.ndim != 4 or len(x) == 0:
        raise ValueError(f"{name}: expected images (N, H, W, C) with N >= 1, a tf.data.Dataset, or a model; got shape {x.shape}.")
    return x


def empty_dataset_error(name):
    """The error for a `tf.data` image source that yielded nothing."""
    return ValueError(f"{name}: the dataset is empty; expected at least one batch of images.")


def iterate_images(source, n=None, batch_size=250, seed=0, name="images"):
    """Yields float32 batches in [0, 1] from an array, a `tf.data` dataset (labels dropped) or
    a model with `generate(n, seed=..., batch_size=...)`, up to `n` images in all.

    Raises:
        ValueError: a model with no `n`, an empty source, or images of the wrong shape or range.
    """
    import tensorflow as tf

    yielded = 0
    if hasattr(source, "generate") and callable(source.generate):
        if n is None:
            raise ValueError(f"{name}: pass n= (how many samples to generate) when the source is a model.")
        for i, start in enumerate(range(0, n, batch_size)):
            count = min(batch_size, n - start)
            yield check_images(source.generate(count, seed=seed + i, batch_size=count), f"{name} (generated)")
        return
    if isinstance(source, tf.data.Dataset):
        for batch in source:
            x = batch[0] if isinstance(batch, (tuple, list)) else batch
            x = check_images(x.numpy(), name)
            if n is not None:
                x = x[: n - yielded]
            if len(x):
                yielded += len(x)
                yield x
            if n is not None and yielded >= n:
                break
        if yielded == 0:
            raise empty_dataset_error(name)
        return
    x = image_array(source, name)
    x = x if n is None else x[:n]
    for start in range(0, len(x), batch_size):
        yield check_images(x[start : start + batch_size], name)


def collect(source, extractor, n=None, batch_size=250, seed=0, name="images", want="features", verbose="auto"):
    """Runs `extractor` over a source in batches; returns stacked features or probabilities.

    Shows progress (Keras' bar on a terminal, plain lines otherwise) when `verbose` is true, or with `"auto"`
    when more than 2,000 images are processed.
    """
    show = (n is not None and n > 2000) if verbose == "auto" else bool(verbose)
    bar = progress_bar(n, unit_name="image") if show else None
    out, done = [], 0
    for batch in iterate_images(source, n=n, batch_size=batch_size, seed=seed, name=name):
        features, probabilities = extractor(batch)
        if want == "probabilities":
            if probabilities is None:
                raise ValueError(f"The {extractor.name!r} extractor gives no class probabilities.")
            out.append(probabilities)
        else:
            out.append(features)
        done += len(batch)
        if bar is not None:
            bar.update(done)
    return np.concatenate(out)
