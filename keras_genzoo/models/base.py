"""What every generative model in the zoo shares: its data shape, its latent prior, seeded
sampling, and `generate()` handing images back in [0, 1]."""

from __future__ import annotations

import numbers

import keras
import numpy as np
from keras import ops

from keras_genzoo import gradients

LATENT_PRIORS = ("normal", "uniform")


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def resolve_data_shape(data_shape, image_shape):
    """Accepts `data_shape` or its alias `image_shape`; returns a tuple of positive ints, rank 1 or 3."""
    if data_shape is not None and image_shape is not None and tuple(data_shape) != tuple(image_shape):
        raise ValueError(f"Got both data_shape={data_shape} and image_shape={image_shape}; pass one of them.")
    shape = data_shape if data_shape is not None else image_shape
    if shape is None:
        raise ValueError("Pass the shape of one example: image_shape=(H, W, C) for images or data_shape=(d,) for vectors.")
    try:
        shape = tuple(check_positive_int(int(s) if isinstance(s, np.integer) else s, "each dimension") for s in shape)
    except TypeError:
        raise ValueError(f"data_shape must be a tuple of positive integers, got {shape!r}.") from None
    if len(shape) not in (1, 3):
        raise ValueError(f"data_shape must be (d,) for vectors or (H, W, C) for images, got {shape}.")
    return shape


class GenerativeModel(keras.Model):
    """Base of every model in the zoo.

    Subclasses define `decode_latent(z)` (latent vectors to model-space outputs) and
    `to_data_space(x)` (model space to what users get: images in [0, 1], vectors in data units).

    Args:
        data_shape: shape of one example, `(H, W, C)` or `(d,)`.
        latent_dim: size of the latent vector.
        latent_prior: `"normal"` (standard normal) or `"uniform"` (U[-1, 1]).
        seed: seeds the noise drawn during training.
    """

    def __init__(self, data_shape, latent_dim, latent_prior="normal", seed=None, **kwargs):
        super().__init__(**kwargs)
        gradients.check_backend()
        self.data_shape = tuple(data_shape)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        if latent_prior not in LATENT_PRIORS:
            raise ValueError(f"latent_prior must be one of {LATENT_PRIORS}, got {latent_prior!r}.")
        self.latent_prior = latent_prior
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")

    @property
    def is_image_model(self):
        return len(self.data_shape) == 3

    # ------------------------------------------------------------------ sampling
    def _draw_latent(self, n, seed):
        shape = (n, self.latent_dim)
        if self.latent_prior == "uniform":
            return keras.random.uniform(shape, minval=-1.0, maxval=1.0, seed=seed)
        return keras.random.normal(shape, seed=seed)

    def noise(self, kind, shape, purpose, data=None):
        """All randomness a training step uses: `kind` "normal" or "uniform" (U[0, 1]) of
        `shape`, for `purpose` ("latent", "gp_eps", "vae_eps"). Drawn from the model's seed
        generator, different on every replica. `data` is the real batch the noise goes with;
        subclasses may override this to inject noise (tests compare one device with many)."""
        return gradients.random_per_replica(kind, shape, self.seed_generator)

    def latent_batch(self, batch_size, data=None):
        """Prior samples for a training step (see `noise`)."""
        shape = (batch_size, self.latent_dim)
        if self.latent_prior == "uniform":
            return self.noise("uniform", shape, "latent", data) * 2.0 - 1.0
        return self.noise("normal", shape, "latent", data)

    def sample_latent(self, n, seed=None):
        """`n` latent vectors from the prior as numpy float32 `(n, latent_dim)`; same seed, same vectors."""
        n = check_positive_int(n, "n")
        return np.asarray(ops.convert_to_numpy(self._draw_latent(n, seed)), np.float32)

    def decode_latent(self, z, training=False):  # pragma: no cover - abstract
        raise NotImplementedError

    def to_data_space(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def generate(self, n, seed=None, batch_size=256, z=None):
        """Samples `n` examples: images as numpy float32 in [0, 1] `(n, H, W, C)`, vectors in data units.

        Args:
            n: number of samples.
            seed: an int makes the output reproducible (same seed, same samples).
            batch_size: samples decoded at a time.
            z: optional latent vectors `(n, latent_dim)` to decode instead of prior samples.
        """
        n = check_positive_int(n, "n")
        batch_size = check_positive_int(batch_size, "batch_size")
        if z is None:
            z = self.sample_latent(n, seed)
        z = np.asarray(z, np.float32)
        if z.shape != (n, self.latent_dim):
            raise ValueError(f"z must have shape ({n}, {self.latent_dim}), got {z.shape}.")
        out = [
            ops.convert_to_numpy(self.to_data_space(self.decode_latent(z[i : i + batch_size], training=False)))
            for i in range(0, n, batch_size)
        ]
        return np.concatenate(out).astype(np.float32)

    def metric_logs(self):
        """What `train_step` and `test_step` return: every tracker's current result."""
        return gradients.log_values({m.name: m.result() for m in self.metrics})

    # ------------------------------------------------------------------ input checks
    def unpack_data(self, data):
        """The examples of a batch (labels, if any, are dropped), with their shape checked."""
        x = data[0] if isinstance(data, (tuple, list)) else data
        shape = tuple(x.shape[1:])
        if shape != self.data_shape:
            raise ValueError(
                f"{type(self).__name__} was built for examples of shape {self.data_shape}, "
                f"but the data has shape {shape}. Build the model with data_shape={shape} "
                "or resize the data (gz.data.load(..., image_size=...))."
            )
        return x

    #: attributes holding sub-models, serialized into the config by name (and so part of the saved format)
    sub_model_names = ()

    def get_config(self):
        config = super().get_config()
        config.update(
            data_shape=list(self.data_shape),
            latent_dim=self.latent_dim,
            latent_prior=self.latent_prior,
            seed=self.seed,
        )
        for name in self.sub_model_names:
            config[name] = keras.saving.serialize_keras_object(getattr(self, name))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in cls.sub_model_names:
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)
