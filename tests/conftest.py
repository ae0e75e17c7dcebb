"""Test settings: quiet TensorFlow's C++ logs and keep every test on the CPU, single-threaded where it matters."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from keras_genzoo.data.catalog import DEBIAN_FASHION_MNIST  # noqa: E402

HAVE_FASHION_MNIST = (DEBIAN_FASHION_MNIST / "train-images-idx3-ubyte.gz").exists()
# CI installs Debian's dataset-fashion-mnist; elsewhere tests that read it are skipped with this reason.
needs_fashion_mnist = pytest.mark.skipif(
    not HAVE_FASHION_MNIST and not os.environ.get("CI"),
    reason="Debian package dataset-fashion-mnist is not installed (.ci/run installs it)",
)


@pytest.fixture
def no_local_data(monkeypatch, tmp_path):
    """Hides $GENZOO_DATA_DIR and Debian's copy, and points tfds at an empty folder."""
    from keras_genzoo.data import catalog

    monkeypatch.delenv(catalog.DATA_DIR_ENV, raising=False)
    monkeypatch.setattr(
        catalog, "CATALOG",
        {k: __import__("dataclasses").replace(v, idx_dirs=()) for k, v in catalog.CATALOG.items()},
    )
    return Path(tmp_path)


def pytest_configure(config):
    config.addinivalue_line("markers", "tensorflow_only: needs the TensorFlow backend (tf.distribute, graph-mode checks)")
    config.addinivalue_line("markers", "covered_across_backends: runs on the TensorFlow pass only; what it checks is "
                            "Python-level (argument errors, formulas against hand values) or is covered on JAX and "
                            "PyTorch by the cross-backend tests (test_backends.py: same weights after the same steps; "
                            "test_architecture.py: config round trip, generate == sampling_network; test_backup.py)")


def pytest_collection_modifyitems(config, items):
    import keras

    if keras.backend.backend() == "tensorflow":
        return
    skip = pytest.mark.skip(reason=f"needs the TensorFlow backend; Keras runs on {keras.backend.backend()}")
    once = pytest.mark.skip(reason="covered across backends by the cross-backend tests: run on the TensorFlow pass")
    for item in items:
        if "tensorflow_only" in item.keywords:
            item.add_marker(skip)
        elif "covered_across_backends" in item.keywords:
            item.add_marker(once)
