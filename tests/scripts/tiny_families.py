"""Shared by the subprocess scripts of tests/test_backends.py and tests/test_distribute.py:
tiny models of each family, and training noise injected as a fixed function of each example."""

import numpy as np
from keras import ops

import keras_genzoo as gz

FAMILIES = {
    "GAN": lambda: gz.models.GAN(data_shape=(6,), latent_dim=3, hidden_units=(16, 16), seed=0),
    "DCGAN": lambda: gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, seed=0),
    "WGAN": lambda: gz.models.WGAN(data_shape=(6,), latent_dim=3, n_critic=2, seed=0),
    "WGANGP": lambda: gz.models.WGANGP(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, n_critic=2, seed=0),
    "Autoencoder": lambda: gz.models.Autoencoder(image_shape=(8, 8, 1), latent_dim=2, base_filters=4, seed=0),
    "VAE": lambda: gz.models.VAE(image_shape=(8, 8, 1), latent_dim=2, base_filters=4, seed=0),
    "FlowMatching": lambda: gz.models.FlowMatching(image_shape=(8, 8, 1), num_classes=3, base_filters=4, ema_decay=0.9,
                                                   time_sampling="logit_normal", sampling_steps=3, seed=0),
    "Diffusion": lambda: gz.models.Diffusion(image_shape=(8, 8, 1), base_filters=4, ema_decay=0.9, sampling_steps=3,
                                             seed=0),
}

#: the constant that makes each purpose's noise differ from the others'
PURPOSES = {"latent": 1.0, "gp_eps": 2.0, "vae_eps": 3.0, "labels": 4.0, "flow_eps": 5.0, "flow_t": 6.0,
            "diffusion_eps": 7.0, "diffusion_t": 8.0, "label_dropout": 9.0}


def labels_for(model, n):
    """Class labels for `n` examples of a conditional model (None otherwise)."""
    return (np.arange(n) % model.num_classes).astype("int32") if model.is_conditional else None


class InjectedNoise:
    """Noise that is a fixed function of each example and of its purpose: identical however the
    batch is split across replicas, and on every backend."""

    def noise(self, kind, shape, purpose, data=None):
        flat = ops.reshape(ops.cast(data, "float32"), (ops.shape(data)[0], -1))
        key = ops.sum(flat, axis=1, keepdims=True) + PURPOSES[purpose]
        width = int(np.prod(shape[1:]))
        phases = ops.reshape(ops.arange(1, width + 1, dtype="float32"), (1, width))
        values = ops.reshape(ops.sin(key * phases * 1.7), (-1,) + tuple(shape[1:]))
        return 0.5 + 0.5 * values if kind == "uniform" else values
