"""The bad-input matrix: one table, one row per way a user can get an input wrong.

Each row is a `Case`: what is called (a function of the test's `tmp_path`), the exception it
must raise, and the substrings its message must contain — the bad thing that was found AND
what was expected — so that no error is merely "invalid input". Rows are grouped by the
part of the package they exercise; `MODEL_ROWS` is the place for the models' rows.
"""

from __future__ import annotations

import dataclasses
import gzip
import shutil
import zipfile
from typing import Any, Callable

import numpy as np
import pytest

import keras_genzoo as gz
from keras_genzoo import cli, runs, utils
from keras_genzoo.data import sources


@dataclasses.dataclass(frozen=True)
class Case:
    """One bad input: `call(ctx)` must raise `exc` whose message contains every string in `says`."""

    id: str
    call: Callable[["Context"], Any]
    exc: type
    says: tuple


@dataclasses.dataclass
class Context:
    tmp_path: Any
    monkeypatch: Any


def images(value=0.5, shape=(4, 16, 16, 1), dtype=np.float32):
    return np.full(shape, value, dtype)


class UsageExit(Exception):
    """The `genzoo` command exited with code 2 (a usage error); the message is its output."""


def genzoo(*args):
    """Runs the command in-process; raises `UsageExit` on exit code 2, returns the result otherwise."""
    from click.testing import CliRunner

    result = CliRunner().invoke(cli.main, [str(a) for a in args])
    if result.exit_code == 2:
        raise UsageExit(result.output)
    return result


def _tiny_saved(ctx, family):
    """A tiny untrained model of `family` saved as a .keras file (flow: class-conditional)."""
    shape, kwargs = (8, 8, 1), dict(base_filters=4, seed=0)
    model = {"flow": lambda: gz.models.FlowMatching(image_shape=shape, num_classes=3, **kwargs),
             "diffusion": lambda: gz.models.Diffusion(image_shape=shape, **kwargs),
             "dcgan": lambda: gz.models.DCGAN(image_shape=shape, latent_dim=4, **kwargs)}[family]()
    path = ctx.tmp_path / f"{family}.keras"
    model.save(path)
    return path


def _truncated_idx(ctx):
    path = ctx.tmp_path / "t10k-labels-idx1-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(bytes([0, 0, 0x08, 1]) + np.array([10], ">u4").tobytes() + bytes(7))
    return sources.read_idx(path)


def _npz_of_floats(ctx):
    path = ctx.tmp_path / "mnist.npz"
    np.savez(path, x_train=np.zeros((3, 28, 28), np.float32), y_train=np.zeros(3, np.int64))
    return sources.load_npz_split(path, "train", gz.data.get_spec("mnist"))


def _saved_model(ctx):
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(64), keras.layers.Dense(1)])
    path = ctx.tmp_path / "m.keras"
    model.save(path)
    return path


def _truncated_keras(ctx):
    good = _saved_model(ctx)
    bad = ctx.tmp_path / "truncated.keras"
    data = good.read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    return runs.load_source(bad)


def _corrupt_member_keras(ctx):
    good = _saved_model(ctx)
    bad = ctx.tmp_path / "flipped.keras"
    raw = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo("model.weights.h5")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 2000
    raw[start : start + 8] = bytes(8)  # overwrite stored bytes inside the weights: the CRC no longer matches
    bad.write_bytes(bytes(raw))
    return runs.load_source(bad)


def _foreign_zip_keras(ctx):
    bad = ctx.tmp_path / "foreign.keras"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("notes.txt", "not a model")
    return runs.load_source(bad)


def _tampered_evaluator(ctx):
    from keras_genzoo.metrics import classifiers

    for name in ("digits_classifier.weights.h5", "digits_classifier.json"):
        shutil.copy(classifiers.WEIGHTS_DIR / name, ctx.tmp_path / name)
    ctx.monkeypatch.setattr(classifiers, "WEIGHTS_DIR", ctx.tmp_path)
    with open(ctx.tmp_path / "digits_classifier.weights.h5", "r+b") as f:
        f.seek(4000)
        f.write(b"\x00\x01\x02\x03")
    return classifiers.load_classifier("digits")


def _tampered_reference(ctx):
    path = ctx.tmp_path / "ref.npz"
    stats = gz.metrics.FeatureStatistics().update(np.random.default_rng(0).normal(size=(10, 3)))
    gz.metrics.save_reference(path, stats, {"extractor": "digits"})
    with np.load(path) as data:
        fields = dict(data)
    fields["sum"] = fields["sum"] + 1.0
    np.savez(path, **fields)
    return gz.metrics.load_reference(path)


class _Encoder:
    """Stands in for an autoencoder: the images are checked before `encode` is reached."""

    def encode(self, x):
        raise AssertionError("encode() must not see images outside [0, 1]")


def _encodings_of_tanh_real_images(ctx):
    x = images(-1.0, (2, 16, 16, 1))
    return gz.callbacks.interpolation_latents(_Encoder(), num_pairs=2, steps=3, real_images=(x, x))


class _FakeGenerator:
    def __init__(self, value=0.5, shape=(16, 16, 1)):
        self.value, self.shape = value, shape

    def generate(self, n, seed=None, batch_size=None):
        return np.full((n,) + self.shape, self.value, np.float32)


# --------------------------------------------------------------------------- data layer
DATA_ROWS = [
    Case("from_array-rank-3", lambda c: gz.data.from_array(np.zeros((4, 28, 28), np.uint8)), ValueError,
         ("shape (4, 28, 28)", "(N, H, W, C)", "x[..., None]")),
    Case("from_array-rank-5", lambda c: gz.data.from_array(np.zeros((2, 4, 4, 1, 1), np.float32)), ValueError,
         ("shape (2, 4, 4, 1, 1)", "(N, H, W, C) or vectors (N, d)")),
    Case("from_array-int32", lambda c: gz.data.from_array(np.zeros((4, 8, 8, 1), np.int32)), ValueError,
         ("dtype int32", "uint8", "floating point")),
    Case("from_array-bool", lambda c: gz.data.from_array(np.zeros((4, 8, 8, 1), bool)), ValueError,
         ("dtype bool", "uint8", "floating point")),
    Case("from_array-complex", lambda c: gz.data.from_array(np.zeros((4, 8, 8, 1), np.complex64)), ValueError,
         ("dtype complex64", "floating point")),
    Case("from_array-above-1", lambda c: gz.data.from_array(images(2.0)), ValueError,
         ("found values in [2, 2]", "must lie in [0, 1]", "input_range")),
    Case("from_array-tanh-range", lambda c: gz.data.from_array(np.linspace(-1, 1, 64).reshape(4, 4, 4, 1)), ValueError,
         ("found values in [-1, 1]", "must lie in [0, 1]")),
    Case("from_array-outside-input_range", lambda c: gz.data.from_array(images(5.0), input_range=(-3, 3)),
         ValueError, ("found values in [5, 5]", "must lie in [-3, 3]")),
    Case("from_array-reversed-input_range", lambda c: gz.data.from_array(images(0.5), input_range=(1, 0)),
         ValueError, ("(1, 0)", "high > low")),
    Case("from_array-nan", lambda c: gz.data.from_array(images(np.nan)), ValueError,
         ("1024 NaN or Inf", "expected finite")),
    Case("from_array-inf-in-one-pixel", lambda c: gz.data.from_array(np.where(np.arange(64).reshape(4, 4, 4, 1) == 5,
                                                                             np.inf, 0.5)), ValueError,
         ("1 NaN or Inf", "expected finite")),
    Case("from_array-empty", lambda c: gz.data.from_array(np.zeros((0, 8, 8, 1), np.uint8)), ValueError,
         ("empty", "at least one example")),
    Case("from_array-labels-out-of-range", lambda c: gz.data.from_array(images(), np.array([0, 1, 2, 10]),
                                                                        num_classes=10), ValueError,
         ("0..9", "found values in 0..10")),
    Case("from_array-float-labels", lambda c: gz.data.from_array(images(), np.array([0.0, 1, 2, 3])), ValueError,
         ("dtype float64", "integers")),
    Case("from_array-labels-wrong-shape", lambda c: gz.data.from_array(images(), np.array([0, 1])), ValueError,
         ("(2,)", "shape (4,)")),
    Case("from_array-batch_size-0", lambda c: gz.data.from_array(images(), batch_size=0), ValueError,
         ("got 0", "positive integer")),
    Case("load-unknown-name", lambda c: gz.data.load("fashoin_mnist"), ValueError,
         ("'fashoin_mnist'", "Known datasets: celeb_a, cifar10, digits, fashion_mnist, mnist")),
    Case("load-empty-split", lambda c: gz.data.load("digits", split="train[:0]"), ValueError,
         ("'train[:0]'", "empty", "at least one example")),
    Case("load-bad-split", lambda c: gz.data.load("digits", split="valid"), ValueError,
         ("'valid'", "['test', 'train']")),
    Case("load-image_range", lambda c: gz.data.load("digits", image_range=(0, 255)), ValueError,
         ("(0, 255)", "(-1, 1) or (0, 1)")),
    Case("load-labels-of-unlabelled", lambda c: gz.data.load("celeb_a", with_labels=True), ValueError,
         ("'celeb_a' has no class labels", "with_labels=False")),
    Case("load-image_size", lambda c: gz.data.load("digits", image_size=(0, 8)), ValueError,
         ("(0, 8)", "pair of positive integers")),
    Case("from_directory-missing", lambda c: gz.data.from_directory(c.tmp_path / "nope", image_size=(8, 8)),
         FileNotFoundError, ("nope", "expected a folder of images")),
    Case("from_directory-no-images", lambda c: gz.data.from_directory(c.tmp_path, image_size=(8, 8)), ValueError,
         ("No images found", "Allowed formats")),
    Case("idx-truncated", _truncated_idx, ValueError, ("truncated", "needs 10 data bytes, found 7")),
    Case("npz-float-images", _npz_of_floats, ValueError, ("got float32", "must be uint8 images of shape (N, 28, 28, 1)")),
]

# --------------------------------------------------------------------------- metrics
METRIC_ROWS = [
    Case("fd-features-rank-1", lambda c: gz.metrics.frechet_distance_from_features(np.zeros(10), np.zeros((10, 3))),
         ValueError, ("got (10,) and (10, 3)", "(n, d) arrays")),
    Case("fd-features-dims-differ", lambda c: gz.metrics.frechet_distance_from_features(
        np.random.default_rng(0).normal(size=(10, 3)), np.random.default_rng(1).normal(size=(10, 4))),
         ValueError, ("(10, 3) and (10, 4)", "the same d")),
    Case("fd-features-nan", lambda c: gz.metrics.frechet_distance_from_features(
        np.full((10, 3), np.nan), np.zeros((10, 3))), ValueError, ("NaN or Inf", "expected finite")),
    Case("fd-one-sample", lambda c: gz.metrics.frechet_distance_from_features(np.zeros((1, 3)), np.zeros((5, 3))),
         ValueError, ("have 1", "at least 2")),
    Case("is-rows-not-summing-to-1", lambda c: gz.metrics.inception_score_from_probabilities(np.ones((4, 10))),
         ValueError, ("row sums in [10, 10]", "sum to 1")),
    Case("is-negative", lambda c: gz.metrics.inception_score_from_probabilities(np.array([[1.5, -0.5]] * 4)),
         ValueError, ("values in [-0.5, 1.5]", "non-negative")),
    Case("is-nan", lambda c: gz.metrics.inception_score_from_probabilities(np.full((4, 3), np.nan)), ValueError,
         ("NaN or Inf", "sum to 1")),
    Case("is-splits", lambda c: gz.metrics.inception_score_from_probabilities(np.eye(3), splits=9), ValueError,
         ("got 9", "1..3")),
    Case("is-probabilities-rank-1", lambda c: gz.metrics.inception_score_from_probabilities(np.ones(3) / 3),
         ValueError, ("shape (3,)", "(n, classes)")),
    Case("kid-nan", lambda c: gz.metrics.kid_from_features(np.zeros((5, 2)), np.full((5, 2), np.inf)), ValueError,
         ("fake features contain NaN or Inf", "expected finite")),
    Case("kid-dims-differ", lambda c: gz.metrics.kid_from_features(np.zeros((5, 2)), np.zeros((5, 3))), ValueError,
         ("(5, 2) and (5, 3)", "same d")),
    Case("precision-recall-too-few", lambda c: gz.metrics.precision_recall_from_features(np.zeros((3, 2)),
                                                                                         np.zeros((3, 2)), k=3),
         ValueError, ("k=3", "more than 3 samples")),
    Case("coverage-bad-distribution", lambda c: gz.metrics.mode_coverage_from_probabilities(
        np.eye(3), data_distribution=[0.5, 0.5]), ValueError, ("[0.5, 0.5]", "3 positive shares summing to 1")),
    Case("metric-images-tanh-range", lambda c: gz.metrics.inception_score(images(-1.0), classifier="digits", splits=1),
         ValueError, ("found [-1, -1]", "must lie in [0, 1]", "(x + 1) / 2")),
    Case("metric-dataset-tanh-range", lambda c: gz.metrics.mode_coverage(
        gz.data.load("digits", split="test[:8]", batch_size=8, image_range=(-1, 1)), classifier="digits"),
         ValueError, ("found [-1, ", "must lie in [0, 1]", "by default")),
    Case("metric-images-uint8", lambda c: gz.metrics.mode_coverage(np.zeros((4, 16, 16, 1), np.uint8),
                                                                   classifier="digits"),
         ValueError, ("dtype uint8", "floats in [0, 1]")),
    Case("metric-images-nan", lambda c: gz.metrics.mode_coverage(images(np.nan), classifier="digits"), ValueError,
         ("NaN or Inf", "finite values in [0, 1]")),
    Case("metric-images-rank-3", lambda c: gz.metrics.mode_coverage(np.zeros((4, 16, 16), np.float32),
                                                                    classifier="digits"),
         ValueError, ("shape (4, 16, 16)", "(N, H, W, C)")),
    Case("metric-images-wrong-size", lambda c: gz.metrics.mode_coverage(images(shape=(4, 28, 28, 1)),
                                                                        classifier="digits"),
         ValueError, ("got (28, 28, 1)", "takes images of shape (16, 16, 1)")),
    Case("metric-generated-out-of-range", lambda c: gz.metrics.mode_coverage(_FakeGenerator(1.5), classifier="digits",
                                                                             n=4),
         ValueError, ("(generated)", "found [1.5, 1.5]", "[0, 1]")),
    Case("metric-model-without-n", lambda c: gz.metrics.inception_score(_FakeGenerator(), classifier="digits", n=None),
         ValueError, ("model", "pass n=")),
    Case("metric-unknown-extractor", lambda c: gz.metrics.get_extractor("vgg"), ValueError,
         ("'vgg'", "'digits', 'fashion_mnist', 'inception_v3'")),
    Case("metric-empty-dataset", lambda c: gz.metrics.mode_coverage(
        gz.data.from_array(images()).take(0), classifier="digits"), ValueError,
         ("dataset is empty", "at least one batch")),
]

# --------------------------------------------------------------------------- callbacks and utilities
CALLBACK_ROWS = [
    Case("fid-real-data-tanh", lambda c: gz.callbacks.FIDCallback(images(-1.0)), ValueError,
         ("real_data", "found [-1, -1]", "must lie in [0, 1]")),
    Case("fid-real-data-nan", lambda c: gz.callbacks.FIDCallback(images(np.nan)), ValueError,
         ("real_data", "NaN or Inf", "finite values in [0, 1]")),
    Case("fid-real-data-type", lambda c: gz.callbacks.FIDCallback("digits"), TypeError,
         ("got str", "an array (N, H, W, C) or a tf.data.Dataset")),
    Case("fid-num-samples", lambda c: gz.callbacks.FIDCallback(images(), num_samples=1), ValueError,
         ("got 1", "integer >= 2")),
    Case("grid-every-0", lambda c: gz.callbacks.SampleGrid(c.tmp_path, every_n_epochs=0), ValueError,
         ("got 0", "every_n_epochs must be a positive integer")),
    Case("grid-not-square", lambda c: gz.callbacks.SampleGrid(c.tmp_path, num_samples=10), ValueError,
         ("num_samples=10 is not a square", "rows=")),
    Case("grid-unwritable", lambda c: (c.tmp_path / "file").write_text("x") and gz.callbacks.SampleGrid(
        c.tmp_path / "file" / "sub"), ValueError, ("Cannot write to the output directory", "file/sub")),
    Case("interpolation-method", lambda c: gz.callbacks.LatentInterpolation(c.tmp_path, method="cubic"), ValueError,
         ("'cubic'", "('slerp', 'lerp')")),
    Case("interpolation-real-images-tanh", _encodings_of_tanh_real_images, ValueError,
         ("real_images[0]", "found [-1, -1]", "must lie in [0, 1]")),
    Case("health-win-probability", lambda c: gz.callbacks.TrainingHealth(win_probability=0.7), ValueError,
         ("0.7", "(0, 0.5)")),
    Case("progress-interval", lambda c: gz.callbacks.PlainProgress(interval=-1), ValueError,
         ("got -1", "positive number of seconds")),
    Case("image-grid-range", lambda c: utils.image_grid(images(1.5)), ValueError,
         ("found [1.5, 1.5]", "finite values in [0, 1]")),
    Case("image-grid-all-nan", lambda c: utils.image_grid(images(np.nan)), ValueError,
         ("no finite values", "1024 NaN/Inf", "[0, 1]")),
    Case("image-grid-channels", lambda c: utils.image_grid(images(shape=(2, 4, 4, 2))), ValueError,
         ("(2, 4, 4, 2)", "C 1 or 3")),
]

# --------------------------------------------------------------------------- files
FILE_ROWS = [
    Case("keras-truncated", _truncated_keras, runs.RunError,
         ("truncated.keras", "not a zip archive", "expected a complete .keras file")),
    Case("keras-corrupt-member", _corrupt_member_keras, runs.RunError,
         ("flipped.keras", "is corrupt", "expected a complete .keras file")),
    Case("keras-foreign-zip", _foreign_zip_keras, runs.RunError,
         ("foreign.keras", "config.json", "expected a complete .keras file")),
    Case("keras-missing", lambda c: runs.load_source(c.tmp_path / "none.keras"), runs.RunError,
         ("none.keras", "neither a .keras file nor a run directory")),
    Case("save-model-extension", lambda c: utils.save_model(None, c.tmp_path / "m.h5"), ValueError,
         ("m.h5", "ending in .keras")),
    Case("evaluator-tampered", _tampered_evaluator, ValueError,
         ("digits_classifier.weights.h5 have SHA-256", "its card says", "corrupt or was changed")),
    Case("reference-tampered", _tampered_reference, ValueError, ("statistics hash", "differs from the recorded")),
    Case("reference-missing", lambda c: gz.metrics.load_reference(c.tmp_path / "none.npz"), FileNotFoundError,
         ("none.npz",)),
]

# --------------------------------------------------------------------------- the genzoo command (exit code 2)
CLI_ROWS = [
    Case("cli-unknown-model", lambda c: genzoo("train", "stylegan", "--out", c.tmp_path / "r"), UsageExit,
         ("'stylegan' is not one of", "'autoencoder', 'vae', 'gan', 'dcgan', 'wgan', 'wgangp'")),
    Case("cli-unknown-dataset", lambda c: genzoo("train", "dcgan", "--dataset", "imagenet", "--out", c.tmp_path / "r"),
         UsageExit, ("'imagenet' is not one of", "'celeb_a', 'cifar10', 'digits', 'fashion_mnist', 'mnist'")),
    Case("cli-eval-unknown-dataset", lambda c: genzoo("eval", c.tmp_path, "--dataset", "svhn"), UsageExit,
         ("'svhn' is not one of", "'digits', 'fashion_mnist'")),
    Case("cli-unknown-metric", lambda c: genzoo("eval", c.tmp_path, "--dataset", "digits", "--metrics", "fid,sharp"),
         UsageExit, ("['sharp']", "choose from fid, is, kid, precision_recall, coverage")),
    Case("cli-epochs-0", lambda c: genzoo("train", "dcgan", "--epochs", "0", "--out", c.tmp_path / "r"), UsageExit,
         ("--epochs", "0 is not in the range x>=1")),
    Case("cli-truncated-keras", lambda c: genzoo("sample", (c.tmp_path / "t.keras").write_bytes(b"PK\x03\x04") and
                                                 c.tmp_path / "t.keras"), UsageExit,
         ("t.keras", "not a zip archive", "expected a complete .keras file")),
    Case("cli-sample-steps-0", lambda c: genzoo("sample", _tiny_saved(c, "flow"), "--steps", "0"), UsageExit,
         ("--steps", "0 is not in the range x>=1")),
    Case("cli-sample-steps-one-pass-model", lambda c: genzoo("sample", _tiny_saved(c, "dcgan"), "--steps", "8"),
         UsageExit, ("--steps", "DCGAN samples in one pass", "diffusion and flow-matching models do")),
    Case("cli-sample-unknown-sampler", lambda c: genzoo("sample", _tiny_saved(c, "flow"), "--sampler", "ddim"),
         UsageExit, ("--sampler", "'euler', 'heun'", "got 'ddim'")),
    Case("cli-sample-guidance-unconditional", lambda c: genzoo("sample", _tiny_saved(c, "diffusion"), "--guidance", "2"),
         UsageExit, ("--guidance", "needs a class-conditional Diffusion", "got guidance=2.0")),
]

# --------------------------------------------------------------------------- models  >>> LEAD: ADD MODEL ROWS HERE <<<
# Rows for the models (issue 14, training core) go in this list, in the same form, e.g.:
#   Case("dcgan-wrong-image-size", lambda c: fit_one_step(gz.models.DCGAN(image_shape=(28, 28, 1)), images()),
#        ValueError, ("(16, 16, 1)", "(28, 28, 1)")),
#   Case("dcgan-wrong-channels", ...), Case("gan-labels-to-unconditional", ...),
#   Case("wgan-n_critic-0", lambda c: gz.models.WGAN(image_shape=(28, 28, 1), n_critic=0), ValueError,
#        ("n_critic", "got 0", ">= 1")),
#   Case("gan-custom-generator-wrong-output-shape", ...), Case("gan-custom-generator-wrong-latent", ...),
#   Case("dcgan-fit-tanh-range-images", ...)   # a model given images outside [0, 1] raises
def _fit(model, x, compile=True):
    if compile:
        model.compile()
    model.fit(x, batch_size=4, epochs=1, verbose=0)


def _step_errors():
    """A batch the model refuses at run time: ValueError eagerly (JAX, PyTorch), TensorFlow's
    InvalidArgumentError from the in-graph check."""
    try:
        import tensorflow as tf

        return (ValueError, tf.errors.InvalidArgumentError)
    except ImportError:  # pragma: no cover
        return (ValueError,)


def _net(in_shape, out_units):
    import keras

    return keras.Sequential([keras.Input(in_shape), keras.layers.Dense(out_units)])


_DC = dict(latent_dim=4, base_filters=4, seed=0)


def _flow(num_classes=3):
    return gz.models.FlowMatching(image_shape=(8, 8, 1), num_classes=num_classes, base_filters=4, seed=0)


def _diffusion():
    return gz.models.Diffusion(image_shape=(8, 8, 1), base_filters=4, seed=0)
MODEL_ROWS: list[Case] = [
    Case("dcgan-wrong-image-size", lambda c: _fit(gz.models.DCGAN(image_shape=(16, 16, 1), **_DC), images(shape=(4, 28, 28, 1))),
         ValueError, ("(16, 16, 1)", "(28, 28, 1)")),
    Case("dcgan-wrong-channels", lambda c: _fit(gz.models.DCGAN(image_shape=(16, 16, 1), **_DC), images(shape=(4, 16, 16, 3))),
         ValueError, ("(16, 16, 1)", "(16, 16, 3)")),
    Case("gan-integer-data", lambda c: _fit(gz.models.GAN(data_shape=(2,), latent_dim=2), np.ones((4, 2), np.int32)),
         ValueError, ("dtype int32", "floating-point")),
    Case("dcgan-tanh-range-images", lambda c: _fit(gz.models.DCGAN(image_shape=(16, 16, 1), **_DC), images(-0.5)),
         _step_errors(), ("takes images in [0, 1]", "outside")),
    Case("vae-nan-in-batch", lambda c: _fit(gz.models.VAE(image_shape=(16, 16, 1), base_filters=4),
                                            np.where(np.arange(4 * 256).reshape(4, 16, 16, 1) == 7, np.nan, 0.5).astype(np.float32)),
         _step_errors(), ("takes images in [0, 1]",)),
    Case("gan-vector-inf", lambda c: _fit(gz.models.GAN(data_shape=(2,), latent_dim=2), np.array([[0.0, np.inf]] * 4, np.float32)),
         _step_errors(), ("non-finite",)),
    Case("wgan-n_critic-0", lambda c: gz.models.WGAN(image_shape=(16, 16, 1), n_critic=0), ValueError,
         ("n_critic must be a positive integer", "got 0")),
    Case("dcgan-bad-image-range", lambda c: gz.models.DCGAN(image_shape=(16, 16, 1), image_range=(0, 255)), ValueError,
         ("image_range must be (0, 1)", "(-1, 1)", "(0, 255)")),
    Case("gan-generator-wrong-output", lambda c: gz.models.GAN(data_shape=(2,), latent_dim=4, generator=_net((4,), 3)),
         ValueError, ("generator produces outputs of shape (3,)", "expected (2,)")),
    Case("gan-generator-wrong-latent", lambda c: gz.models.GAN(data_shape=(2,), latent_dim=4, generator=_net((5,), 2)),
         ValueError, ("generator must take inputs z (4,)", "expected shape=(None, 5)")),
    Case("gan-discriminator-wrong-output", lambda c: gz.models.GAN(data_shape=(2,), latent_dim=4, discriminator=_net((2,), 2)),
         ValueError, ("discriminator produces outputs of shape (2,)", "expected (1,)")),
    Case("gan-labels-to-unconditional", lambda c: gz.models.GAN(data_shape=(2,), latent_dim=2).generate(4, labels=[0] * 4),
         ValueError, ("GAN is not a conditional model", "takes no labels")),
    Case("flow-steps-0", lambda c: _flow().generate(2, steps=0), ValueError,
         ("steps must be a positive integer", "got 0")),
    Case("diffusion-steps-negative", lambda c: _diffusion().generate(2, steps=-3), ValueError,
         ("steps must be a positive integer", "got -3")),
    Case("diffusion-guidance-without-classes", lambda c: _diffusion().generate(2, guidance=3.0), ValueError,
         ("needs a class-conditional Diffusion", "num_classes=K", "got guidance=3.0")),
    Case("flow-guidance-without-classes", lambda c: _flow(None).generate(2, guidance=2.0), ValueError,
         ("needs a class-conditional FlowMatching", "got guidance=2.0")),
    Case("flow-labels-out-of-range", lambda c: _flow().generate(2, labels=[0, 3]), ValueError,
         ("[0, 3)", "3")),
    Case("flow-labels-float", lambda c: _flow().generate(2, labels=[0.5, 1.0]), ValueError,
         ("labels", "integer")),
    Case("diffusion-labels-to-unconditional", lambda c: _diffusion().generate(2, labels=[0, 1]), ValueError,
         ("built without classes (num_classes=None)", "num_classes=K")),
    Case("diffusion-unknown-schedule", lambda c: gz.models.Diffusion(image_shape=(8, 8, 1), schedule="sigmoid"),
         ValueError, ("schedule must be one of", "'cosine', 'linear'", "'sigmoid'")),
    Case("flow-unknown-sampler", lambda c: _flow().generate(2, sampler="rk4"), ValueError,
         ("sampler must be one of", "'euler', 'heun'", "'rk4'")),
    Case("diffusion-fit-nan-images", lambda c: _fit(_diffusion(), np.full((4, 8, 8, 1), np.nan, np.float32)),
         _step_errors(), ("takes images in [0, 1]",)),
    Case("dcgan-fit-before-compile", lambda c: _fit(gz.models.DCGAN(image_shape=(16, 16, 1), **_DC), images(), compile=False),
         ValueError, ("must call `compile()`",)),
]

ALL_ROWS = DATA_ROWS + METRIC_ROWS + CALLBACK_ROWS + FILE_ROWS + CLI_ROWS + MODEL_ROWS


def test_row_ids_are_unique():
    ids = [row.id for row in ALL_ROWS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("row", ALL_ROWS, ids=lambda row: row.id)
def test_bad_input_is_refused_saying_what_and_what_was_expected(row, tmp_path, monkeypatch):
    with pytest.raises(row.exc) as error:
        row.call(Context(tmp_path, monkeypatch))
    message = str(error.value)
    missing = [text for text in row.says if text not in message]
    assert not missing, f"{row.id}: message lacks {missing}:\n{message}"
    assert "Traceback" not in message
