"""Layers the networks need beyond Keras' own."""

from __future__ import annotations

import keras
from keras import ops

from keras_genzoo.utils.validation import check_positive_int


@keras.saving.register_keras_serializable(package="keras_genzoo")
class LayerNorm(keras.layers.LayerNormalization):
    """`keras.layers.LayerNormalization` with exact second derivatives on every backend.

    On TensorFlow, Keras computes the statistics with `tf.nn.moments`, whose variance holds
    the mean constant (`stop_gradient`): first derivatives are unaffected, but derivatives of
    derivatives are wrong. A gradient penalty differentiates the critic's input gradient, so
    WGAN-GP's critic step differed from JAX and PyTorch (which agree with finite differences).
    This layer computes the mean and variance with `keras.ops.mean`/`keras.ops.var`, exact to
    every order. Same arguments and weights as `LayerNormalization` (normalising over the last
    axes given by `axis`, scale and center on). Keras' deprecated `rms_scaling=True` is
    refused rather than ignored (use `keras.layers.RMSNormalization`).
    """

    def __init__(self, *args, rms_scaling=False, **kwargs):
        if rms_scaling:
            raise ValueError("LayerNorm does not implement rms_scaling=True (deprecated in Keras); "
                             "use keras.layers.RMSNormalization.")
        super().__init__(*args, **kwargs)

    def call(self, inputs):
        dtype = keras.backend.result_type(inputs.dtype, "float32")  # statistics in at least float32
        x = ops.cast(inputs, dtype)
        axes = self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]
        axes = [a % len(x.shape) for a in axes]
        mean = ops.mean(x, axis=axes, keepdims=True)
        variance = ops.var(x, axis=axes, keepdims=True)
        out = (x - mean) * ops.rsqrt(variance + self.epsilon)
        shape = [1] * len(x.shape)
        for a in axes:
            shape[a] = x.shape[a]
        if self.scale:
            out = out * ops.reshape(ops.cast(self.gamma, dtype), shape)
        if self.center:
            out = out + ops.reshape(ops.cast(self.beta, dtype), shape)
        return ops.cast(out, self.compute_dtype)


@keras.saving.register_keras_serializable(package="keras_genzoo")
class ClassPrior(keras.layers.Layer):
    """A learned Gaussian per class, `p(z | y) = N(mean[y], diag exp(log_var[y]))`: the prior
    network of Sohn et al. (2015) when the condition is a class label.

    `call(labels)` maps integer labels `(B,)` or `(B, 1)` to `(mean, log_var)`, each
    `(B, latent_dim)` in float32. Both tables start at zero, i.e. at the standard normal.
    """

    def __init__(self, num_classes, latent_dim, **kwargs):
        kwargs.setdefault("dtype", "float32")  # a handful of parameters: kept in float32 under mixed precision
        super().__init__(**kwargs)
        self.num_classes = check_positive_int(num_classes, "num_classes")
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.mean = self.add_weight(shape=(self.num_classes, self.latent_dim), initializer="zeros", name="mean")
        self.log_var = self.add_weight(shape=(self.num_classes, self.latent_dim), initializer="zeros",
                                       name="log_var")
        self.built = True

    def call(self, labels):
        labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
        return ops.take(self.mean, labels, axis=0), ops.take(self.log_var, labels, axis=0)

    def compute_output_spec(self, labels):
        # Two distinct tensors: a functional graph tells outputs apart by identity.
        shape = (labels.shape[0], self.latent_dim)
        return keras.KerasTensor(shape, dtype="float32"), keras.KerasTensor(shape, dtype="float32")

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, latent_dim=self.latent_dim)
        return config
