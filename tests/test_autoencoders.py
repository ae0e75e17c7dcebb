"""Autoencoder and VAE: the ELBO's pieces against the formulas, training, saving, errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_genzoo as gz


def npv(value):
    """A variable or tensor as numpy, on any backend."""
    return keras.ops.convert_to_numpy(value)
from keras_genzoo.models.autoencoders import reparameterize
from tests.conftest import needs_fashion_mnist


@pytest.mark.tensorflow_only
def test_reparameterized_sample_and_its_gradients_follow_the_formula():
    mu = tf.Variable([[0.5, -1.0, 2.0]], dtype=tf.float64)
    log_var = tf.Variable([[0.0, np.log(4.0), -2.0]], dtype=tf.float64)
    eps = tf.constant([[1.5, -0.5, 0.25]], dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        z = reparameterize(mu, log_var, eps)
        total = tf.reduce_sum(z)
    sigma = np.exp(0.5 * npv(log_var))
    assert np.allclose(npv(z), npv(mu) + sigma * npv(eps), rtol=1e-12)
    assert np.allclose(tape.gradient(total, mu).numpy(), 1.0)                      # dz/dmu = 1
    assert np.allclose(tape.gradient(total, log_var).numpy(), 0.5 * sigma * npv(eps), rtol=1e-12)


@pytest.mark.tensorflow_only
def test_vae_objective_is_reconstruction_plus_beta_kl():
    vae = gz.models.VAE(data_shape=(3,), latent_dim=2, beta=2.5, seed=0)
    x = tf.constant(np.random.default_rng(0).normal(size=(4, 3)), tf.float32)
    loss, logs = vae.compute_objective(x, training=False)
    assert float(loss) == pytest.approx(float(logs["reconstruction_loss"]) + 2.5 * float(logs["kl_loss"]), rel=1e-6)
    z_mean, z_log_var = vae.encode(npv(x))
    expected_kl = np.mean(0.5 * np.sum(np.exp(z_log_var) + z_mean**2 - 1.0 - z_log_var, axis=1))
    assert float(logs["kl_loss"]) == pytest.approx(expected_kl, rel=1e-5)


def test_calibrated_gaussian_likelihood_fits_sigma_to_the_batch():
    ae = gz.models.Autoencoder(image_shape=(8, 8, 1), latent_dim=2, base_filters=4, likelihood="calibrated_gaussian",
                               seed=0)
    x = _small_images(6)
    _, logs = ae.compute_objective(tf.constant(x), training=False)
    x_hat = np.asarray(ae.reconstruct(x), np.float64)
    sigma2 = np.mean((x - x_hat) ** 2)
    expected = np.mean(np.sum(((x - x_hat) ** 2 / (2 * sigma2) + 0.5 * np.log(2 * np.pi * sigma2)).reshape(6, -1), 1))
    assert float(logs["reconstruction_loss"]) == pytest.approx(expected, rel=1e-4)
    clone = gz.models.Autoencoder.from_config(ae.get_config())
    assert clone.likelihood == "calibrated_gaussian"


def _small_images(n=256, seed=0):
    """Structured 8x8 images in [0, 1]: bright squares at random places."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 8, 8, 1), np.float32)
    for i, (r, c) in enumerate(rng.integers(0, 5, size=(n, 2))):
        x[i, r : r + 4, c : c + 4] = 1.0
    return x


@pytest.mark.parametrize("cls", [gz.models.Autoencoder, gz.models.VAE])
def test_training_lowers_validation_loss_and_history_names(cls):
    x = _small_images()
    train = gz.data.from_array(x[:192], batch_size=32, image_range=(0, 1), seed=0)
    val = gz.data.from_array(x[192:], batch_size=64, image_range=(0, 1), shuffle=False)
    model = cls(image_shape=(8, 8, 1), latent_dim=2, base_filters=8, seed=0)
    model.compile()
    before = model.evaluate(val, verbose=0, return_dict=True)["loss"]
    history = model.fit(train, validation_data=val, epochs=3, verbose=0)
    names = {"loss", "reconstruction_loss"} | ({"kl_loss"} if cls is gz.models.VAE else set())
    assert set(history.history) == names | {f"val_{n}" for n in names}
    assert history.history["val_loss"][-1] < before


@needs_fashion_mnist
def test_one_epoch_on_real_fashion_mnist_lowers_validation_loss():
    train = gz.data.load("fashion_mnist", split="train[:2048]", batch_size=128, image_range=(0, 1), seed=0)
    val = gz.data.load("fashion_mnist", split="test[:512]", batch_size=512, image_range=(0, 1))
    vae = gz.models.VAE(image_shape=(28, 28, 1), latent_dim=2, base_filters=8, seed=0)
    vae.compile()
    before = vae.evaluate(val, verbose=0, return_dict=True)
    after = vae.fit(train, validation_data=val, epochs=1, verbose=0).history
    assert after["val_loss"][-1] < before["loss"]
    assert before["loss"] == pytest.approx(before["reconstruction_loss"] + before["kl_loss"], rel=1e-4)


@pytest.mark.parametrize("cls", [gz.models.Autoencoder, gz.models.VAE])
def test_save_load_round_trip(cls, tmp_path):
    model = cls(image_shape=(8, 8, 1), latent_dim=3, base_filters=8, seed=0)
    model.compile()
    model.fit(gz.data.from_array(_small_images(64), batch_size=32, image_range=(0, 1)), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded) is cls and loaded.latent_dim == 3
    assert np.array_equal(model.generate(5, seed=4), loaded.generate(5, seed=4))
    assert int(npv(loaded.optimizer.iterations)) == 2
    assert all(np.array_equal(npv(a), npv(b)) for a, b in zip(model.optimizer.variables, loaded.optimizer.variables))
    loaded.fit(gz.data.from_array(_small_images(64), batch_size=32, image_range=(0, 1)), epochs=1, verbose=0)
    assert int(npv(loaded.optimizer.iterations)) == 4


def test_shapes_for_images_and_vectors():
    vae = gz.models.VAE(image_shape=(8, 8, 1), latent_dim=2, base_filters=8, seed=0)
    x = _small_images(5)
    z_mean, z_log_var = vae.encode(x)
    assert z_mean.shape == (5, 2) and z_log_var.shape == (5, 2)
    assert vae.decode(z_mean).shape == (5, 8, 8, 1)
    assert vae.reconstruct(x).shape == (5, 8, 8, 1)
    path = vae.interpolate(x[:2], x[2:4], steps=6)
    assert path.shape == (2, 6, 8, 8, 1)
    assert np.allclose(path[:, 0], vae.reconstruct(x[:2]), atol=1e-6)
    assert np.allclose(path[:, -1], vae.reconstruct(x[2:4]), atol=1e-6)
    images = vae.generate(7, seed=1)
    assert images.shape == (7, 8, 8, 1) and images.min() >= 0.0 and images.max() <= 1.0

    ae = gz.models.Autoencoder(data_shape=(5,), latent_dim=2, seed=0)
    assert ae.likelihood == "gaussian"
    v = np.random.default_rng(0).normal(size=(4, 5)).astype("float32") * 10
    assert ae.encode(v).shape == (4, 2) and ae.decode(ae.encode(v)).shape == (4, 5)


@pytest.mark.tensorflow_only
def test_bad_input_errors():
    vae = gz.models.VAE(image_shape=(8, 8, 1), latent_dim=2, base_filters=8)
    vae.compile()
    outside = np.full((4, 8, 8, 1), 2.0, np.float32)
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\] for the Bernoulli likelihood"):
        vae.encode(outside)
    minus_one_to_one = gz.data.from_array(_small_images(8) * 2 - 1, batch_size=4, input_range=(-1, 1),
                                         image_range=(-1, 1))
    with pytest.raises((tf.errors.InvalidArgumentError, ValueError), match=r"VAE takes images in \[0, 1\]"):
        vae.fit(minus_one_to_one, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 8, 8, 1\), got \(4, 28, 28, 1\)"):
        vae.encode(np.zeros((4, 28, 28, 1), np.float32))
    wrong = gz.data.from_array(np.zeros((4, 12, 12, 1), np.uint8), batch_size=2, image_range=(0, 1))
    with pytest.raises(ValueError, match=r"built for examples of shape \(8, 8, 1\)"):
        vae.fit(wrong, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="latent_dim must be a positive integer, got 0"):
        gz.models.VAE(image_shape=(8, 8, 1), latent_dim=0)
    with pytest.raises(ValueError, match="latent_dim must be a positive integer, got -2"):
        gz.models.Autoencoder(data_shape=(4,), latent_dim=-2)
    with pytest.raises(ValueError, match="beta must be a number >= 0"):
        gz.models.VAE(data_shape=(4,), beta=-1)
    with pytest.raises(ValueError, match="likelihood must be one of"):
        gz.models.VAE(data_shape=(4,), likelihood="poisson")
    with pytest.raises(ValueError, match=r"z must have shape \(N, 2\)"):
        vae.decode(np.zeros((3, 5)))
    plain_encoder = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"encoder must map \(4,\) to \[z_mean, z_log_var\]"):
        gz.models.VAE(data_shape=(4,), latent_dim=2, encoder=plain_encoder)
