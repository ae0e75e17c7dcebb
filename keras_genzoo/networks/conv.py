"""DCGAN-style convolutional generators and discriminators/critics.

Architecture rules from Radford et al. (2016), "Unsupervised representation learning with
deep convolutional generative adversarial networks": strided convolutions instead of
pooling, fractionally-strided (transposed) convolutions in the generator, batch norm in
the generator and in the discriminator except its first layer, ReLU in the generator with
a tanh output, LeakyReLU(0.2) in the discriminator, weights drawn from N(0, 0.02).

Images need a height and width divisible by 4 (two stride-2 stages): 28x28, 32x32, 16x16.
"""

from __future__ import annotations

import keras
from keras import layers

from keras_genzoo.networks.initializers import dcgan_initializer, glorot, offset_seed
from keras_genzoo.networks.layers import LayerNorm
from keras_genzoo.utils.validation import check_choice

NORMALIZATIONS = ("batch", "layer", None)


def _check_image_shape(image_shape):
    if len(image_shape) != 3 or image_shape[0] % 4 or image_shape[1] % 4:
        raise ValueError(
            f"convolutional networks need image_shape (H, W, C) with H and W divisible by 4, got {tuple(image_shape)}."
        )


def _norm(kind, name, sync=False):
    check_choice(kind, "normalization", NORMALIZATIONS)
    if kind == "batch":
        return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, synchronized=sync, name=name)
    if kind == "layer":
        return LayerNorm(epsilon=1e-5, name=name)  # exact second derivatives (the gradient penalty)
    raise AssertionError("normalization=None has no layer: the builders skip _norm for it.")


UPSAMPLINGS = ("transpose", "nearest", "bilinear")


def project(x, image_shape, base_filters, sync_batch_norm=False, seed=None):
    """The DCGAN generators' stem: a vector to an `(H/4, W/4, 2 * base_filters)` feature map
    (dense projection without bias, batch norm, ReLU, reshape)."""
    h, w, _ = image_shape
    x = layers.Dense(
        (h // 4) * (w // 4) * base_filters * 2, use_bias=False, kernel_initializer=dcgan_initializer(seed, 0), name="project"
    )(x)
    x = _norm("batch", "project_bn", sync_batch_norm)(x)
    x = layers.ReLU(name="project_relu")(x)
    return layers.Reshape((h // 4, w // 4, base_filters * 2), name="reshape")(x)


def dcgan_generator(
    latent_dim,
    image_shape,
    base_filters=64,
    sync_batch_norm=False,
    seed=None,
    name="generator",
    upsample="transpose",
    kernel_size=None,
):
    """`z -> image`: Dense to `(H/4, W/4, 2f)`, then two stride-2 upsampling stages.

    Layers with `upsample="transpose"` (the DCGAN paper's; the default): Dense + BN + ReLU,
    ConvT(f, 4, s2) + BN + ReLU, ConvT(C, 4, s2) + tanh.

    With `upsample="nearest"` or `"bilinear"` each transposed convolution becomes an
    `UpSampling2D(2)` followed by a stride-1 convolution (kernel 3 by default), which avoids
    the checkerboard artefacts of strided transposed convolutions (Odena et al., 2016,
    "Deconvolution and checkerboard artifacts").

    Args:
        upsample: `"transpose"`, `"nearest"` or `"bilinear"`.
        kernel_size: kernel of the two upsampling convolutions; 4 for `"transpose"`, 3 otherwise.
    """
    _check_image_shape(image_shape)
    check_choice(upsample, "upsample", UPSAMPLINGS)
    if kernel_size is None:
        kernel_size = 4 if upsample == "transpose" else 3
    h, w, c = image_shape
    z = keras.Input((latent_dim,), name="z")
    x = project(z, image_shape, base_filters, sync_batch_norm, seed)

    def up(x, filters, index, use_bias):
        init = dcgan_initializer(seed, index)
        if upsample == "transpose":
            return layers.Conv2DTranspose(filters, kernel_size, 2, padding="same", use_bias=use_bias,
                                          kernel_initializer=init, name=f"up_{index}")(x)
        x = layers.UpSampling2D(2, interpolation=upsample, name=f"up_{index}_resize")(x)
        return layers.Conv2D(filters, kernel_size, padding="same", use_bias=use_bias, kernel_initializer=init,
                             name=f"up_{index}")(x)

    x = up(x, base_filters, 1, use_bias=False)
    x = _norm("batch", "up_1_bn", sync_batch_norm)(x)
    x = layers.ReLU(name="up_1_relu")(x)
    x = up(x, c, 2, use_bias=True)
    out = layers.Activation("tanh", name="tanh", dtype="float32")(x)
    return keras.Model(z, out, name=name)


def dcgan_discriminator(
    image_shape,
    base_filters=64,
    normalization="batch",
    constraint=None,
    sync_batch_norm=False,
    seed=None,
    name="discriminator",
    spectral_norm=False,
):
    """`image -> (1,)` unnormalised score: two stride-2 convolutions and a linear output.

    Layers: Conv(f, 4, s2) + LeakyReLU(0.2) (no normalisation on the first layer),
    Conv(2f, 4, s2) + norm + LeakyReLU(0.2), Flatten, Dense(1).

    Args:
        normalization: `"batch"` (DCGAN, WGAN), `"layer"` (WGAN-GP: the gradient penalty is
            per example, which batch norm would break) or `None`.
        constraint: a constraint set on every kernel and bias (WGAN's `ClipConstraint`).
        spectral_norm: wrap the two convolutions and the output layer in
            `keras.layers.SpectralNormalization` (Miyato et al., 2018; one power iteration per
            training call), which bounds each layer's Lipschitz constant. Usually combined with
            `normalization=None`. Not with `constraint`.
    """
    _check_image_shape(image_shape)
    check_choice(normalization, "normalization", NORMALIZATIONS)
    if spectral_norm and constraint is not None:
        raise ValueError("spectral_norm=True and a weight constraint do not combine; pass one of them.")
    seed = offset_seed(seed, 100)  # keep the discriminator's draws apart from the generator's
    kw = dict(kernel_constraint=constraint, bias_constraint=constraint)

    def sn(layer):
        return layers.SpectralNormalization(layer, name=f"{layer.name}_sn") if spectral_norm else layer

    x_in = keras.Input(tuple(image_shape), name="x")
    x = sn(layers.Conv2D(base_filters, 4, 2, padding="same", kernel_initializer=dcgan_initializer(seed, 0),
                         name="down_1", **kw))(x_in)
    x = layers.LeakyReLU(0.2, name="down_1_lrelu")(x)
    x = sn(layers.Conv2D(
        base_filters * 2, 4, 2, padding="same", use_bias=normalization is None,
        kernel_initializer=dcgan_initializer(seed, 1), name="down_2", **kw,
    ))(x)
    if normalization is not None:
        x = _norm(normalization, "down_2_norm", sync_batch_norm)(x)
    x = layers.LeakyReLU(0.2, name="down_2_lrelu")(x)
    x = layers.Flatten(name="flatten")(x)
    out = sn(layers.Dense(1, name="score", dtype="float32", kernel_initializer=dcgan_initializer(seed, 2), **kw))(x)
    return keras.Model(x_in, out, name=name)


def conv_encoder(
    image_shape, latent_dim, variational=True, base_filters=32, hidden_units=128, seed=None, name="encoder"
):
    """`image -> z` (autoencoder) or `image -> [z_mean, z_log_var]` (VAE).

    Layers: Conv(f, 3, s2) + ReLU, Conv(2f, 3, s2) + ReLU, Flatten, Dense(hidden) + ReLU,
    then one linear head of size `latent_dim` (two heads, mean and log-variance, when
    `variational`).
    """
    _check_image_shape(image_shape)
    x_in = keras.Input(tuple(image_shape), name="x")
    x = layers.Conv2D(base_filters, 3, 2, padding="same", activation="relu", kernel_initializer=glorot(seed, 0),
                      name="down_1")(x_in)
    x = layers.Conv2D(base_filters * 2, 3, 2, padding="same", activation="relu", kernel_initializer=glorot(seed, 1),
                      name="down_2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(hidden_units, activation="relu", kernel_initializer=glorot(seed, 2), name="hidden")(x)
    if not variational:
        return keras.Model(x_in, layers.Dense(latent_dim, kernel_initializer=glorot(seed, 3), name="z")(x), name=name)
    z_mean = layers.Dense(latent_dim, kernel_initializer=glorot(seed, 3), name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var", kernel_initializer="zeros")(x)
    return keras.Model(x_in, [z_mean, z_log_var], name=name)


def conv_decoder(latent_dim, image_shape, base_filters=32, hidden_units=128, seed=None, name="decoder"):
    """`z -> image logits`: the mirror of `conv_encoder`, with a linear output (the model
    applies the sigmoid, or uses the logits directly in a Bernoulli likelihood)."""
    _check_image_shape(image_shape)
    h, w, c = image_shape
    z = keras.Input((latent_dim,), name="z")
    seed = offset_seed(seed, 100)  # keep the decoder's draws apart from the encoder's
    x = layers.Dense(hidden_units, activation="relu", kernel_initializer=glorot(seed, 0), name="hidden")(z)
    x = layers.Dense((h // 4) * (w // 4) * base_filters * 2, activation="relu", kernel_initializer=glorot(seed, 1),
                     name="project")(x)
    x = layers.Reshape((h // 4, w // 4, base_filters * 2), name="reshape")(x)
    x = layers.Conv2DTranspose(base_filters * 2, 3, 2, padding="same", activation="relu",
                               kernel_initializer=glorot(seed, 2), name="up_1")(x)
    x = layers.Conv2DTranspose(base_filters, 3, 2, padding="same", activation="relu",
                               kernel_initializer=glorot(seed, 3), name="up_2")(x)
    out = layers.Conv2D(c, 3, padding="same", kernel_initializer=glorot(seed, 4), name="logits", dtype="float32")(x)
    return keras.Model(z, out, name=name)
