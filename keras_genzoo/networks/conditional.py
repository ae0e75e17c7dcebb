"""Networks that see a class label: conditional generators, projection / concatenation
discriminators, the AC-GAN discriminator, and the conditional VAE's encoder and decoder.

Every builder returns a functional `keras.Model` with named inputs, so the networks save,
load and clone like any Keras model (no custom layers). Labels enter as integer class
indices, input `"label"` of shape `(1,)`; a batch of labels of shape `(B,)` is accepted too
(Keras adds the trailing axis).

Conditioning schemes:

- **label embedding + concatenation** (generators): a learned `Embedding(num_classes, e)`
  named `"label_embedding"` turns the label into a vector that is concatenated with `z`.
  The rest of the generator is a sub-model named `"synthesis"` with inputs
  `[z, label_embedding]`, so the generator can also be driven by *any* embedding vector,
  e.g. a point between two classes' embeddings (`class_embeddings`, `synthesis_network`).
- **projection** (discriminators; Miyato & Koyama, 2018): features `phi(x)` from the
  unconditional trunk, an unconditional score `psi(phi(x))` and a class term
  `<embed(y), phi(x)>`: `D(x, y) = psi(phi(x)) + embed(y) . phi(x)`.
- **concatenation** (discriminators; the keras.io conditional GAN): the one-hot label is
  tiled into `num_classes` constant image channels and concatenated with the image (for
  vectors, concatenated with the flattened input), then the unconditional trunk.
- **auxiliary classifier** (AC-GAN, Odena et al., 2017): an unconditional trunk with two
  heads, a real/fake logit `"source"` and class logits `"class_logits"`; `label_classifier`
  is the same trunk with the class head only (the conditional VAE's class-consistency term).
"""

from __future__ import annotations

import math

import keras
from keras import layers

from keras_genzoo.networks.conv import _check_image_shape, _norm, project
from keras_genzoo.networks.initializers import dcgan_initializer, glorot, normal, offset_seed
from keras_genzoo.utils.validation import check_choice, check_positive_int, resolve_data_shape

CONDITIONINGS = ("projection", "concat")
#: How a conditional generator joins z and the label embedding.
LABEL_COMBINATIONS = ("concat", "multiply")
#: Names that are part of the contract (class interpolation reads them).
EMBEDDING_LAYER = "label_embedding"
SYNTHESIS_NETWORK = "synthesis"


def _label_input():
    return keras.Input((1,), dtype="int32", name="label")


def _one_hot(label, num_classes, name="label_one_hot"):
    """A fixed (non-trainable) identity embedding: the one-hot code of the label, `(B, K)`."""
    e = layers.Embedding(num_classes, num_classes, embeddings_initializer="identity", trainable=False, name=name)(label)
    return layers.Flatten(name=f"{name}_flat")(e)


def _label_maps(label, num_classes, height, width):
    """The one-hot label tiled into `num_classes` constant channels of an `(H, W)` image."""
    code = _one_hot(label, num_classes)
    code = layers.Reshape((1, 1, num_classes), name="label_one_hot_1x1")(code)
    return layers.UpSampling2D((height, width), name="label_maps")(code)


# --------------------------------------------------------------------------- generators
def check_label_combination(value):
    """`value` if it is one of `LABEL_COMBINATIONS`; otherwise a ValueError naming them."""
    return check_choice(value, "label_combination", LABEL_COMBINATIONS)


def _join(z, e, combination):
    if combination == "multiply":
        return layers.Multiply(name="z_times_label")([z, e])
    return layers.Concatenate(name="z_and_label")([z, e])


def _conv_synthesis(latent_dim, embedding_dim, image_shape, base_filters, sync_batch_norm, seed, combination="concat"):
    """`[z, e] -> image in [-1, 1]`: the DCGAN generator applied to z and e joined (`_join`)."""
    h, w, c = image_shape
    z = keras.Input((latent_dim,), name="z")
    e = keras.Input((embedding_dim,), name="label_embedding")
    x = project(_join(z, e, combination), image_shape, base_filters, sync_batch_norm, seed)
    x = layers.Conv2DTranspose(
        base_filters, 4, 2, padding="same", use_bias=False, kernel_initializer=dcgan_initializer(seed, 1), name="up_1"
    )(x)
    x = _norm("batch", "up_1_bn", sync_batch_norm)(x)
    x = layers.ReLU(name="up_1_relu")(x)
    x = layers.Conv2DTranspose(c, 4, 2, padding="same", kernel_initializer=dcgan_initializer(seed, 2), name="up_2")(x)
    out = layers.Activation("tanh", name="tanh", dtype="float32")(x)
    return keras.Model([z, e], out, name=SYNTHESIS_NETWORK)


def _mlp_synthesis(latent_dim, embedding_dim, data_shape, hidden_units, output_activation, seed, combination="concat"):
    z = keras.Input((latent_dim,), name="z")
    e = keras.Input((embedding_dim,), name="label_embedding")
    h = _join(z, e, combination)
    for i, units in enumerate(hidden_units):
        h = layers.Dense(units, activation="relu", kernel_initializer=glorot(seed, i), name=f"dense_{i}")(h)
    h = layers.Dense(
        math.prod(data_shape), activation=output_activation, kernel_initializer=glorot(seed, len(hidden_units)),
        name="output", dtype="float32",
    )(h)
    x = layers.Reshape(tuple(data_shape), name="reshape", dtype="float32")(h)
    return keras.Model([z, e], x, name=SYNTHESIS_NETWORK)


def conditional_generator(
    latent_dim,
    data_shape,
    num_classes,
    embedding_dim=32,
    base_filters=64,
    hidden_units=(256, 512),
    output_activation="auto",
    sync_batch_norm=False,
    seed=None,
    name="generator",
    label_combination="concat",
):
    """`[z (latent_dim,), label (1,)] -> x data_shape`, conditioned by a learned label embedding.

    Layers: `Embedding(num_classes, embedding_dim)` named `"label_embedding"`, then the
    sub-model `"synthesis"` `[z, embedding] -> x`, which joins its inputs and runs
    the DCGAN generator (images `(H, W, C)`, H and W divisible by 4; tanh output in
    [-1, 1]) or an MLP (vectors `(d,)`: Dense+ReLU `hidden_units`, linear output).

    `label_combination="concat"` concatenates z and the embedding; the embedding starts as
    N(0, 1) draws, the scale of `z`, so that the label is not drowned by the noise at
    initialisation. `"multiply"` feeds `z * embedding` (element-wise; `embedding_dim` must
    equal `latent_dim`), as in Keras' original AC-GAN example (examples/mnist_acgan.py):
    each class rescales the noise, so the generator cannot produce an image from the label
    alone. The embedding then starts near 1 (N(1, 0.5^2) draws). With an unconditional
    discriminator (AC-GAN) the concatenating generator learned to ignore z and drew one image
    per class, where the multiplying one stayed diverse (docs/tutorials/conditional.md, "Keep
    z in play: multiply it by the label").

    To decode an arbitrary embedding vector `e` (e.g. between two classes), call the
    sub-model directly: `synthesis_network(g)([z, e])`; `class_embeddings(g)` gives the
    learned table.

    Args:
        output_activation: `"auto"` (tanh for images, linear for vectors), or any Keras
            activation name / `None`; used by the MLP only (conv outputs are always tanh).
    """
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    num_classes = check_positive_int(num_classes, "num_classes")
    embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
    check_label_combination(label_combination)
    if label_combination == "multiply" and embedding_dim != latent_dim:
        raise ValueError(f"label_combination='multiply' needs embedding_dim == latent_dim ({latent_dim}), "
                         f"got embedding_dim={embedding_dim}.")
    data_shape = _check_data_shape(data_shape)
    if len(data_shape) == 3:
        base_filters = check_positive_int(base_filters, "base_filters")
        synthesis = _conv_synthesis(latent_dim, embedding_dim, data_shape, base_filters,
                                    sync_batch_norm, seed, label_combination)
    else:
        activation = None if output_activation == "auto" else output_activation
        synthesis = _mlp_synthesis(latent_dim, embedding_dim, data_shape, tuple(hidden_units), activation, seed,
                                   label_combination)
    z = keras.Input((latent_dim,), name="z")
    label = _label_input()
    mean, std = (1.0, 0.5) if label_combination == "multiply" else (0.0, 1.0)
    e = layers.Embedding(
        num_classes, embedding_dim, embeddings_initializer=normal(mean, std, seed, 50), name=EMBEDDING_LAYER,
    )(label)
    e = layers.Flatten(name="label_vector")(e)
    return keras.Model([z, label], synthesis([z, e]), name=name)


def synthesis_network(generator):
    """The part of a `conditional_generator` after the embedding: `[z, embedding] -> x`.

    Drive it with embeddings that no label has (interpolations between classes). Raises
    `ValueError` for a generator without the `"synthesis"` sub-model.
    """
    try:
        return generator.get_layer(SYNTHESIS_NETWORK)
    except ValueError:
        raise ValueError(
            f"generator {generator.name!r} has no sub-model named {SYNTHESIS_NETWORK!r}; class interpolation needs a "
            "generator built by keras_genzoo.networks.conditional_generator."
        ) from None


def class_embeddings(generator):
    """The learned label embeddings of a `conditional_generator`, `(num_classes, embedding_dim)` numpy."""
    try:
        layer = generator.get_layer(EMBEDDING_LAYER)
    except ValueError:
        raise ValueError(
            f"generator {generator.name!r} has no Embedding layer named {EMBEDDING_LAYER!r}; class interpolation needs "
            "a generator built by keras_genzoo.networks.conditional_generator."
        ) from None
    return keras.ops.convert_to_numpy(layer.embeddings)


# --------------------------------------------------------------------------- discriminator trunks
def _conv_trunk(x, base_filters, normalization, sync_batch_norm, seed):
    """The DCGAN discriminator without its output layer: features `(B, (H/4)(W/4)2f)`."""
    x = layers.Conv2D(base_filters, 4, 2, padding="same", kernel_initializer=dcgan_initializer(seed, 0), name="down_1")(x)
    x = layers.LeakyReLU(0.2, name="down_1_lrelu")(x)
    x = layers.Conv2D(base_filters * 2, 4, 2, padding="same", use_bias=normalization is None,
                      kernel_initializer=dcgan_initializer(seed, 1), name="down_2")(x)
    if normalization is not None:
        x = _norm(normalization, "down_2_norm", sync_batch_norm)(x)
    x = layers.LeakyReLU(0.2, name="down_2_lrelu")(x)
    return layers.Flatten(name="features")(x)


def _mlp_trunk(h, hidden_units, seed):
    for i, units in enumerate(hidden_units):
        h = layers.Dense(units, kernel_initializer=glorot(seed, i), name=f"dense_{i}")(h)
        h = layers.LeakyReLU(0.2, name=f"leaky_relu_{i}")(h)
    return h


def _check_data_shape(data_shape):
    """`(d,)` or `(H, W, C)` with H and W divisible by 4, as a tuple of ints."""
    data_shape = resolve_data_shape(data_shape, None)
    if len(data_shape) == 3:
        _check_image_shape(data_shape)
    return data_shape


def conditional_discriminator(
    data_shape,
    num_classes,
    conditioning="projection",
    base_filters=64,
    hidden_units=(512, 256),
    normalization="batch",
    sync_batch_norm=False,
    seed=None,
    name="discriminator",
):
    """`[x data_shape, label (1,)] -> (1,)` unnormalised score (a logit, or a critic value).

    Args:
        conditioning: `"projection"`: `psi(phi(x)) + <embed(y), phi(x)>` with `phi` the
            DCGAN conv trunk (images) or the MLP trunk (vectors), `psi` a Dense(1) named
            `"score"` and `embed` an `Embedding(num_classes, dim phi)` named
            `"label_projection"`; or `"concat"`: one-hot label maps as extra image channels
            (vectors: the one-hot code appended to x), then the trunk and a Dense(1).
        normalization: of the conv trunk's second layer: `"batch"`, `"layer"` (use it with
            the gradient penalty) or `None`.
    """
    check_choice(conditioning, "conditioning", CONDITIONINGS)
    data_shape = _check_data_shape(data_shape)
    num_classes = check_positive_int(num_classes, "num_classes")
    seed = offset_seed(seed, 100)  # keep the discriminator's draws apart from the generator's
    x_in = keras.Input(data_shape, name="x")
    label = _label_input()
    x = x_in
    if conditioning == "concat":
        if len(data_shape) == 3:
            x = layers.Concatenate(name="x_and_label")([x, _label_maps(label, num_classes, *data_shape[:2])])
        else:
            x = layers.Concatenate(name="x_and_label")([x, _one_hot(label, num_classes)])
    if len(data_shape) == 3:
        base_filters = check_positive_int(base_filters, "base_filters")
        features = _conv_trunk(x, base_filters, normalization, sync_batch_norm, seed)
    else:
        features = _mlp_trunk(layers.Flatten(name="flatten")(x), tuple(hidden_units), seed)
    score = layers.Dense(1, kernel_initializer=dcgan_initializer(seed, 2), name="score", dtype="float32")(features)
    if conditioning == "projection":
        projection = layers.Embedding(
            num_classes, int(features.shape[-1]), embeddings_initializer=dcgan_initializer(seed, 3), name="label_projection"
        )(label)
        projection = layers.Flatten(name="label_projection_flat")(projection)
        inner = layers.Dot(axes=1, name="class_term", dtype="float32")([projection, features])
        score = layers.Add(name="projected_score", dtype="float32")([score, inner])
    return keras.Model([x_in, label], score, name=name)


def acgan_discriminator(
    data_shape,
    num_classes,
    base_filters=64,
    hidden_units=(512, 256),
    normalization="batch",
    sync_batch_norm=False,
    seed=None,
    name="discriminator",
):
    """`x -> [source (1,), class_logits (num_classes,)]`: the AC-GAN discriminator.

    The DCGAN conv trunk (images) or MLP trunk (vectors), then two linear heads on the same
    features: `"source"` (real/fake logit) and `"class_logits"` (unnormalised class scores).
    """
    data_shape = _check_data_shape(data_shape)
    num_classes = check_positive_int(num_classes, "num_classes")
    seed = offset_seed(seed, 100)  # as conditional_discriminator
    x_in = keras.Input(data_shape, name="x")
    if len(data_shape) == 3:
        base_filters = check_positive_int(base_filters, "base_filters")
        features = _conv_trunk(x_in, base_filters, normalization, sync_batch_norm, seed)
    else:
        features = _mlp_trunk(layers.Flatten(name="flatten")(x_in), tuple(hidden_units), seed)
    source = layers.Dense(1, kernel_initializer=dcgan_initializer(seed, 2), name="source", dtype="float32")(features)
    classes = layers.Dense(num_classes, kernel_initializer=dcgan_initializer(seed, 3), name="class_logits",
                           dtype="float32")(features)
    return keras.Model(x_in, [source, classes], name=name)


def label_classifier(data_shape, num_classes, base_filters=32, hidden_units=(512, 256), seed=None, name="classifier"):
    """`x -> class_logits (num_classes,)`: a classifier of real data.

    The AC-GAN discriminator without its source head and without normalization (so that it
    computes the same function in training and inference): the DCGAN conv trunk (images) or
    MLP trunk (vectors), then a linear `"class_logits"` head.
    """
    data_shape = _check_data_shape(data_shape)
    num_classes = check_positive_int(num_classes, "num_classes")
    seed = offset_seed(seed, 200)  # apart from the encoder's and decoder's draws
    x_in = keras.Input(data_shape, name="x")
    if len(data_shape) == 3:
        features = _conv_trunk(x_in, check_positive_int(base_filters, "base_filters"), None, False, seed)
    else:
        features = _mlp_trunk(layers.Flatten(name="flatten")(x_in), tuple(hidden_units), seed)
    logits = layers.Dense(num_classes, kernel_initializer=dcgan_initializer(seed, 3), name="class_logits",
                          dtype="float32")(features)
    return keras.Model(x_in, logits, name=name)


# --------------------------------------------------------------------------- conditional VAE
def conditional_encoder(
    data_shape, num_classes, latent_dim, base_filters=32, hidden_units=128, mlp_units=(256, 128), seed=None,
    name="encoder",
):
    """`[x, label] -> [z_mean, z_log_var]`, each `(latent_dim,)`: q(z | x, y).

    Images: Conv(f, 3, s2)+ReLU, Conv(2f, 3, s2)+ReLU, Flatten, concatenated with the one-hot
    label, Dense(hidden_units)+ReLU. Vectors: x and the one-hot label concatenated, then
    Dense+ReLU `mlp_units`. Linear heads; the log-variance head starts at zero (unit variance).
    """
    data_shape = _check_data_shape(data_shape)
    num_classes = check_positive_int(num_classes, "num_classes")
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    x_in = keras.Input(data_shape, name="x")
    label = _label_input()
    code = _one_hot(label, num_classes)
    if len(data_shape) == 3:
        f = check_positive_int(base_filters, "base_filters")
        h = layers.Conv2D(f, 3, 2, padding="same", activation="relu", kernel_initializer=glorot(seed, 0),
                          name="down_1")(x_in)
        h = layers.Conv2D(2 * f, 3, 2, padding="same", activation="relu", kernel_initializer=glorot(seed, 1),
                          name="down_2")(h)
        h = layers.Concatenate(name="features_and_label")([layers.Flatten(name="flatten")(h), code])
        hidden_units = check_positive_int(hidden_units, "hidden_units")
        h = layers.Dense(hidden_units, activation="relu", kernel_initializer=glorot(seed, 2),
                         name="hidden")(h)
        index = 3
    else:
        h = layers.Concatenate(name="x_and_label")([layers.Flatten(name="flatten")(x_in), code])
        for i, units in enumerate(mlp_units):
            h = layers.Dense(units, activation="relu", kernel_initializer=glorot(seed, i), name=f"dense_{i}")(h)
        index = len(mlp_units)
    z_mean = layers.Dense(latent_dim, kernel_initializer=glorot(seed, index), name="z_mean", dtype="float32")(h)
    z_log_var = layers.Dense(latent_dim, kernel_initializer="zeros", name="z_log_var", dtype="float32")(h)
    return keras.Model([x_in, label], [z_mean, z_log_var], name=name)


def conditional_decoder(
    latent_dim, data_shape, num_classes, base_filters=32, hidden_units=128, mlp_units=(128, 256), seed=None,
    name="decoder",
):
    """`[z, label] -> x` with a linear output: p(x | z, y).

    The one-hot label is concatenated with z; then (images) Dense(hidden)+ReLU, Dense to
    `(H/4, W/4, 2f)`+ReLU, ConvT(2f, 3, s2)+ReLU, ConvT(f, 3, s2)+ReLU, Conv(C, 3) logits
    (the mirror of `conv_decoder`), or (vectors) Dense+ReLU `mlp_units` and a linear output
    (the Gaussian mean).
    """
    data_shape = _check_data_shape(data_shape)
    num_classes = check_positive_int(num_classes, "num_classes")
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    seed = offset_seed(seed, 100)  # keep the decoder's draws apart from the encoder's
    z = keras.Input((latent_dim,), name="z")
    label = _label_input()
    h = layers.Concatenate(name="z_and_label")([z, _one_hot(label, num_classes)])
    if len(data_shape) == 3:
        height, width, channels = data_shape
        f = check_positive_int(base_filters, "base_filters")
        hidden_units = check_positive_int(hidden_units, "hidden_units")
        h = layers.Dense(hidden_units, activation="relu", kernel_initializer=glorot(seed, 0),
                         name="hidden")(h)
        h = layers.Dense((height // 4) * (width // 4) * 2 * f, activation="relu", kernel_initializer=glorot(seed, 1),
                         name="project")(h)
        h = layers.Reshape((height // 4, width // 4, 2 * f), name="reshape")(h)
        h = layers.Conv2DTranspose(2 * f, 3, 2, padding="same", activation="relu", kernel_initializer=glorot(seed, 2),
                                   name="up_1")(h)
        h = layers.Conv2DTranspose(f, 3, 2, padding="same", activation="relu", kernel_initializer=glorot(seed, 3),
                                   name="up_2")(h)
        out = layers.Conv2D(channels, 3, padding="same", kernel_initializer=glorot(seed, 4), name="logits",
                            dtype="float32")(h)
    else:
        for i, units in enumerate(mlp_units):
            h = layers.Dense(units, activation="relu", kernel_initializer=glorot(seed, i), name=f"dense_{i}")(h)
        h = layers.Dense(math.prod(data_shape), kernel_initializer=glorot(seed, len(mlp_units)), name="output",
                         dtype="float32")(h)
        out = layers.Reshape(data_shape, name="reshape", dtype="float32")(h)
    return keras.Model([z, label], out, name=name)
