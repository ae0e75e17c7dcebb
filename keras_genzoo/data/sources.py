"""Where the images of a named dataset come from.

Resolution order for ``source="auto"`` (see `resolve_source`):

1. a TensorFlow Datasets copy that is already prepared in the tfds data directory;
2. a local copy: IDX files in ``$GENZOO_DATA_DIR/<name>/`` or ``$GENZOO_DATA_DIR/<name>.npz``,
   then Debian's ``/usr/share/datasets/fashion-mnist`` (package ``dataset-fashion-mnist``);
3. data bundled with a Python package (scikit-learn's digits);
4. a tfds download (``download=True``), which needs the internet.

A tfds download is tried last because, offline, it retries for minutes before failing.
No source ever stands in for another dataset: if none of them has the data, the error
lists what was tried and how to provide it.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import logging
import re
from pathlib import Path

import numpy as np

from keras_genzoo.data.catalog import DATA_DIR_ENV, DatasetSpec

logger = logging.getLogger("keras_genzoo.data")

SOURCES = ("auto", "tfds", "local", "sklearn")

_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclasses.dataclass(frozen=True)
class ResolvedSource:
    """Which source `load` uses for a dataset, and a human-readable description of it."""

    kind: str  # "tfds", "idx", "npz" or "sklearn"
    location: str
    download: bool = False

    def describe(self) -> str:
        if self.kind == "tfds":
            return f"tfds ({'download into ' if self.download else 'prepared copy in '}{self.location})"
        if self.kind == "sklearn":
            return f"scikit-learn bundled data ({self.location})"
        return f"local {self.kind.upper()} ({self.location})"


# --------------------------------------------------------------------------- IDX and npz files
def _open_maybe_gz(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path) -> np.ndarray:
    """Reads one IDX file (optionally gzipped), checking that it is complete.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the header is not IDX, or the data is shorter or longer than the header says.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"IDX file not found: {path}")
    try:
        with _open_maybe_gz(path) as f:
            raw = f.read()
    except (EOFError, OSError) as e:  # a truncated gzip stream ends early
        raise ValueError(f"IDX file {path} is truncated or corrupt ({e}); re-install or re-download it.") from e
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file: expected the magic bytes 00 00 <type> <ndim>.")
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"IDX file {path} is truncated: its header needs {header} bytes, found {len(raw)}.")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(dims)) * dtype.itemsize
    found = len(raw) - header
    if found != expected:
        raise ValueError(
            f"IDX file {path} is truncated or padded: shape {dims} needs {expected} data bytes, found {found}."
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)


def _find_idx(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / (stem + ".gz")):
        if candidate.exists():
            return candidate
    return None


def _idx_complete(folder: Path) -> bool:
    return all(_find_idx(folder, stem) is not None for pair in _IDX_FILES.values() for stem in pair)


def load_idx_split(folder: Path, split: str, image_shape: tuple):
    """Images `(N, H, W, C)` uint8 and labels `(N,)` int64 of `split` ("train"/"test") from IDX files."""
    if split not in _IDX_FILES:
        raise ValueError(f"IDX copies hold the splits 'train' and 'test', not {split!r}.")
    paths = []
    for stem in _IDX_FILES[split]:
        path = _find_idx(folder, stem)
        if path is None:
            raise FileNotFoundError(f"Missing {stem}[.gz] in {folder}.")
        paths.append(path)
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{paths[0]} has {images.shape[0]} images but {paths[1]} has {labels.shape[0]} labels.")
    images = images.reshape((-1,) + tuple(image_shape))
    return images, labels.astype(np.int64)


def load_npz_split(path: Path, split: str, spec: DatasetSpec):
    """Images and labels of `split` from an `.npz` in Keras' `x_train, y_train, x_test, y_test` layout."""
    key = {"train": "train", "test": "test", "validation": "val"}.get(split, split)
    try:
        with np.load(path, allow_pickle=False) as data:
            if f"x_{key}" not in data:
                raise ValueError(f"{path} has no array 'x_{key}' for split {split!r} (it has {sorted(data.files)}).")
            x = data[f"x_{key}"]
            y = data[f"y_{key}"] if f"y_{key}" in data else None
    except (OSError, EOFError, ValueError) as e:
        if isinstance(e, ValueError) and "has no array" in str(e):
            raise
        raise ValueError(f"Cannot read {path}: {e}") from e
    if x.ndim == 3:
        x = x[..., None]
    if x.shape[1:] != tuple(spec.image_shape) or x.dtype != np.uint8:
        raise ValueError(
            f"{path}: x_{key} must be uint8 images of shape (N, {', '.join(map(str, spec.image_shape))}), "
            f"got {x.dtype} {x.shape}."
        )
    if y is not None:
        y = y.reshape(-1).astype(np.int64)
    return x, y


# --------------------------------------------------------------------------- scikit-learn digits
DIGITS_TRAIN_SIZE = 1437  # the first 80% of scikit-learn's 1797 digits, in its own order


def load_digits_split(split: str, image_shape: tuple):
    """scikit-learn's 8x8 digits (values 0..16) as uint8 images resized (bilinear, antialiased).

    The arrays are computed once per `(split, image_shape)` and returned read-only."""
    if split not in ("train", "test"):
        raise ValueError(f"'digits' has the splits 'train' and 'test', not {split!r}.")
    return _digits_split(split, tuple(image_shape))


@functools.lru_cache(maxsize=4)
def _digits_split(split, image_shape):
    from sklearn.datasets import load_digits

    import tensorflow as tf

    bunch = load_digits()
    x = bunch.images.astype(np.float32)[..., None] / 16.0
    y = bunch.target.astype(np.int64)
    sl = slice(0, DIGITS_TRAIN_SIZE) if split == "train" else slice(DIGITS_TRAIN_SIZE, None)
    x = tf.image.resize(x[sl], image_shape[:2], method="bilinear", antialias=True).numpy()
    x = np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)
    y = y[sl].copy()
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


# --------------------------------------------------------------------------- split strings
_SPLIT_RE = re.compile(r"^(?P<name>\w+)(\[(?P<start>-?\d*%?):(?P<stop>-?\d*%?)\])?$")


def parse_split(split: str, spec: DatasetSpec):
    """Parses `"train"`, `"test[:1000]"` or `"train[10%:20%]"` into `(base, slice)` for local copies."""
    m = _SPLIT_RE.match(split) if isinstance(split, str) else None
    if not m or m.group("name") not in spec.num_examples:
        raise ValueError(
            f"Invalid split {split!r} for {spec.name!r}: expected one of {sorted(spec.num_examples)}, "
            "optionally sliced as 'train[:1000]' or 'train[10%:20%]'."
        )
    n = spec.num_examples[m.group("name")]

    def bound(text):
        if not text:
            return None
        if text.endswith("%"):
            return int(round(int(text[:-1]) * n / 100))
        return int(text)

    return m.group("name"), slice(bound(m.group("start")), bound(m.group("stop")))


# --------------------------------------------------------------------------- resolution
def _tfds_builder(spec: DatasetSpec, data_dir):
    import tensorflow_datasets as tfds

    return tfds.builder(spec.tfds_name, data_dir=data_dir)


def _local_source(spec: DatasetSpec):
    for path in spec.local_candidates():
        if path.suffix == ".npz":
            if path.is_file():
                return ResolvedSource("npz", str(path))
        elif path.is_dir() and _idx_complete(path):
            return ResolvedSource("idx", str(path))
    return None


def resolve_source(spec: DatasetSpec, source: str = "auto", data_dir=None, download: bool = True) -> ResolvedSource:
    """Picks the source `load` reads `spec` from (see the module docstring for the order).

    Raises:
        ValueError: `source` is not one of `SOURCES`, or the dataset has no such source.
        FileNotFoundError: no source has the data; the message lists every place tried.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}.")
    if source == "sklearn" or (source == "auto" and spec.sklearn):
        if not spec.sklearn:
            raise ValueError(f"{spec.name!r} does not ship with scikit-learn; only 'digits' does.")
        return ResolvedSource("sklearn", "sklearn.datasets.load_digits")
    if source == "tfds":
        if spec.tfds_name is None:
            raise ValueError(f"{spec.name!r} is not a TensorFlow Datasets dataset.")
        builder = _tfds_builder(spec, data_dir)
        return ResolvedSource("tfds", str(builder.data_dir), download=not builder.is_prepared())

    tried = []
    if source == "auto" and spec.tfds_name is not None:
        builder = _tfds_builder(spec, data_dir)
        if builder.is_prepared():
            return ResolvedSource("tfds", str(builder.data_dir))
        tried.append(f"tfds: no prepared copy in {builder.data_dir}")
    local = _local_source(spec)
    if local is not None:
        return local
    candidates = spec.local_candidates()
    tried.append(
        "local copies: "
        + (", ".join(str(p) for p in candidates) if candidates else f"none configured (${DATA_DIR_ENV} is not set)")
        + " (not found or incomplete)"
    )
    if source == "auto" and spec.tfds_name is not None and download:
        return ResolvedSource("tfds", str(_tfds_builder(spec, data_dir).data_dir), download=True)
    if source == "auto" and spec.tfds_name is not None:
        tried.append("tfds download: not attempted (download=False)")
    raise FileNotFoundError(_missing_message(spec, tried))


def _missing_message(spec: DatasetSpec, tried) -> str:
    hint = (
        f"Provide the data by one of: running with internet access so tfds can download "
        f"{spec.tfds_name!r}; placing the four IDX files (train-images-idx3-ubyte[.gz], ...) in "
        f"${DATA_DIR_ENV}/{spec.name}/; or saving x_train, y_train, x_test, y_test (uint8) to "
        f"${DATA_DIR_ENV}/{spec.name}.npz."
    )
    if spec.name == "fashion_mnist":
        hint += " On Debian: apt-get install dataset-fashion-mnist."
    return f"Dataset {spec.name!r} is not available. Tried: " + "; ".join(tried) + ". " + hint


def load_local_arrays(spec: DatasetSpec, resolved: ResolvedSource, split: str):
    """Loads the uint8 images and int64 labels of `split` from a local or bundled source."""
    base, sl = parse_split(split, spec)
    if resolved.kind == "idx":
        x, y = load_idx_split(Path(resolved.location), base, spec.image_shape)
    elif resolved.kind == "npz":
        x, y = load_npz_split(Path(resolved.location), base, spec)
    elif resolved.kind == "sklearn":
        x, y = load_digits_split(base, spec.image_shape)
    else:  # pragma: no cover - guarded by the caller
        raise AssertionError(resolved.kind)
    expected = spec.num_examples[base]
    if x.shape[0] != expected:
        raise ValueError(
            f"{resolved.describe()} holds {x.shape[0]} examples for {spec.name}[{base}], expected {expected}: "
            "the copy is incomplete or a different dataset."
        )
    x = x[sl]
    y = None if y is None else y[sl]
    if spec.num_classes is not None and y is not None and y.size and (y.min() < 0 or y.max() >= spec.num_classes):
        raise ValueError(
            f"{resolved.describe()}: labels must lie in 0..{spec.num_classes - 1}, found {y.min()}..{y.max()}."
        )
    return x, y
