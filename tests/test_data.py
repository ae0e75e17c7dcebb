"""The data layer: tfds path (mocked offline), local IDX/npz copies, scikit-learn digits, user arrays."""

import gzip

import numpy as np
import pytest
import tensorflow as tf

import keras_genzoo as gz
from keras_genzoo.data import sources
from tests.conftest import needs_fashion_mnist


def first(ds):
    return next(iter(ds))


# --------------------------------------------------------------------------- tfds (offline mock)
@pytest.mark.parametrize(
    "name,shape", [("fashion_mnist", (28, 28, 1)), ("mnist", (28, 28, 1)), ("cifar10", (32, 32, 3))]
)
def test_tfds_path_with_mock_data(name, shape, tmp_path):
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=10):
        ds = gz.data.load(name, batch_size=4, with_labels=True, source="tfds", data_dir=str(tmp_path))
        batches = list(ds)
    assert [int(x.shape[0]) for x, _ in batches] == [4, 4, 2]
    x, y = batches[0]
    assert tuple(x.shape[1:]) == shape and x.dtype == tf.float32 and y.dtype == tf.int64
    allx = np.concatenate([b[0].numpy() for b in batches])
    ally = np.concatenate([b[1].numpy() for b in batches])
    assert allx.min() >= 0.0 and allx.max() <= 1.0  # [0, 1] by default
    assert allx.min() < 0.5  # the mock's random pixels reach the lower half of the range
    assert ally.min() >= 0 and ally.max() <= 9
    with tfds.testing.mock_data(num_examples=10):
        tanh = gz.data.load(name, batch_size=10, shuffle=False, image_range=(-1, 1), source="tfds",
                            data_dir=str(tmp_path))
        unit = gz.data.load(name, batch_size=10, shuffle=False, source="tfds", data_dir=str(tmp_path))
        x_tanh, x_unit = first(tanh).numpy(), first(unit).numpy()
    assert np.allclose(x_tanh, 2.0 * x_unit - 1.0, atol=1e-6)  # the same pixels, asked for in [-1, 1]


def test_tfds_celeb_a_is_cropped_and_resized(tmp_path):
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=3):
        x = first(gz.data.load("celeb_a", batch_size=3, image_range=(0, 1), source="tfds", data_dir=str(tmp_path)))
    assert x.shape == (3, 64, 64, 3)
    assert float(tf.reduce_min(x)) >= 0.0 and float(tf.reduce_max(x)) <= 1.0
    with pytest.raises(ValueError, match="no class labels"):
        gz.data.load("celeb_a", with_labels=True)


def test_tfds_drop_remainder(tmp_path):
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=10):
        ds = gz.data.load("mnist", batch_size=4, drop_remainder=True, source="tfds", data_dir=str(tmp_path))
        assert [int(x.shape[0]) for x in ds] == [4, 4]


# --------------------------------------------------------------------------- Debian's Fashion-MNIST
@needs_fashion_mnist
def test_local_fashion_mnist_sizes_range_and_labels():
    assert "local IDX" in gz.data.info("fashion_mnist").source
    for split, n in (("train", 60000), ("test", 10000)):
        ds = gz.data.load("fashion_mnist", split=split, batch_size=10000, with_labels=True)
        count, lo, hi, labels = 0, 1.0, 0.0, []
        for x, y in ds:
            count += int(x.shape[0])
            lo, hi = min(lo, float(tf.reduce_min(x))), max(hi, float(tf.reduce_max(x)))
            labels.append(y.numpy())
        labels = np.concatenate(labels)
        assert count == n
        assert lo == 0.0 and hi == 1.0
        assert set(np.unique(labels)) == set(range(10))
        assert np.bincount(labels).tolist() == [n // 10] * 10  # Fashion-MNIST is balanced


@needs_fashion_mnist
def test_local_fashion_mnist_shuffle_is_deterministic_with_seed():
    def labels(seed):
        ds = gz.data.load("fashion_mnist", split="test", batch_size=500, with_labels=True, shuffle=True, seed=seed)
        return np.concatenate([y.numpy() for _, y in ds.take(4)])

    a, b, c = labels(7), labels(7), labels(8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    unshuffled = gz.data.load("fashion_mnist", split="test", batch_size=2000, with_labels=True)
    y0 = first(unshuffled)[1].numpy()
    # The first test labels of Fashion-MNIST, in file order.
    assert y0[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]


@needs_fashion_mnist
def test_split_slices():
    x = first(gz.data.load("fashion_mnist", split="test[:100]", batch_size=1000))
    assert x.shape[0] == 100
    x = first(gz.data.load("fashion_mnist", split="test[10%:20%]", batch_size=5000))
    assert x.shape[0] == 1000


# --------------------------------------------------------------------------- local copies via $GENZOO_DATA_DIR
def _write_idx(path, array, gz_=True):
    codes = {np.uint8: 0x08}
    header = bytes([0, 0, codes[np.uint8], array.ndim]) + np.array(array.shape, ">u4").tobytes()
    data = header + array.astype(np.uint8).tobytes()
    opener = gzip.open if gz_ else open
    with opener(path, "wb") as f:
        f.write(data)


@pytest.fixture
def tiny_mnist_dir(tmp_path, monkeypatch):
    """An MNIST-shaped IDX copy with the right example counts (blank images) under $GENZOO_DATA_DIR."""
    root = tmp_path / "data"
    folder = root / "mnist"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 60000), ("t10k", 10000)):
        images = np.zeros((n, 28, 28), np.uint8)
        images[:, 0, 0] = np.arange(n) % 256
        _write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        _write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, n).astype(np.uint8))
    monkeypatch.setenv("GENZOO_DATA_DIR", str(root))
    return folder


def test_genzoo_data_dir_idx_copy_is_found_and_read(tiny_mnist_dir, tmp_path):
    info = gz.data.info("mnist", data_dir=str(tmp_path / "tfds"))
    assert info.source == f"local IDX ({tiny_mnist_dir})"
    ds = gz.data.load("mnist", split="test", batch_size=256, data_dir=str(tmp_path / "tfds"))
    x = first(ds).numpy()
    assert x.shape == (256, 28, 28, 1)
    assert np.allclose(x[:, 0, 0, 0], np.arange(256) / 255.0)  # file order, exact scaling


def test_truncated_idx_file_is_reported(tiny_mnist_dir, tmp_path):
    path = tiny_mnist_dir / "t10k-images-idx3-ubyte.gz"
    with gzip.open(path, "rb") as f:
        raw = f.read()
    with gzip.open(path, "wb") as f:
        f.write(raw[:-100])
    with pytest.raises(ValueError, match=r"truncated.*needs 7840000 data bytes, found 7839900"):
        gz.data.load("mnist", split="test", data_dir=str(tmp_path / "tfds"))
    # A cut gzip stream, not only a short payload.
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        gz.data.load("mnist", split="test", data_dir=str(tmp_path / "tfds"))


def test_missing_idx_file_is_reported(tiny_mnist_dir):
    (tiny_mnist_dir / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="Missing t10k-labels-idx1-ubyte"):
        sources.load_idx_split(tiny_mnist_dir, "test", (28, 28, 1))
    with pytest.raises(FileNotFoundError, match="IDX file not found"):
        sources.read_idx(tiny_mnist_dir / "nothing-here")


def test_npz_copy_and_wrong_example_count(tmp_path, monkeypatch):
    monkeypatch.setenv("GENZOO_DATA_DIR", str(tmp_path))
    x = np.zeros((50000, 32, 32, 3), np.uint8)
    np.savez(tmp_path / "cifar10.npz", x_train=x, y_train=np.zeros(50000, np.int64),
             x_test=x[:9999], y_test=np.zeros(9999, np.int64))
    tfds_dir = str(tmp_path / "tfds")
    assert gz.data.info("cifar10", data_dir=tfds_dir).source.startswith("local NPZ")
    assert first(gz.data.load("cifar10", batch_size=8, data_dir=tfds_dir)).shape == (8, 32, 32, 3)
    with pytest.raises(ValueError, match="holds 9999 examples .* expected 10000"):
        gz.data.load("cifar10", split="test", data_dir=tfds_dir)


def test_no_source_error_lists_what_was_tried(no_local_data):
    with pytest.raises(FileNotFoundError) as err:
        gz.data.load("mnist", data_dir=str(no_local_data), download=False)
    msg = str(err.value)
    assert "Tried: tfds: no prepared copy" in msg
    assert "GENZOO_DATA_DIR" in msg and "download=False" in msg
    assert gz.data.info("fashion_mnist", data_dir=str(no_local_data)).source is None


# --------------------------------------------------------------------------- digits
def test_digits_work_offline_without_debian_package(no_local_data):
    ds = gz.data.load("digits", batch_size=2000, with_labels=True, shuffle=False)
    x, y = first(ds)
    assert x.shape == (1437, 16, 16, 1) and y.shape == (1437,)
    assert float(tf.reduce_min(x)) == 0.0 and float(tf.reduce_max(x)) == 1.0
    from sklearn.datasets import load_digits

    assert np.array_equal(y.numpy(), load_digits().target[:1437])
    xt = first(gz.data.load("digits", split="test", batch_size=2000))
    assert xt.shape == (360, 16, 16, 1)


# --------------------------------------------------------------------------- from_array / from_directory
def test_from_array_scales_uint8_and_floats():
    x = np.array([[[[0]], [[51]], [[255]]]], np.uint8).reshape(1, 3, 1, 1)
    assert first(gz.data.from_array(x, batch_size=1)).numpy().ravel().tolist() == [0.0, np.float32(0.2), 1.0]
    tanh = first(gz.data.from_array(x, batch_size=1, image_range=(-1, 1))).numpy().ravel()
    assert np.allclose(tanh, [-1.0, -0.6, 1.0], atol=1e-6) and tanh[0] == -1.0 and tanh[2] == 1.0
    xf = np.array([0.0, 0.3, 1.0], np.float32).reshape(1, 3, 1, 1)
    out = first(gz.data.from_array(xf, batch_size=1)).numpy()
    assert np.array_equal(out, xf)  # floats in [0, 1] pass through exactly
    out = first(gz.data.from_array(xf, batch_size=1, image_range=(-1, 1))).numpy().ravel()
    assert np.allclose(out, [-1.0, -0.4, 1.0], atol=1e-6)
    xr = np.array([-3.0, 0.0, 3.0], np.float32).reshape(1, 3, 1, 1)
    out = first(gz.data.from_array(xr, batch_size=1, input_range=(-3, 3))).numpy().ravel()
    assert np.allclose(out, [0.0, 0.5, 1.0], atol=1e-6)


def test_from_array_vectors_and_labels():
    x = np.arange(12, dtype=np.float64).reshape(6, 2) - 100.0
    y = np.array([0, 1, 2, 0, 1, 2])
    xb, yb = first(gz.data.from_array(x, y, batch_size=6, shuffle=False))
    assert xb.dtype == tf.float32 and np.array_equal(xb.numpy(), x.astype(np.float32))
    assert yb.numpy().tolist() == y.tolist()


def test_from_array_seeded_shuffle_is_reproducible():
    x = np.arange(100, dtype=np.float32).reshape(100, 1)
    a = np.concatenate([b.numpy() for b in gz.data.from_array(x, batch_size=10, seed=3)])
    b = np.concatenate([b.numpy() for b in gz.data.from_array(x, batch_size=10, seed=3)])
    assert np.array_equal(a, b) and not np.array_equal(a, x)
    assert sorted(a.ravel().tolist()) == x.ravel().tolist()


def test_from_directory(tmp_path):
    from PIL import Image

    for cls, value in (("a", 0), ("b", 255)):
        (tmp_path / cls).mkdir()
        for i in range(3):
            Image.fromarray(np.full((10, 12, 3), value, np.uint8)).save(tmp_path / cls / f"{i}.png")
    x, y = first(gz.data.from_directory(tmp_path, image_size=(8, 8), batch_size=6, with_labels=True, shuffle=False))
    assert x.shape == (6, 8, 8, 3) and y.numpy().tolist() == [0, 0, 0, 1, 1, 1]
    assert np.allclose(x.numpy()[:3], 0.0) and np.allclose(x.numpy()[3:], 1.0)
    x = first(gz.data.from_directory(tmp_path, image_size=(8, 8), batch_size=6, shuffle=False, image_range=(-1, 1)))
    assert np.allclose(x.numpy()[:3], -1.0) and np.allclose(x.numpy()[3:], 1.0)
    with pytest.raises(FileNotFoundError, match="Image directory not found"):
        gz.data.from_directory(tmp_path / "nope", image_size=(8, 8))
    with pytest.raises(ValueError, match="needs image_size"):
        gz.data.from_directory(tmp_path, image_size=None)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        (dict(name="fashoin_mnist"), ValueError, r"Unknown dataset 'fashoin_mnist'. Known datasets: celeb_a, cifar10"),
        (dict(name="digits", batch_size=0), ValueError, "batch_size must be a positive integer, got 0"),
        (dict(name="digits", batch_size=-5), ValueError, "batch_size must be a positive integer"),
        (dict(name="digits", batch_size=2.5), ValueError, "batch_size must be a positive integer"),
        (dict(name="digits", image_range=(0, 255)), ValueError, r"image_range must be \(-1, 1\) or \(0, 1\)"),
        (dict(name="digits", image_range="01"), ValueError, "image_range must be"),
        (dict(name="digits", split="valid"), ValueError, r"Invalid split 'valid'.*\['test', 'train'\]"),
        (dict(name="digits", image_size=(0, 8)), ValueError, "image_size must be a pair of positive integers"),
        (dict(name="digits", source="internet"), ValueError, "source must be one of"),
        (dict(name="digits", source="tfds"), ValueError, "not a TensorFlow Datasets dataset"),
    ],
)
def test_load_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        gz.data.load(**kwargs)


@pytest.mark.parametrize(
    "x,y,kwargs,match",
    [
        (np.zeros((4, 28, 28), np.uint8), None, {}, r"images \(N, H, W, C\) or vectors \(N, d\).*x\[\.\.\., None\]"),
        (np.zeros((4,), np.float32), None, {}, "got an array of shape"),
        (np.zeros((4, 8, 8, 1), np.int32), None, {}, "uint8 .* or floating point, got dtype int32"),
        (np.full((4, 8, 8, 1), np.nan, np.float32), None, {}, "256 NaN or Inf values; expected finite"),
        (np.full((4, 8, 8, 1), 2.0, np.float32), None, {}, r"must lie in \[0, 1\], found values in \[2, 2\]"),
        (np.zeros((0, 8, 8, 1), np.uint8), None, {}, "x is empty"),
        (np.zeros((4, 8, 8, 1), np.uint8), np.array([0, 1, 2, 10]), {"num_classes": 10}, r"labels must lie in 0..9"),
        (np.zeros((4, 8, 8, 1), np.uint8), np.array([0, -1, 2, 3]), {}, r"labels must lie in"),
        (np.zeros((4, 8, 8, 1), np.uint8), np.array([0.0, 1, 2, 3]), {}, "labels must be integers"),
        (np.zeros((4, 8, 8, 1), np.uint8), np.array([0, 1]), {}, r"labels must have shape \(4,\)"),
        (np.zeros((4, 8, 8, 1), np.uint8), None, {"batch_size": 0}, "batch_size must be a positive integer"),
    ],
)
def test_from_array_bad_input(x, y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        gz.data.from_array(x, y, **kwargs)


def test_import_sets_no_global_state():
    import subprocess
    import sys

    code = (
        "import logging, os; before = (logging.getLogger().level, os.environ.get('KERAS_BACKEND'));"
        "import keras_genzoo as gz; after = (logging.getLogger().level, os.environ.get('KERAS_BACKEND'));"
        "assert before == after, (before, after); print(gz.__version__)"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "KERAS_BACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == gz.__version__
