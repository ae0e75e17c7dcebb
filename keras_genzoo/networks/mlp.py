"""Multi-layer perceptrons for vector data (and flattened images)."""

from __future__ import annotations

import math

import keras
from keras import layers, ops

from keras_genzoo.networks.initializers import glorot, offset_seed
from keras_genzoo.utils.validation import check_positive_int


def _dense(units, name, constraint=None, seed=None, index=0, activation=None):
    return layers.Dense(
        units,
        activation=activation,
        kernel_initializer=glorot(seed, index),
        kernel_constraint=constraint,
        bias_constraint=constraint,
        name=name,
    )


@keras.saving.register_keras_serializable(package="keras_genzoo")
class Pack(layers.Layer):
    """Packing (PacGAN, Lin et al. 2018): `(B, *shape) -> (B / m, m * prod(shape))`.

    Consecutive groups of `m = packing` examples are flattened and concatenated, so the
    layers after it judge `m` samples jointly and a discriminator built on it returns one
    score per pack. Real and fake batches are drawn i.i.d., so each pack holds `m`
    independent samples of one distribution, as the paper prescribes. The batch size must
    be a multiple of `m`.
    """

    def __init__(self, packing, **kwargs):
        super().__init__(**kwargs)
        self.packing = check_positive_int(packing, "packing")

    def _check_batch(self, batch):
        if batch is not None and batch % self.packing:
            raise ValueError(
                f"Pack(packing={self.packing}) needs a batch size divisible by {self.packing}, got a batch of {batch}. "
                "Use a batch size that is a multiple of the packing (and drop_remainder=True in tf.data)."
            )

    def call(self, x):
        static_batch = x.shape[0]
        self._check_batch(static_batch)
        width = self.packing * math.prod(x.shape[1:])
        if static_batch is None and keras.backend.backend() == "tensorflow":
            import tensorflow as tf  # a dynamic batch dimension exists only in TensorFlow graphs

            check = tf.debugging.assert_equal(
                tf.shape(x)[0] % self.packing,
                0,
                message=f"Pack(packing={self.packing}) needs a batch size divisible by {self.packing} "
                "(use drop_remainder=True in tf.data)",
            )
            with tf.control_dependencies([check]):
                return tf.reshape(x, (-1, width))
        return ops.reshape(x, (-1, width))

    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        self._check_batch(batch)
        return (None if batch is None else batch // self.packing, self.packing * math.prod(input_shape[1:]))

    def get_config(self):
        return dict(super().get_config(), packing=self.packing)


def mlp_generator(
    latent_dim, data_shape, hidden_units=(256, 512), output_activation="tanh", seed=None, name="generator"
):
    """`z (latent_dim,) -> x data_shape`: Dense+ReLU layers, then a Dense output reshaped to `data_shape`.

    `output_activation="tanh"` for data scaled to [-1, 1] (images); `None` for vectors in data units.
    """
    z = keras.Input((latent_dim,), name="z")
    h = z
    for i, units in enumerate(hidden_units):
        h = _dense(units, f"dense_{i}", seed=seed, index=i, activation="relu")(h)
    h = _dense(math.prod(data_shape), "output", seed=seed, index=len(hidden_units), activation=output_activation)(h)
    x = layers.Reshape(tuple(data_shape), name="reshape")(h)
    return keras.Model(z, x, name=name)


def mlp_discriminator(
    data_shape,
    hidden_units=(512, 256),
    leaky_slope=0.2,
    constraint=None,
    seed=None,
    name="discriminator",
    packing=1,
):
    """`x data_shape -> (1,)` unnormalised score: Flatten, Dense+LeakyReLU layers, linear output.

    The output is a logit for GANs and a critic value for WGANs. `constraint` (e.g.
    `ClipConstraint`) is set on every kernel and bias.

    `packing = m > 1` makes it a PacGAN discriminator: a `Pack` layer first concatenates
    groups of `m` examples, so a batch of `B` examples gives `B / m` scores (one per pack;
    `B` must be a multiple of `m`). The adversarial losses are means over scores, so they
    work unchanged.
    """
    seed = offset_seed(seed, 100)  # keep the discriminator's draws apart from the generator's
    packing = check_positive_int(packing, "packing")
    x = keras.Input(tuple(data_shape), name="x")
    h = Pack(packing, name="pack")(x) if packing > 1 else layers.Flatten(name="flatten")(x)
    for i, units in enumerate(hidden_units):
        h = _dense(units, f"dense_{i}", constraint, seed, i)(h)
        h = layers.LeakyReLU(leaky_slope, name=f"leaky_relu_{i}")(h)
    out = _dense(1, "score", constraint, seed, len(hidden_units))(h)
    return keras.Model(x, out, name=name)


def mlp_encoder(data_shape, latent_dim, variational=True, hidden_units=(256, 128), seed=None, name="encoder"):
    """`x -> z` (autoencoder) or `x -> [z_mean, z_log_var]` (VAE): Flatten, Dense+ReLU layers, linear heads."""
    x = keras.Input(tuple(data_shape), name="x")
    h = layers.Flatten(name="flatten")(x)
    for i, units in enumerate(hidden_units):
        h = _dense(units, f"dense_{i}", seed=seed, index=i, activation="relu")(h)
    if not variational:
        return keras.Model(x, _dense(latent_dim, "z", seed=seed, index=len(hidden_units))(h), name=name)
    z_mean = _dense(latent_dim, "z_mean", seed=seed, index=len(hidden_units))(h)
    z_log_var = layers.Dense(latent_dim, kernel_initializer="zeros", name="z_log_var")(h)
    return keras.Model(x, [z_mean, z_log_var], name=name)


def mlp_decoder(latent_dim, data_shape, hidden_units=(128, 256), seed=None, name="decoder"):
    """`z -> x` with a linear output (logits for images, the Gaussian mean for vectors)."""
    seed = offset_seed(seed, 100)  # keep the decoder's draws apart from the encoder's
    return mlp_generator(latent_dim, data_shape, hidden_units, output_activation=None, seed=seed, name=name)
