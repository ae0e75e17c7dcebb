"""`tf.data` pipelines: named datasets (`load`), user arrays (`from_array`) and image folders
(`from_directory`), all yielding batched, prefetched float32 images in a chosen range."""

from __future__ import annotations

import dataclasses
import numbers
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_genzoo.data import sources
from keras_genzoo.data.catalog import CATALOG, get_spec
from keras_genzoo.utils.validation import check_positive_int

IMAGE_RANGES = ((-1.0, 1.0), (0.0, 1.0))
_SHUFFLE_BUFFER_STREAMED = 10_000  # for tfds streams; in-memory arrays shuffle over all examples


# --------------------------------------------------------------------------- argument checks
def check_batch_size(batch_size):
    return check_positive_int(batch_size, "batch_size")


def check_image_range(image_range):
    pair = None
    if isinstance(image_range, (tuple, list)) and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) for v in image_range
    ):
        pair = tuple(float(v) for v in image_range)
    if pair not in IMAGE_RANGES:
        raise ValueError(f"image_range must be (-1, 1) or (0, 1), got {image_range!r}.")
    return pair


def check_image_size(image_size):
    if image_size is None:
        return None
    try:
        if not isinstance(image_size, (tuple, list)) or len(image_size) != 2:
            raise ValueError
        return tuple(check_positive_int(v, "image_size") for v in image_size)
    except ValueError:
        raise ValueError(f"image_size must be a pair of positive integers (height, width), got {image_size!r}.") from None


# --------------------------------------------------------------------------- shared pipeline
def _scale(images, image_range):
    """uint8-valued [0, 255] tensors to float32 in `image_range`."""
    x = tf.cast(images, tf.float32)
    if image_range == (0.0, 1.0):
        return x / 255.0
    return x / 127.5 - 1.0


def _finish(ds, *, with_labels, batch_size, shuffle, shuffle_buffer, seed, drop_remainder, image_range, image_size):
    """Shuffles, batches, scales (and resizes) a dataset of `(uint8 image, label)` pairs; prefetches."""
    if shuffle:
        ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    def transform(x, y):
        x = _scale(x, image_range)
        if image_size is not None and tuple(x.shape[1:3]) != image_size:
            x = tf.image.resize(x, image_size, method="bilinear", antialias=True)
            x = tf.clip_by_value(x, image_range[0], image_range[1])
        return (x, y) if with_labels else x

    ds = ds.map(transform, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)


# --------------------------------------------------------------------------- named datasets
@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What `info(name)` reports about a named dataset.

    Attributes:
        name: the dataset's name.
        image_shape: `(H, W, C)` of the images `load` yields (before any `image_size` resize).
        num_classes: number of classes, or `None` for unlabelled data.
        class_names: one name per class.
        num_examples: examples per split, e.g. `{"train": 60000, "test": 10000}`.
        source: the source `load(name)` would read now, e.g. `"local IDX (/usr/share/...)"`, or
            `None` when no source has the data offline.
        description: one line about the data.

    Example:

        >>> about = gz.data.info("digits")
        >>> isinstance(about, gz.data.DatasetInfo)
        True
        >>> about.image_shape, about.num_classes, about.num_examples
        ((16, 16, 1), 10, {'train': 1437, 'test': 360})
    """

    name: str
    image_shape: tuple
    num_classes: int | None
    class_names: tuple
    num_examples: dict
    source: str | None
    description: str


def names() -> list[str]:
    """The dataset names `load` accepts.

    Example:

        >>> gz.data.names()
        ['celeb_a', 'cifar10', 'digits', 'fashion_mnist', 'mnist']
    """
    return sorted(CATALOG)


def info(name: str, data_dir=None) -> DatasetInfo:
    """Shape, classes, split sizes and the source `load(name)` would use, without loading anything.

    Example:

        >>> about = gz.data.info("digits")
        >>> about.source  # digits ship with scikit-learn: always offline
        'scikit-learn bundled data (sklearn.datasets.load_digits)'
        >>> about.class_names[:3], about.num_examples["test"]
        (('0', '1', '2'), 360)
    """
    spec = get_spec(name)
    try:
        source = sources.resolve_source(spec, "auto", data_dir=data_dir, download=False).describe()
    except FileNotFoundError:
        source = None
    return DatasetInfo(
        name=spec.name,
        image_shape=spec.image_shape,
        num_classes=spec.num_classes,
        class_names=spec.class_names,
        num_examples=dict(spec.num_examples),
        source=source,
        description=spec.description,
    )


def _tfds_dataset(spec, split, shuffle, seed, data_dir, download):
    """The real `tfds.load` path: `(uint8 image, int64 label)` pairs (label -1 for unlabelled data)."""
    import tensorflow_datasets as tfds

    ds = tfds.load(
        spec.tfds_name,
        split=split,
        data_dir=data_dir,
        download=download,
        shuffle_files=bool(shuffle),
        read_config=tfds.ReadConfig(shuffle_seed=seed),
    )
    height, width, channels = spec.image_shape

    def to_pair(example):
        image = example["image"]
        if spec.name == "celeb_a":
            # Centre 140x140 crop of the 218x178 aligned faces, as in DCGAN-style CelebA pipelines.
            image = tf.image.crop_to_bounding_box(image, 39, 19, 140, 140)
            image = tf.image.resize(image, (height, width), method="bilinear", antialias=True)
            image = tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)
        image = tf.ensure_shape(image, spec.image_shape)
        label = example["label"] if "label" in example else tf.constant(-1, tf.int64)
        return image, tf.cast(label, tf.int64)

    return ds.map(to_pair, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def load(
    name: str,
    split: str = "train",
    batch_size: int = 128,
    with_labels: bool = False,
    shuffle: bool | None = None,
    seed: int | None = None,
    image_range=(0, 1),
    drop_remainder: bool = False,
    image_size=None,
    source: str = "auto",
    data_dir=None,
    download: bool = True,
) -> tf.data.Dataset:
    """Loads a named dataset as a batched, prefetched `tf.data.Dataset` of images in [0, 1].

    Args:
        name: one of `names()`: `"fashion_mnist"`, `"mnist"`, `"cifar10"`, `"celeb_a"`, `"digits"`.
        split: `"train"`, `"test"` (`"validation"` for CelebA), optionally sliced:
            `"train[:1000]"`, `"train[10%:20%]"`.
        batch_size: examples per batch, a positive integer.
        with_labels: yield `(images, labels)` with int64 labels instead of images alone.
        shuffle: shuffle the examples (reshuffled every epoch); defaults to `True` for training
            splits and `False` otherwise.
        seed: makes the shuffled order reproducible.
        image_range: `(0, 1)` (the default: what every model's `fit`, the metrics and the
            callbacks take) or `(-1, 1)` (the tanh range, for your own code that wants it).
        drop_remainder: drop the last, smaller batch.
        image_size: optional `(height, width)` to resize to (bilinear, antialiased).
        source: `"auto"` (see `keras_genzoo.data.sources`), `"tfds"`, `"local"` or `"sklearn"`.
        data_dir: the tfds data directory (tfds' default when `None`).
        download: allow a tfds download when no prepared or local copy exists.

    Returns:
        A dataset of float32 images `(B, H, W, C)`, or `(images, labels)` pairs.

    Raises:
        ValueError: unknown name, bad split, batch size, image range or image size; a local
            copy that is truncated or has the wrong number of examples.
        FileNotFoundError: no source has the data (the message says what was tried).

    Example:

        >>> ds = gz.data.load("digits", split="train", batch_size=32, seed=0)
        >>> images = next(iter(ds))
        >>> tuple(images.shape), images.dtype.name
        ((32, 16, 16, 1), 'float32')
        >>> float(images.numpy().min()) >= 0.0 and float(images.numpy().max()) <= 1.0
        True
        >>> ds_xy = gz.data.load("digits", split="test[:10]", batch_size=10, with_labels=True)
        >>> images, labels = next(iter(ds_xy))
        >>> labels.dtype.name, labels.numpy().tolist()
        ('int64', [2, 3, 4, 5, 6, 7, 8, 9, 0, 9])
    """
    spec = get_spec(name)
    batch_size = check_batch_size(batch_size)
    image_range = check_image_range(image_range)
    image_size = check_image_size(image_size)
    if with_labels and spec.num_classes is None:
        raise ValueError(f"{name!r} has no class labels; call load({name!r}) with with_labels=False.")
    if shuffle is None:
        shuffle = split.startswith("train")
    if source == "local":
        resolved = sources._local_source(spec)
        if resolved is None:
            raise FileNotFoundError(
                sources._missing_message(spec, [f"local copies: {', '.join(map(str, spec.local_candidates()))}"])
            )
    else:
        resolved = sources.resolve_source(spec, source, data_dir=data_dir, download=download)
    sources.logger.info("Loading %s[%s] from %s", name, split, resolved.describe())

    if resolved.kind == "tfds":
        try:
            pairs = _tfds_dataset(spec, split, shuffle, seed, data_dir, download=resolved.download)
        except Exception as e:  # tfds raises many types when it cannot download or read
            if source == "tfds":
                raise
            raise FileNotFoundError(
                sources._missing_message(spec, [f"tfds download failed: {type(e).__name__}: {e}"])
            ) from e
        buffer = _SHUFFLE_BUFFER_STREAMED
    else:
        x, y = sources.load_local_arrays(spec, resolved, split)
        if x.shape[0] == 0:
            raise ValueError(f"Split {split!r} of {name!r} is empty: expected at least one example.")
        if y is None:
            y = np.full((x.shape[0],), -1, np.int64)
        pairs = tf.data.Dataset.from_tensor_slices((x, y))
        buffer = x.shape[0]
    return _finish(
        pairs,
        with_labels=with_labels,
        batch_size=batch_size,
        shuffle=shuffle,
        shuffle_buffer=buffer,
        seed=seed,
        drop_remainder=drop_remainder,
        image_range=image_range,
        image_size=image_size,
    )


# --------------------------------------------------------------------------- user data
def _check_labels(y, n, num_classes):
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"labels must have shape ({n},) to match the {n} examples, got {y.shape}.")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels must be integers (class indices), got dtype {y.dtype}.")
    if num_classes is None:
        num_classes = int(y.max()) + 1
    else:
        num_classes = check_positive_int(num_classes, "num_classes")
    if y.min() < 0 or y.max() >= num_classes:
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, found values in {y.min()}..{y.max()}.")
    return y.astype(np.int64)


def from_array(
    x,
    y=None,
    batch_size: int = 128,
    shuffle: bool = True,
    seed: int | None = None,
    image_range=(0, 1),
    input_range=None,
    drop_remainder: bool = False,
    num_classes: int | None = None,
) -> tf.data.Dataset:
    """Builds the same kind of pipeline as `load` from in-memory arrays.

    Args:
        x: images `(N, H, W, C)` — uint8 in [0, 255], or floating in [0, 1] (or in
            `input_range`) — or vectors `(N, d)` of floats, which are passed through unscaled
            (data units) for GAN/WGAN models of vector data.
        y: optional integer labels `(N,)` in `0..num_classes-1`; the dataset then yields pairs.
        batch_size: examples per batch, a positive integer.
        shuffle: shuffle the examples (reshuffled every epoch).
        seed: makes the shuffled order reproducible.
        image_range: `(0, 1)` (the default) or `(-1, 1)`, the range images are scaled to.
        input_range: the `(low, high)` range floating images are in, if not [0, 1].
        drop_remainder: drop the last, smaller batch.
        num_classes: checks labels against it; inferred as `max(y) + 1` when `None`.

    Raises:
        ValueError: wrong rank or dtype, NaN/Inf, values outside the stated range, an empty
            array, or labels of the wrong shape, dtype or range.

    Example:

        >>> x = np.random.default_rng(0).integers(0, 256, size=(10, 8, 8, 1), dtype=np.uint8)
        >>> ds = gz.data.from_array(x, y=np.arange(10) % 2, batch_size=4, shuffle=False)
        >>> images, labels = next(iter(ds))
        >>> tuple(images.shape), images.dtype.name, labels.numpy().tolist()
        ((4, 8, 8, 1), 'float32', [0, 1, 0, 1])
        >>> [int(batch.shape[0]) for batch, _ in ds]
        [4, 4, 2]
        >>> vectors = gz.data.from_array(np.ones((6, 2), "float32"), batch_size=3)  # data units, unscaled
        >>> next(iter(vectors)).shape
        TensorShape([3, 2])
    """
    x = np.asarray(x)
    batch_size = check_batch_size(batch_size)
    image_range = check_image_range(image_range)
    if x.ndim not in (2, 4):
        hint = " For grayscale images add a channel axis: x[..., None]." if x.ndim == 3 else ""
        raise ValueError(f"x must be images (N, H, W, C) or vectors (N, d), got an array of shape {x.shape}.{hint}")
    if x.shape[0] == 0:
        raise ValueError("x is empty: expected at least one example.")
    if not (x.dtype == np.uint8 or np.issubdtype(x.dtype, np.floating)):
        raise ValueError(f"x must be uint8 (images in [0, 255]) or floating point, got dtype {x.dtype}.")
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(f"x contains {bad} NaN or Inf values; expected finite numbers.")
    labels = None if y is None else _check_labels(y, x.shape[0], num_classes)

    if x.ndim == 2:  # vectors: data units, no scaling
        if input_range is not None:
            raise ValueError("input_range applies to images; vectors (N, d) are used as they are.")
        values = x.astype(np.float32)
        transform = None
    elif x.dtype == np.uint8:
        if input_range is not None:
            raise ValueError("input_range is for floating images; uint8 images are always read as [0, 255].")
        values, transform = x, "uint8"
    else:
        low, high = (0.0, 1.0) if input_range is None else tuple(float(v) for v in input_range)
        if not high > low:
            raise ValueError(f"input_range must be (low, high) with high > low, got {input_range!r}.")
        if x.min() < low or x.max() > high:
            raise ValueError(
                f"floating images must lie in [{low:g}, {high:g}], found values in [{x.min():g}, {x.max():g}]; "
                "pass input_range=(low, high) for another range, or uint8 images in [0, 255]."
            )
        # Straight to [0, 1] (exact for float images already in [0, 1]), then to image_range.
        values = ((x.astype(np.float64) - low) / (high - low)).astype(np.float32)
        transform = "unit"

    ds = tf.data.Dataset.from_tensor_slices((values, labels if labels is not None else np.full(len(x), -1, np.int64)))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    def finish(v, lab):
        if transform == "uint8":
            v = _scale(v, image_range)
        elif transform == "unit" and image_range == (-1.0, 1.0):
            v = v * 2.0 - 1.0
        return (v, lab) if labels is not None else v

    return ds.map(finish, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(tf.data.AUTOTUNE)


def from_directory(
    path,
    image_size,
    batch_size: int = 128,
    color_mode: str = "rgb",
    with_labels: bool = False,
    shuffle: bool = True,
    seed: int | None = None,
    image_range=(0, 1),
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """Images from a folder (one sub-folder per class when `with_labels`), via
    `keras.utils.image_dataset_from_directory`, resized (bilinear, centre-cropped to the
    aspect ratio) to `image_size` and scaled to `image_range` ([0, 1] by default).

    Raises:
        FileNotFoundError: `path` is not a directory.
        ValueError: bad `image_size`, `batch_size`, `image_range` or `color_mode`, or no images found.

    Example:

        >>> import os, shutil, tempfile
        >>> root = tempfile.mkdtemp()
        >>> for label in ("cats", "dogs"):  # one sub-folder per class
        ...     os.makedirs(os.path.join(root, label))
        ...     for i in range(3):
        ...         image = np.zeros((12, 10, 3), "uint8")
        ...         keras.utils.save_img(os.path.join(root, label, f"{i}.png"), image)
        >>> ds = gz.data.from_directory(root, image_size=(8, 8), batch_size=4, with_labels=True,
        ...                             shuffle=False)
        >>> images, labels = next(iter(ds))
        >>> tuple(images.shape), labels.numpy().tolist()
        ((4, 8, 8, 3), [0, 0, 0, 1])
        >>> shutil.rmtree(root)
    """
    import keras

    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(
            f"Image directory not found: {path}; expected a folder of images (one sub-folder per class for labels)."
        )
    image_size = check_image_size(image_size)
    if image_size is None:
        raise ValueError("from_directory needs image_size=(height, width): images are resized to one size.")
    batch_size = check_batch_size(batch_size)
    image_range = check_image_range(image_range)
    if color_mode not in ("rgb", "grayscale", "rgba"):
        raise ValueError(f"color_mode must be 'rgb', 'grayscale' or 'rgba', got {color_mode!r}.")
    ds = keras.utils.image_dataset_from_directory(
        str(path),
        labels="inferred" if with_labels else None,
        label_mode="int",
        color_mode=color_mode,
        batch_size=None,
        image_size=image_size,
        shuffle=False,
        interpolation="bilinear",
        crop_to_aspect_ratio=True,
        verbose=False,
    )
    count = int(ds.cardinality())
    if count == 0:
        raise ValueError(f"No images found in {path}.")
    if with_labels:
        ds = ds.map(lambda x, y: (x, tf.cast(y, tf.int64)))
    else:
        ds = ds.map(lambda x: (x, tf.constant(-1, tf.int64)))
    return _finish(
        ds,
        with_labels=with_labels,
        batch_size=batch_size,
        shuffle=shuffle,
        shuffle_buffer=max(count, 1),
        seed=seed,
        drop_remainder=drop_remainder,
        image_range=image_range,
        image_size=None,
    )
