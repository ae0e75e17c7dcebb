"""A time-conditioned U-Net: the denoiser / velocity network of diffusion and flow matching.

`unet(image_shape, ...)` builds a functional `keras.Model`

    [x_t (H, W, C) float32, t (1,) float32]            -> (H, W, C)
    [x_t (H, W, C) float32, t (1,) float32, label (1,) int32] -> (H, W, C)   (num_classes given)

in the style of Ho et al. (2020) and Nichol & Dhariwal (2021): a sinusoidal embedding of the
time `t` followed by a two-layer MLP; residual blocks (GroupNorm, SiLU, 3x3 convolution) whose
second normalisation is scaled and shifted by the time embedding (the scale-shift norm of
Dhariwal & Nichol, 2021); optional single-head self-attention at
chosen resolutions; an optional class embedding added to the time embedding, with one extra
"null" class (index `num_classes`) that classifier-free guidance uses for "no label"; and a
zero-initialised output convolution, so that the network predicts 0 at initialisation.

The stages come from the image size: each stride-2 stage halves H and W, and the skip
connections line up only if every stage divides evenly. By default the network takes as many
stride-2 stages (at most 3) as keep the lowest resolution an integer of at least 4: two at
28x28 (28 -> 14 -> 7), three at 32x32 (-> 4) and 64x64 (-> 8), one at 8x8.
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops

from keras_genzoo.networks.initializers import glorot
from keras_genzoo.utils.validation import check_number, check_positive_int

__all__ = ["SinusoidalEmbedding", "unet", "unet_stages"]

#: the most stride-2 stages `unet` chooses by itself
MAX_AUTO_STAGES = 3
#: the smallest lowest resolution `unet` goes down to by itself
MIN_AUTO_RESOLUTION = 4


@keras.saving.register_keras_serializable(package="keras_genzoo")
class SinusoidalEmbedding(layers.Layer):
    """`t (batch, 1) -> (batch, dim)`: `[sin(s t w_k), cos(s t w_k)]` with frequencies
    `w_k = max_period^(-k / (dim / 2))`, `k = 0..dim/2-1`, and `s = scale` (1000 maps a time in
    [0, 1] onto the range of the discrete-step embeddings of Ho et al. 2020).

    Example:

        >>> import numpy as np, keras_genzoo as gz
        >>> layer = gz.networks.SinusoidalEmbedding(8)
        >>> e = keras.ops.convert_to_numpy(layer(np.array([[0.0], [0.5]], "float32")))
        >>> e.shape, e[0].round(3).tolist()  # t = 0: sines 0, cosines 1
        ((2, 8), [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    """

    def __init__(self, dim, scale=1000.0, max_period=10000.0, **kwargs):
        super().__init__(**kwargs)
        self.dim = check_positive_int(dim, "dim", minimum=2)
        if self.dim % 2:
            raise ValueError(f"dim must be even (half sines, half cosines), got {dim}.")
        self.scale = check_number(scale, "scale", strict=True)
        self.max_period = check_number(max_period, "max_period", 1.0, strict=True)

    def call(self, t):
        half = self.dim // 2
        k = ops.arange(half, dtype="float32")
        freqs = ops.exp(-math.log(self.max_period) * k / half)
        angles = ops.cast(ops.reshape(t, (-1, 1)), "float32") * self.scale * ops.reshape(freqs, (1, half))
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        config = super().get_config()
        config.update(dim=self.dim, scale=self.scale, max_period=self.max_period)
        return config


def unet_stages(image_shape, channel_multipliers=None):
    """The number of stride-2 stages of `unet(image_shape, channel_multipliers=...)`:
    `len(channel_multipliers) - 1` when given, else the most (at most 3) that keep the lowest
    resolution an integer of at least 4. Raises `ValueError` naming the sizes that work when
    H and W do not divide.

    Example:

        >>> from keras_genzoo.networks.unet import unet_stages
        >>> unet_stages((28, 28, 1)), unet_stages((32, 32, 3)), unet_stages((64, 64, 3)), unet_stages((8, 8, 1))
        (2, 3, 3, 1)
    """
    shape = tuple(image_shape)
    if len(shape) != 3:
        raise ValueError(f"unet takes image_shape (H, W, C), got {shape}.")
    h, w, _ = (check_positive_int(s, "each dimension of image_shape") for s in shape)
    if channel_multipliers is not None:
        stages = len(channel_multipliers) - 1
        factor = 2**stages
        if h % factor or w % factor:
            raise ValueError(
                f"unet with {len(channel_multipliers)} channel_multipliers has {stages} stride-2 stages, so H and W "
                f"must be multiples of {factor}; got image_shape {shape}. Sizes that work with {stages} stages: "
                f"{_examples(factor)}; or pass fewer channel_multipliers."
            )
        return stages
    stages = 0
    while (stages < MAX_AUTO_STAGES and h % 2 ** (stages + 1) == 0 and w % 2 ** (stages + 1) == 0
           and min(h, w) // 2 ** (stages + 1) >= MIN_AUTO_RESOLUTION):
        stages += 1
    if stages == 0:
        raise ValueError(
            f"unet needs H and W that halve at least once to an integer of at least {MIN_AUTO_RESOLUTION} "
            f"(the skip connections must line up); got image_shape {shape}. Sizes that work: even sizes >= 8, "
            "e.g. 8, 16, 28 (2 stages: 28 -> 14 -> 7), 32 and 64 (3 stages); resize the images or pad them."
        )
    return stages


def _examples(factor):
    return ", ".join(str(factor * k) for k in range(1, 5) if factor * k >= 8 or k == 1) + ", ..."


def _groups(channels, max_groups):
    """GroupNorm's group count: the largest divisor of `channels` that is at most `max_groups`
    and leaves at least 4 channels per group when the channels allow (a group of one channel
    is instance norm)."""
    return max(g for g in range(1, min(max(1, channels // 4), max_groups) + 1) if channels % g == 0)


class _Builder:
    """Names and seeds the layers of one `unet` in the order they are made."""

    def __init__(self, seed, max_groups, dropout):
        self.seed, self.max_groups, self.dropout, self.index = seed, max_groups, dropout, 0

    def init(self):
        self.index += 1
        return glorot(self.seed, self.index - 1)

    def conv(self, filters, name, kernel=3, strides=1, zero=False):
        return layers.Conv2D(filters, kernel, strides=strides, padding="same", name=name,
                             kernel_initializer="zeros" if zero else self.init())

    def dense(self, units, name, activation=None, bias="zeros"):
        return layers.Dense(units, activation=activation, kernel_initializer=self.init(), bias_initializer=bias, name=name)

    def norm(self, channels, name):
        return layers.GroupNormalization(_groups(channels, self.max_groups), epsilon=1e-5, name=name)

    def res_block(self, x, emb, filters, name):
        h = self.norm(x.shape[-1], f"{name}_norm1")(x)
        h = layers.Activation("silu", name=f"{name}_act1")(h)
        h = self.conv(filters, f"{name}_conv1")(h)
        # The embedding scales and shifts the normalised features (ADM's scale-shift norm): a
        # shift added before a GroupNorm would be removed by it.
        h = self.norm(filters, f"{name}_norm2")(h)
        scale = self.dense(filters, f"{name}_scale", bias="ones")(emb)  # 1 + W e at initialisation's bias
        shift = self.dense(filters, f"{name}_shift")(emb)
        h = layers.Multiply(name=f"{name}_scaled")([h, layers.Reshape((1, 1, filters), name=f"{name}_scale_map")(scale)])
        h = layers.Add(name=f"{name}_shifted")([h, layers.Reshape((1, 1, filters), name=f"{name}_shift_map")(shift)])
        h = layers.Activation("silu", name=f"{name}_act2")(h)
        if self.dropout:
            h = layers.Dropout(self.dropout, name=f"{name}_dropout")(h)
        h = self.conv(filters, f"{name}_conv2")(h)
        if x.shape[-1] != filters:
            x = self.conv(filters, f"{name}_skip", kernel=1)(x)
        return layers.Add(name=f"{name}_out")([x, h])

    def attention(self, x, name):
        height, width, channels = x.shape[1:]
        h = self.norm(channels, f"{name}_norm")(x)
        h = layers.Reshape((height * width, channels), name=f"{name}_flatten")(h)
        h = layers.MultiHeadAttention(1, channels, kernel_initializer=self.init(), name=f"{name}_mha")(h, h)
        h = layers.Reshape((height, width, channels), name=f"{name}_unflatten")(h)
        return layers.Add(name=f"{name}_out")([x, h])


def unet(
    image_shape,
    base_filters=32,
    channel_multipliers=None,
    num_res_blocks=1,
    attention_resolutions=None,
    num_classes=None,
    time_embedding_dim=None,
    max_groups=32,
    dropout=0.0,
    seed=None,
    name="unet",
):
    """A time-conditioned U-Net `[x_t, t] -> (H, W, C)` (`[x_t, t, label]` with `num_classes`).

    Args:
        image_shape: `(H, W, C)`; H and W must halve evenly at each stride-2 stage
            (`unet_stages`): 28x28 has two stages (28 -> 14 -> 7), 32x32 and 64x64 three.
        base_filters: channels of the first stage; stage `i` has `base_filters * channel_multipliers[i]`.
        channel_multipliers: one per resolution (so `len - 1` stride-2 stages). `None`:
            `(1, 2, 2, 2)` cut to the stages `unet_stages` chooses for the size.
        num_res_blocks: residual blocks per resolution on the way down (one more on the way up).
        attention_resolutions: resolutions (heights) with self-attention after each residual
            block, e.g. `(7,)` or `(16, 8)`; `None`: the lowest resolution only, `()`: none.
            The middle block has attention when the lowest resolution is listed.
        num_classes: add a class embedding; the model then takes a third input `label` (1,) int32
            in `[0, num_classes]`, where `num_classes` is the "null" class (no label) of
            classifier-free guidance.
        time_embedding_dim: width of the time (and class) embedding; `4 * base_filters` by default.
        max_groups: the most groups of each GroupNorm (fewer when the channels do not divide,
            and at least 4 channels per group when there are 4 or more channels).
        dropout: dropout rate inside the residual blocks (0 for none).
        seed: seeds every initialiser (layer `i` with `seed + i`); `None` leaves them unseeded.
        name: the model's name.

    Returns:
        A functional `keras.Model` with inputs named `x_t`, `t` (and `label`); its output
        convolution is zero-initialised, so it outputs zeros until trained.

    Example:

        >>> import numpy as np, keras_genzoo as gz
        >>> net = gz.networks.unet((28, 28, 1), base_filters=8, num_classes=10, seed=0)
        >>> [t.name for t in net.inputs], tuple(net.output.shape)
        (['x_t', 't', 'label'], (None, 28, 28, 1))
        >>> x = np.random.default_rng(0).normal(size=(2, 28, 28, 1)).astype("float32")
        >>> out = net([x, np.array([[0.1], [0.9]], "float32"), np.array([[3], [10]], "int32")])  # 10: the null class
        >>> float(np.abs(keras.ops.convert_to_numpy(out)).max())  # zero-initialised output
        0.0
        >>> gz.networks.unet((32, 32, 3), base_filters=4, attention_resolutions=()).output.shape
        (None, 32, 32, 3)
    """
    stages = unet_stages(image_shape, channel_multipliers)
    image_shape = tuple(int(s) for s in image_shape)
    if channel_multipliers is None:
        channel_multipliers = (1, 2, 2, 2)[: stages + 1]
    multipliers = tuple(check_positive_int(m, "each channel multiplier") for m in channel_multipliers)
    base_filters = check_positive_int(base_filters, "base_filters")
    num_res_blocks = check_positive_int(num_res_blocks, "num_res_blocks")
    max_groups = check_positive_int(max_groups, "max_groups")
    dropout = check_number(dropout, "dropout", 0.0, maximum=1.0, strict_maximum=True)
    if num_classes is not None:
        num_classes = check_positive_int(num_classes, "num_classes")
    emb_dim = 4 * base_filters if time_embedding_dim is None else check_positive_int(time_embedding_dim, "time_embedding_dim")
    if emb_dim % 2:
        raise ValueError(f"time_embedding_dim must be even, got {emb_dim}.")
    h_res = image_shape[0]
    resolutions = [h_res // 2**i for i in range(stages + 1)]
    if attention_resolutions is None:
        attention = {resolutions[-1]}
    else:
        attention = {check_positive_int(r, "each attention resolution") for r in attention_resolutions}
        unknown = sorted(attention - set(resolutions))
        if unknown:
            raise ValueError(f"attention_resolutions {unknown} are not resolutions of this U-Net; "
                             f"its resolutions (heights) are {resolutions}.")
    b = _Builder(seed, max_groups, dropout)

    x_in = keras.Input(image_shape, name="x_t", dtype="float32")
    t_in = keras.Input((1,), name="t", dtype="float32")
    inputs = [x_in, t_in]
    emb = SinusoidalEmbedding(emb_dim, name="time_sinusoid")(t_in)
    emb = b.dense(emb_dim, "time_mlp1", activation="silu")(emb)
    emb = b.dense(emb_dim, "time_mlp2")(emb)
    if num_classes is not None:
        label_in = keras.Input((1,), name="label", dtype="int32")
        inputs.append(label_in)
        class_emb = layers.Embedding(num_classes + 1, emb_dim, embeddings_initializer=b.init(), name="class_embedding")(label_in)
        emb = layers.Add(name="time_class")([emb, layers.Reshape((emb_dim,), name="class_flatten")(class_emb)])
    emb = layers.Activation("silu", name="embedding_act")(emb)

    h = b.conv(base_filters * multipliers[0], "conv_in")(x_in)
    skips = [h]
    for level, mult in enumerate(multipliers):
        for j in range(num_res_blocks):
            h = b.res_block(h, emb, base_filters * mult, f"down{level}_res{j}")
            if resolutions[level] in attention:
                h = b.attention(h, f"down{level}_attn{j}")
            skips.append(h)
        if level < stages:
            h = b.conv(h.shape[-1], f"down{level}_downsample", strides=2)(h)
            skips.append(h)
    h = b.res_block(h, emb, h.shape[-1], "mid_res0")
    if resolutions[-1] in attention:
        h = b.attention(h, "mid_attn")
    h = b.res_block(h, emb, h.shape[-1], "mid_res1")
    for level in reversed(range(stages + 1)):
        for j in range(num_res_blocks + 1):
            h = layers.Concatenate(name=f"up{level}_skip{j}")([h, skips.pop()])
            h = b.res_block(h, emb, base_filters * multipliers[level], f"up{level}_res{j}")
            if resolutions[level] in attention:
                h = b.attention(h, f"up{level}_attn{j}")
        if level > 0:
            h = layers.UpSampling2D(2, interpolation="nearest", name=f"up{level}_upsample")(h)
            h = b.conv(h.shape[-1], f"up{level}_upsample_conv")(h)
    h = b.norm(h.shape[-1], "out_norm")(h)
    h = layers.Activation("silu", name="out_act")(h)
    out = b.conv(image_shape[-1], "conv_out", zero=True)(h)
    out = layers.Activation("linear", dtype="float32", name="prediction")(out)
    return keras.Model(inputs, out, name=name)
