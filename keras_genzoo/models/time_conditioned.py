"""What flow matching and diffusion share: one time-conditioned network trained by one
optimizer, its moving average for sampling, optional class conditioning with a "null" class
for classifier-free guidance, and the noise as the latent (a flattened image).

`TimeConditionedModel` is the base of `FlowMatching` (`keras_genzoo.models.flow`) and
`Diffusion` (`keras_genzoo.models.diffusion`). A family adds what its network predicts, its
objective, its training noise, and its samplers; the samplers take a prediction function,
never the network, and the step count, solver and guidance scale are chosen at sampling time.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from keras_genzoo import ema, networks, trainers
from keras_genzoo.ema import check_decay
from keras_genzoo.models.base import GenerativeModel, SingleOptimizerModel
from keras_genzoo.models.conditioning import LabelConditioning
from keras_genzoo.trainers.steps import Update
from keras_genzoo.utils.validation import check_network, check_number, check_positive_int, resolve_data_shape

__all__ = ["TimeConditionedModel", "grid_time", "time_grid"]


def time_grid(steps, reverse=False):
    """The `steps + 1` times of a uniform grid from 1 (noise) to 0 (data), float32; from 0 to 1
    when `reverse` (encoding). The samplers of flow matching and diffusion walk it.

    Example:

        >>> from keras_genzoo.models.flow import time_grid
        >>> time_grid(4).tolist(), time_grid(2, reverse=True).tolist()
        ([1.0, 0.75, 0.5, 0.25, 0.0], [0.0, 0.5, 1.0])
    """
    grid = np.linspace(1.0, 0.0, check_positive_int(steps, "steps") + 1, dtype=np.float64)
    return (grid[::-1] if reverse else grid).astype(np.float32)


def grid_time(i, steps, reverse=False):
    """The time of point `i` of `time_grid(steps, reverse)`: a Python float for an int `i` (an
    unrolled loop), a float32 tensor `1 - i / steps` (`i / steps` when `reverse`) for an integer
    tensor `i` (the index of a compiled loop).

    Example:

        >>> from keras_genzoo.models.time_conditioned import grid_time
        >>> grid_time(1, 4), float(grid_time(keras.ops.convert_to_tensor(1), 4)), grid_time(1, 4, reverse=True)
        (0.75, 0.75, 0.25)
    """
    if isinstance(i, (int, np.integer)):
        return float(time_grid(steps, reverse)[i])
    t = ops.cast(i, "float32") / float(steps)
    return t if reverse else 1.0 - t


class TimeConditionedModel(LabelConditioning, SingleOptimizerModel):
    """A network `[x_t, t] -> (H, W, C)` (`[x_t, t, label]` with `num_classes`) trained with one
    optimizer, sampled from through a moving average of its weights.

    Class conditioning is `LabelConditioning`'s when `num_classes` is given: labelled batches,
    `labels` in `generate`; the label `num_classes` is the "null" class, which replaces each
    training label with probability `label_dropout` (classifier-free guidance, Ho & Salimans
    2022). With `num_classes=None` the model is unconditional and answers the hooks as
    `GenerativeModel` does.

    Args:
        data_shape: `(H, W, C)` of the images (in [0, 1]; the model works in [-1, 1]).
        num_classes: the number of classes of a class-conditional model; `None`: unconditional.
        network: a `keras.Model` `[x_t (H, W, C), t (1,) float32] -> (H, W, C)`, with a third
            input `label (1,) int32` in `[0, num_classes]` for a conditional model;
            `gz.networks.unet` by default.
        base_filters: the default U-Net's width (`gz.networks.unet`); ignored when a `network` is given.
        channel_multipliers: the default U-Net's, one per resolution (`None`: chosen from the size).
        attention_resolutions: the default U-Net's (`None`: the lowest resolution).
        label_dropout: the probability that a training label becomes the null class
            (conditional models; 0 trains no unconditional prediction, so no guidance).
        ema_decay: decay in [0, 1) of the moving average of the network's weights that
            sampling uses (`network_ema`, with the warm-up of `ema.warmup_decay`); `None`
            samples from the trained weights.
        sampling_steps: the default number of sampling steps, and those of `sampling_network()`.
        sampling_guidance: the classifier-free guidance scale `generate` uses when given none,
            and that of `sampling_network()` (conditional models; `None`: no guidance). A zoo
            entry sets the one its card was measured at.
        seed: seeds the training noise and the default network's initial weights.
        image_shape: alias of `data_shape`.
        latent_dim: the noise size, `H * W * C` (the only value accepted; `None` computes it).
        latent_prior: `"normal"` only: the noise is N(0, I).

    Example:

        >>> import keras_genzoo as gz
        >>> flow = gz.models.FlowMatching(image_shape=(8, 8, 1), num_classes=3, base_filters=4, seed=0)
        >>> isinstance(flow, gz.models.TimeConditionedModel), flow.is_conditional, flow.latent_dim
        (True, True, 64)
        >>> [t.name for t in flow.network.inputs], flow.network_ema is not None
        (['x_t', 't', 'label'], True)
    """

    default_batch_size = 128
    sub_model_names = ("network",)
    #: the optimizer `compile()` uses when given none
    default_learning_rate = 2e-4

    def __init__(
        self,
        data_shape=None,
        num_classes=None,
        network=None,
        base_filters=32,
        channel_multipliers=None,
        attention_resolutions=None,
        label_dropout=0.1,
        ema_decay=0.999,
        sampling_steps=32,
        sampling_guidance=None,
        seed=None,
        image_shape=None,
        latent_dim=None,
        latent_prior="normal",
        **kwargs,
    ):
        data_shape = resolve_data_shape(data_shape, image_shape)
        name = type(self).__name__
        if len(data_shape) != 3:
            raise ValueError(f"{name} takes images: data_shape (H, W, C), got {data_shape}.")
        size = int(np.prod(data_shape))
        if latent_dim is not None and latent_dim != size:
            raise ValueError(f"{name}'s noise has the images' size: latent_dim must be H * W * C = {size} (or None), "
                             f"got {latent_dim!r}.")
        if latent_prior != "normal":
            raise ValueError(f"latent_prior must be 'normal' for {name} (its noise is N(0, I)), got {latent_prior!r}.")
        self.num_classes = None
        if num_classes is not None:
            self.set_num_classes(num_classes)
        super().__init__(data_shape, size, latent_prior=latent_prior, seed=seed, **kwargs)
        self.base_filters = check_positive_int(base_filters, "base_filters")
        self.channel_multipliers = None if channel_multipliers is None else [
            check_positive_int(m, "each channel multiplier") for m in channel_multipliers]
        self.attention_resolutions = None if attention_resolutions is None else [
            check_positive_int(r, "each attention resolution") for r in attention_resolutions]
        self.label_dropout = check_number(label_dropout, "label_dropout", 0.0, maximum=1.0, strict_maximum=True)
        self.sampling_steps = check_positive_int(sampling_steps, "sampling_steps")
        self.sampling_guidance = self.checked_guidance(sampling_guidance, "sampling_guidance")
        if network is None:
            network = networks.unet(data_shape, base_filters=self.base_filters, channel_multipliers=channel_multipliers,
                                    attention_resolutions=attention_resolutions, num_classes=self.num_classes, seed=seed)
        self.network = self.check_time_network(network)
        self.attach_network_ema(ema_decay)
        self.train_steps = self.add_weight(
            shape=(), dtype="int64", initializer="zeros", trainable=False, aggregation="only_first_replica",
            name="train_steps",
        )
        self._create_step_trackers()
        self.built = True

    # ------------------------------------------------------------------ conditioning (the mixin when num_classes is set)
    @property
    def is_conditional(self):
        return self.num_classes is not None

    def check_time_network(self, network):
        """`network`, checked to map `[x_t, t]` (and `label`, when conditional) to the image shape."""
        inputs, dtypes, names = [self.data_shape, (1,)], ["float32", "float32"], ["x_t", "t"]
        if self.is_conditional:
            inputs, dtypes, names = inputs + [(1,)], dtypes + ["int32"], names + ["label"]
        return check_network(network, "network", inputs, [self.data_shape], dtypes=dtypes, input_names=names)

    def network_inputs(self, t, labels):
        return t if labels is None or not self.is_conditional else super().network_inputs(t, labels)

    def checked_labels(self, labels, n=None, name="labels"):
        if self.is_conditional:
            return super().checked_labels(labels, n, name)
        if labels is not None:
            raise ValueError(f"{type(self).__name__} was built without classes (num_classes=None): it takes no {name}. "
                             "Build it with num_classes=K (and train on labelled batches) to generate given classes.")
        return None

    def generation_labels(self, n, labels):
        return super().generation_labels(n, labels) if self.is_conditional else self.checked_labels(labels, n)

    def prepare_batch(self, data):
        return super().prepare_batch(data) if self.is_conditional else GenerativeModel.prepare_batch(self, data)

    def check_compiled(self):
        if getattr(self, "optimizer", None) is None:
            raise RuntimeError(f"Call {type(self).__name__}.compile() before fit().")

    def checked_guidance(self, guidance, name="guidance"):
        """`guidance` as a float >= 0 (None: no guidance); only class-conditional models take one."""
        if guidance is None:
            return None
        if not self.is_conditional:
            raise ValueError(f"guidance needs a class-conditional {type(self).__name__} (built with num_classes=K and "
                             f"trained with label_dropout > 0); this one is unconditional, got {name}={guidance!r}.")
        return check_number(guidance, name, 0.0)

    def resolved_guidance(self, guidance):
        """The guidance of a sampling call: `guidance`, checked, or `sampling_guidance` when None."""
        return self.sampling_guidance if guidance is None else self.checked_guidance(guidance)

    def checked_images(self, images):
        """`images` as float32 `(N, H, W, C)` in [0, 1], or a `ValueError` saying what was expected."""
        x = np.asarray(images)
        if x.ndim != 4 or tuple(x.shape[1:]) != self.data_shape:
            raise ValueError(f"images must have shape (N, {', '.join(map(str, self.data_shape))}), got {x.shape}.")
        if not np.issubdtype(x.dtype, np.floating) or not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1:
            raise ValueError("images must be finite floating-point values in [0, 1].")
        return x.astype(np.float32)

    def noise_batches(self, n, seed, z, batch_size):
        """`(start, noise images)` batches of `z` (or of `n` draws with `seed`), checked."""
        z = self.sample_latent(n, seed) if z is None else np.asarray(z, np.float32)
        if z.shape != (n, self.latent_dim):
            raise ValueError(f"z must have shape ({n}, {self.latent_dim}) (flattened noise images), got {z.shape}.")
        for i in range(0, n, check_positive_int(batch_size, "batch_size")):
            yield i, ops.reshape(ops.convert_to_tensor(z[i : i + batch_size]), (-1,) + self.data_shape)

    # ------------------------------------------------------------------ the network and its average
    def attach_network_ema(self, ema_decay):
        """Sets `network_ema`: a frozen copy of the network holding its weights' moving average."""
        self.ema_decay = None if ema_decay is None else check_decay(ema_decay)
        self.network_ema = None
        if self.ema_decay is None:
            return
        self.network_ema = ema.frozen_copy(self.network)

    def compiled_inference(self, key, fn):
        """`fn`, compiled by the backend's trainer (`trainers.compile_inference`) to read the
        sampling network's variables, once per `key` (a hashable of everything `fn` closes
        over: steps, sampler, guidance, direction, conditioning)."""
        cache = self.__dict__.setdefault("_compiled_inference", {})  # not a tracked attribute
        if key not in cache:
            cache[key] = trainers.compile_inference(fn, self.sampling_model.variables)
        return cache[key]

    @staticmethod
    def label_tensor(labels):
        """`labels` (a numpy batch, or None) as an int32 tensor: the compiled samplers take tensors."""
        return None if labels is None else ops.convert_to_tensor(np.asarray(labels), "int32")

    @property
    def sampling_model(self):
        """The network sampling uses: `network_ema` when averaging, else `network`."""
        return self.network_ema if self.network_ema is not None else self.network

    def sampling_decoder(self):
        return self.sampling_model

    def predict_at(self, x, t, labels=None, guidance=None, network=None, training=False):
        """The network's output at `x` (model space, `(B, H, W, C)`) and time `t` (a float or
        `(B,)`), given `labels` `(B,)` for a conditional model, with classifier-free `guidance`
        `w`: `out_null + w (out_label - out_null)` (None or 1: the conditional output, one pass).
        `network` defaults to `sampling_model`."""
        network = self.sampling_model if network is None else network
        x = ops.convert_to_tensor(x, "float32")
        batch = ops.shape(x)[0]
        t = ops.reshape(ops.convert_to_tensor(t, "float32") * ops.ones((batch,), "float32"), (-1, 1))
        if labels is None:
            return ops.cast(network([x, t], training=training), "float32")
        labels = ops.reshape(ops.cast(ops.convert_to_tensor(labels), "int32"), (-1, 1))
        if guidance is None or guidance == 1.0:
            return ops.cast(network([x, t, labels], training=training), "float32")
        null = ops.full_like(labels, self.num_classes)
        both = network([ops.concatenate([x, x]), ops.concatenate([t, t]), ops.concatenate([labels, null])],
                       training=training)
        conditional, unconditional = ops.split(ops.cast(both, "float32"), 2, axis=0)
        return unconditional + guidance * (conditional - unconditional)

    def symbolic_inputs(self, noise):
        """`(inputs, labels)` of `sampling_network`: the `noise` input, and a `labels` input
        (int32 `(batch,)`) for a conditional model (else None)."""
        if not self.is_conditional:
            return noise, None
        labels = keras.Input((), name="labels", dtype="int32")
        return [noise, labels], labels

    def symbolic_prediction(self, x, t, labels):
        """`sampling_model` on symbolic `x` at the constant time `t`, with `sampling_guidance`
        (as `predict_at`: `out_null + w (out_label - out_null)`)."""
        time = ops.ones_like(ops.reshape(x, (-1, self.latent_dim))[:, :1]) * float(t)
        if labels is None:
            return ops.cast(self.sampling_model([x, time]), "float32")
        labels = ops.reshape(labels, (-1, 1))
        out = ops.cast(self.sampling_model([x, time, labels]), "float32")
        w = self.sampling_guidance
        if w is None or w == 1.0:
            return out
        null = ops.cast(self.sampling_model([x, time, ops.full_like(labels, self.num_classes)]), "float32")
        return null + w * (out - null)

    def to_data_space(self, x):
        return ops.clip((ops.cast(x, "float32") + 1.0) / 2.0, 0.0, 1.0)

    # ------------------------------------------------------------------ the training step, described
    @property
    def step_counter(self):
        return self.train_steps

    def training_updates(self):
        return (Update("network", ("network",), "optimizer", self.objective, "loss"),)

    def objective(self, batch, noise, training=True):  # pragma: no cover - abstract
        raise NotImplementedError

    def training_labels(self, labels, drop):
        """`labels` with those whose `drop` draw (U[0, 1]) is below `label_dropout` replaced by the null class."""
        if not self.label_dropout:
            return labels
        return ops.where(drop < self.label_dropout, ops.full_like(labels, self.num_classes), labels)

    def label_noise(self, size, data):
        """`{"drop": U[0, 1] (B,)}` for a conditional model's label dropout, else `{}`."""
        return {"drop": self.noise("uniform", (size,), "label_dropout", data)} if self.is_conditional else {}

    def end_step(self, generator_updated):
        """One moving-average step of `network_ema` (rate `1 - ema.warmup_decay(decay, t)` at
        step `t`, 0-based), then the step counter advances."""
        if self.network_ema is not None:
            t = ops.cast(self.train_steps, "float32")
            ema.average_step(self.network_ema.variables, self.network.variables, 1.0 - ema.warmup_decay(self.ema_decay, t))
        super().end_step(generator_updated)

    # ------------------------------------------------------------------ compile and save
    def get_config(self):
        config = super().get_config()
        config.update(
            num_classes=self.num_classes,
            base_filters=self.base_filters,
            channel_multipliers=self.channel_multipliers,
            attention_resolutions=self.attention_resolutions,
            label_dropout=self.label_dropout,
            ema_decay=self.ema_decay,
            sampling_steps=self.sampling_steps,
            sampling_guidance=self.sampling_guidance,
        )
        return config
