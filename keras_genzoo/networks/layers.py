"""Layers the networks need beyond Keras' own."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_genzoo")
class LayerNorm(keras.layers.LayerNormalization):
    """`keras.layers.LayerNormalization` with exact second derivatives on every backend.

    On TensorFlow, Keras computes the statistics with `tf.nn.moments`, whose variance holds
    the mean constant (`stop_gradient`): first derivatives are unaffected, but derivatives of
    derivatives are wrong. A gradient penalty differentiates the critic's input gradient, so
    WGAN-GP's critic step differed from JAX and PyTorch (which agree with finite differences).
    This layer computes the mean and variance with `keras.ops.mean`/`keras.ops.var`, exact to
    every order. Same arguments and weights as `LayerNormalization` (normalising over the last
    axes given by `axis`, scale and center on).
    """

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
