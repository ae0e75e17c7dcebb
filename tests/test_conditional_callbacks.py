"""Callbacks with conditional models: one grid row per class, labels held fixed along
interpolations, class-interpolation grids, conditional accuracy next to the FID."""

import numpy as np
import pytest
from PIL import Image

import keras_genzoo as gz
from keras_genzoo.callbacks import class_interpolation_grid, interpolation_grid
from keras_genzoo.models.labels import cycling_labels, resolve_labels

K = 3


class FakeConditional:
    """A conditional 'generator' whose 8x8 images have brightness 0.1 + 0.2 * label + 0.1 * sigmoid(z_0):
    the class is readable from the pixels, and z shifts them a little."""

    num_classes = K
    is_conditional = True
    latent_dim = 2

    def __init__(self):
        self.calls = []

    def sample_latent(self, n, seed=None):
        return np.random.default_rng(seed).normal(size=(n, self.latent_dim)).astype("float32")

    def _images(self, level, z):
        value = 0.1 + 0.4 * np.asarray(level, np.float64) + 0.1 / (1.0 + np.exp(-z[:, 0]))
        return np.broadcast_to(value[:, None, None, None], (len(z), 8, 8, 1)).astype("float32")

    def generate(self, n, labels=None, seed=None, batch_size=256, z=None):
        labels = resolve_labels(n, labels, K)
        z = self.sample_latent(n, seed) if z is None else np.asarray(z)
        self.calls.append({"labels": labels.copy(), "z": z.copy(), "seed": seed})
        return self._images(labels * 0.5, z)

    def label_embeddings(self):
        return np.eye(K, dtype="float32")

    def generate_from_embeddings(self, z, embeddings):
        return self._images(embeddings @ (np.arange(K) * 0.5), np.asarray(z))


def drive(callback, model, epochs=1):
    callback.set_model(model)
    callback.on_train_begin()
    logs_per_epoch = []
    for epoch in range(epochs):
        logs = {}
        callback.on_epoch_end(epoch, logs)
        logs_per_epoch.append(logs)
    callback.on_train_end()
    return logs_per_epoch


def test_sample_grid_draws_one_row_per_class_with_shared_columns(tmp_path):
    model = FakeConditional()
    drive(gz.callbacks.SampleGrid(tmp_path, num_samples=16, seed=4), model, epochs=2)
    first, second = model.calls
    assert first["labels"].tolist() == [0] * 5 + [1] * 5 + [2] * 5  # 16 // 3 = 5 columns per class
    np.testing.assert_array_equal(first["z"][:5], first["z"][5:10])  # a column keeps its latent vector
    np.testing.assert_array_equal(first["z"], second["z"])  # and every epoch reuses them
    image = Image.open(tmp_path / "epoch_001.png")
    assert image.size == (5 * 33 + 1, 3 * 33 + 1)  # 8 px cells upscaled x4 to 32, 1 px borders
    pixels = np.asarray(image, np.float64) / 255.0
    row_means = [pixels[1 + 33 * r : 33 * (r + 1), 1:33].mean() for r in range(3)]
    assert np.diff(row_means) == pytest.approx([0.2, 0.2], abs=0.02)  # brighter class, lower row


def test_sample_grid_samples_per_class(tmp_path):
    model = FakeConditional()
    drive(gz.callbacks.SampleGrid(tmp_path, samples_per_class=2), model)
    assert model.calls[0]["labels"].tolist() == [0, 0, 1, 1, 2, 2]
    assert Image.open(tmp_path / "epoch_001.png").size == (2 * 33 + 1, 3 * 33 + 1)


def test_latent_interpolation_holds_the_label_and_draws_class_walks(tmp_path):
    model = FakeConditional()
    cb = gz.callbacks.LatentInterpolation(tmp_path, num_pairs=4, steps=5, gif=False)
    drive(cb, model)
    assert model.calls[0]["labels"].tolist() == np.repeat(cycling_labels(4, K), 5).tolist()
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == ["class_interpolation_epoch_001.png", "interpolation_epoch_001.png"]
    assert Image.open(tmp_path / "class_interpolation_epoch_001.png").size == (5 * 33 + 1, K * 33 + 1)


def test_class_interpolation_grid_walks_between_embeddings():
    model = FakeConditional()
    grid, images = class_interpolation_grid(model, pairs=[(0, 2), (1, 0)], steps=5, seed=1)
    assert images.shape == (2, 5, 8, 8, 1) and grid.dtype == np.uint8
    z = model.sample_latent(2, seed=1)
    np.testing.assert_allclose(images[:, 0], model.generate(2, labels=[0, 1], z=z), atol=1e-6)
    np.testing.assert_allclose(images[:, -1], model.generate(2, labels=[2, 0], z=z), atol=1e-6)
    # The fake's brightness is linear in the embedding: class 0 -> 2 in 4 even steps of 0.4 / 4.
    levels = images[0, :, 0, 0, 0]
    np.testing.assert_allclose(np.diff(levels), 0.1, atol=1e-6)
    with pytest.raises(ValueError, match=r"integer classes in \[0, 3\)"):
        class_interpolation_grid(model, pairs=[(0, 3)])
    with pytest.raises(TypeError, match="label_embeddings"):
        class_interpolation_grid(gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=2, base_filters=4))


def test_interpolation_grid_labels():
    model = FakeConditional()
    latents = np.zeros((2, 3, 2), "float32")
    _, images = interpolation_grid(model, latents=latents, labels=np.array([2, 0]))
    assert images[0].mean() > images[1].mean()
    with pytest.raises(ValueError, match="one class per row: expected 2"):
        interpolation_grid(model, latents=latents, labels=np.array([0]))
    dcgan = gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=2, base_filters=4)
    with pytest.raises(ValueError, match="DCGAN is not a conditional model"):
        interpolation_grid(dcgan, latents=latents, labels=np.array([0, 1]))


def test_conditional_gan_grids_end_to_end(tmp_path):
    m = gz.models.ConditionalGAN(image_shape=(8, 8, 1), num_classes=K, latent_dim=4, base_filters=4, embedding_dim=3,
                                 seed=0)
    drive(gz.callbacks.SampleGrid(tmp_path / "s", num_samples=9), m)
    drive(gz.callbacks.LatentInterpolation(tmp_path / "i", num_pairs=3, steps=4, gif=False), m)
    assert Image.open(tmp_path / "s" / "epoch_001.png").size == (3 * 33 + 1, 3 * 33 + 1)
    assert (tmp_path / "i" / "class_interpolation_epoch_001.png").exists()
    grid, images = class_interpolation_grid(m, steps=4, seed=0)
    np.testing.assert_allclose(images[:, 0], m.generate(K, labels=[0, 1, 2], z=m.sample_latent(K, seed=0)), atol=1e-5)


class DigitBank:
    """Real digits images of class `(label + shift) % 10`."""

    num_classes = 10
    is_conditional = True

    def __init__(self, shift=0):
        x, y = next(iter(gz.data.load("digits", split="train", batch_size=5000, with_labels=True, image_range=(0, 1),
                                      shuffle=False)))
        self.x, self.y, self.shift = x.numpy(), y.numpy(), shift

    def generate(self, n, labels=None, seed=None, batch_size=None):
        labels = resolve_labels(n, labels, self.num_classes)
        rng = np.random.default_rng(seed)
        return np.stack([self.x[rng.choice(np.flatnonzero(self.y == (c + self.shift) % 10))] for c in labels])


def test_fid_callback_reports_conditional_accuracy():
    real = next(iter(gz.data.load("digits", split="test", batch_size=400, image_range=(0, 1)))).numpy()
    results = {}
    for shift in (0, 1):
        cb = gz.callbacks.FIDCallback(real, num_samples=200, extractor="digits", batch_size=100, every_n_epochs=2,
                                      fill_value=float("nan"))
        logs = drive(cb, DigitBank(shift), epochs=2)
        assert np.isnan(logs[0]["conditional_accuracy"]) and np.isnan(logs[0]["fid"])
        results[shift] = logs[1]
        assert [p["metric"] for p in cb.protocols] == ["frechet_distance", "conditional_accuracy"]
        assert cb.protocols[1]["n_fake"] == 200 and cb.protocols[1]["labels"] == "cycling"
    assert results[0]["conditional_accuracy"] > 0.9 and results[1]["conditional_accuracy"] < 0.1
    # Both draw the same pooled distribution of digits: similar FID, different accuracy.
    assert results[1]["fid"] < 2 * results[0]["fid"] + 1.0
