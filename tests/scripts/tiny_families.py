"""Shared by the subprocess scripts of tests/test_backends.py and tests/test_distribute.py:
tiny models of each family, and training noise injected as a fixed function of each example."""

from keras import ops

import keras_genzoo as gz

FAMILIES = {
    "GAN": lambda: gz.models.GAN(data_shape=(6,), latent_dim=3, hidden_units=(16, 16), seed=0),
    "DCGAN": lambda: gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, seed=0),
    "WGAN": lambda: gz.models.WGAN(data_shape=(6,), latent_dim=3, n_critic=2, seed=0),
    "WGANGP": lambda: gz.models.WGANGP(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, n_critic=2, seed=0),
    "Autoencoder": lambda: gz.models.Autoencoder(image_shape=(8, 8, 1), latent_dim=2, base_filters=4, seed=0),
    "VAE": lambda: gz.models.VAE(image_shape=(8, 8, 1), latent_dim=2, base_filters=4, seed=0),
}


class InjectedNoise:
    """Noise that is a fixed function of each example and of its purpose: identical however the
    batch is split across replicas, and on every backend."""

    def noise(self, kind, shape, purpose, data=None):
        flat = ops.reshape(ops.cast(data, "float32"), (ops.shape(data)[0], -1))
        key = ops.sum(flat, axis=1, keepdims=True) + {"latent": 1.0, "gp_eps": 2.0, "vae_eps": 3.0, "labels": 4.0}[purpose]
        width = shape[1] if len(shape) > 1 else 1
        phases = ops.reshape(ops.arange(1, width + 1, dtype="float32"), (1, width))
        values = ops.sin(key * phases * 1.7)
        values = values if len(shape) > 1 else ops.reshape(values, (-1,))
        return 0.5 + 0.5 * values if kind == "uniform" else values
