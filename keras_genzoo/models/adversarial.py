"""The adversarial training core, and the GAN and DCGAN models built on it.

`AdversarialModel.train_step` is Algorithm 1 of the GAN paper (Goodfellow et al., 2014)
and of the WGAN papers, with one fit step per discriminator update:

    every fit step (a fresh real minibatch x):
        z ~ p(z);  update D on L_D(D(x), D(G(z)))
        every n_critic-th step:  z ~ p(z);  update G on L_G(D(G(z)))

Which steps update the generator is decided in Python, before each step runs: the model
traces two step functions (critic only; critic then generator) and `make_train_function`
dispatches between them on the step counter. A conditional inside the step (`tf.cond`
around `apply_gradients`) would put a cross-replica synchronisation inside control flow,
which `tf.distribute.MirroredStrategy` rejects.

The families differ only in networks, losses, constraints and default optimizers; they
override `discriminator_loss`, `generator_loss`, `default_networks` and
`default_optimizers`, never `train_step`.
"""

from __future__ import annotations

import keras
from keras import ops

from keras_genzoo import gradients, losses, networks
from keras_genzoo.models.base import GenerativeModel, check_positive_int, resolve_data_shape


def _check_network(model, name, input_shape, output_shape):
    if not isinstance(model, keras.Model):
        raise ValueError(f"{name} must be a keras.Model, got {type(model).__name__}.")
    if not model.built:
        model.build((None,) + tuple(input_shape))
    try:
        got_in = tuple(model.input_shape[1:])
        got_out = tuple(model.output_shape[1:])
    except (AttributeError, ValueError, TypeError):
        got_in = tuple(input_shape)
        got_out = tuple(model.compute_output_shape((None,) + tuple(input_shape))[1:])
    if got_in != tuple(input_shape):
        raise ValueError(f"{name} takes inputs of shape {got_in}, expected {tuple(input_shape)}.")
    if got_out != tuple(output_shape):
        raise ValueError(f"{name} produces outputs of shape {got_out}, expected {tuple(output_shape)}.")


class AdversarialModel(GenerativeModel):
    """A generator and a discriminator (critic) trained against each other with `fit`.

    Args:
        data_shape: shape of one example, `(H, W, C)` for images or `(d,)` for vectors.
        latent_dim: size of the latent vector `z`.
        generator: a `keras.Model` mapping `(latent_dim,)` to `data_shape`; the family's
            default network when `None`.
        discriminator: a `keras.Model` mapping `data_shape` to one unnormalised score `(1,)`.
        n_critic: discriminator updates per generator update.
        latent_prior: `"normal"` or `"uniform"`.
        seed: seeds the training noise (and the default networks' initial weights).
        image_shape: alias of `data_shape`.

    Images are trained on in [-1, 1] (tanh generators); `generate` returns them in [0, 1].
    Vector data stays in data units.
    """

    default_n_critic = 1
    sub_model_names = ("generator", "discriminator")
    #: batch size of the paper the defaults come from (used by the CLI and benchmarks)
    default_batch_size = 64

    def __init__(
        self,
        data_shape=None,
        latent_dim=128,
        generator=None,
        discriminator=None,
        n_critic=None,
        latent_prior="normal",
        seed=None,
        image_shape=None,
        **kwargs,
    ):
        data_shape = resolve_data_shape(data_shape, image_shape)
        super().__init__(data_shape, latent_dim, latent_prior=latent_prior, seed=seed, **kwargs)
        self.n_critic = check_positive_int(self.default_n_critic if n_critic is None else n_critic, "n_critic")
        if generator is None or discriminator is None:
            default_g, default_d = self.default_networks()
            generator = generator if generator is not None else default_g
            discriminator = discriminator if discriminator is not None else default_d
        _check_network(generator, "generator", (self.latent_dim,), self.data_shape)
        _check_network(discriminator, "discriminator", self.data_shape, (1,))
        self.generator = generator
        self.discriminator = discriminator
        self.configure_discriminator()
        self.critic_steps = self.add_weight(
            shape=(),
            dtype="int64",
            initializer="zeros",
            trainable=False,
            aggregation="only_first_replica",
            name="critic_steps",
        )
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.extra_trackers = {name: keras.metrics.Mean(name=name) for name in self.extra_metric_names()}
        self.d_optimizer = None
        self.g_optimizer = None
        self._generator_phase = True
        self.built = True

    # ------------------------------------------------------------------ what families override
    def default_networks(self):
        """`(generator, discriminator)` used when the user passes none."""
        raise NotImplementedError

    def default_optimizers(self):
        """`(d_optimizer, g_optimizer)` used by `compile()` with no arguments."""
        raise NotImplementedError

    def configure_discriminator(self):
        """Hook run once the discriminator is set (WGAN attaches its clipping constraint)."""

    def extra_metric_names(self):
        """Names of the family's own per-step metrics (beyond d_loss, g_loss, d_real, d_fake)."""
        return ()

    def discriminator_loss(self, real, fake, real_out, fake_out):
        """`(loss, {metric: value})` for one discriminator update."""
        raise NotImplementedError

    def generator_loss(self, fake_out):
        raise NotImplementedError

    # ------------------------------------------------------------------ generation
    def call(self, z, training=False):
        return self.generator(z, training=training)

    def decode_latent(self, z, training=False):
        return self.generator(z, training=training)

    def to_data_space(self, x):
        x = ops.cast(x, "float32")
        return ops.clip((x + 1.0) / 2.0, 0.0, 1.0) if self.is_image_model else x

    # ------------------------------------------------------------------ compile and save
    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Sets both optimizers (the family's paper defaults when `None`) and builds their state.

        Other keyword arguments (`jit_compile`, `steps_per_execution`, `run_eagerly`) go to
        `keras.Model.compile`. No `optimizer` or `loss`: the model owns its objectives.
        """
        for bad in ("optimizer", "loss"):
            if bad in kwargs:
                raise ValueError(f"{type(self).__name__}.compile takes d_optimizer and g_optimizer, not {bad}=.")
        default_d, default_g = self.default_optimizers()
        d_optimizer = keras.optimizers.get(d_optimizer) if d_optimizer is not None else default_d
        g_optimizer = keras.optimizers.get(g_optimizer) if g_optimizer is not None else default_g
        if d_optimizer is g_optimizer:
            raise ValueError("d_optimizer and g_optimizer must be two optimizer instances; their state differs.")
        if self.dtype_policy.name == "mixed_float16":
            d_optimizer = _loss_scaled(d_optimizer, "d_loss_scale_optimizer")
            g_optimizer = _loss_scaled(g_optimizer, "g_loss_scale_optimizer")
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        if self.n_critic > 1 and kwargs.get("steps_per_execution", 1) != 1:
            raise ValueError(
                f"steps_per_execution must be 1 when n_critic > 1 (got {kwargs['steps_per_execution']}): "
                "each step's generator update is decided before the step runs."
            )
        super().compile(optimizer=None, **kwargs)
        # Optimizer state must exist before a tf.function uses it, and before weights are loaded.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "jit_compile": self._jit_compile,
            "steps_per_execution": self.steps_per_execution,
        }

    def compile_from_config(self, config):
        self.compile(
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
            jit_compile=config.get("jit_compile", "auto"),
            steps_per_execution=config.get("steps_per_execution", 1),
        )

    def get_config(self):
        config = super().get_config()
        config["n_critic"] = self.n_critic
        return config

    # ------------------------------------------------------------------ training
    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker] + list(
            self.extra_trackers.values()
        )

    def _require_compiled(self):
        if self.d_optimizer is None or self.g_optimizer is None:
            raise RuntimeError(f"Call {type(self).__name__}.compile() before fit().")

    def _discriminator_objective(self, real, z):
        fake = self.generator(z, training=True)
        real_out = ops.cast(self.discriminator(real, training=True), "float32")
        fake_out = ops.cast(self.discriminator(fake, training=True), "float32")
        loss, logs = self.discriminator_loss(real, fake, real_out, fake_out)
        logs = dict(logs, d_real=ops.mean(real_out), d_fake=ops.mean(fake_out))
        return loss, logs

    def _generator_update(self, z):
        def objective():
            fake_out = ops.cast(self.discriminator(self.generator(z, training=True), training=True), "float32")
            return self.generator_loss(fake_out), {}

        loss, _ = gradients.minimize(objective, self.generator.trainable_variables, self.g_optimizer)
        return ops.cast(loss, "float32")

    def train_step(self, data):
        self._require_compiled()
        real = self.unpack_data(data)
        batch = ops.shape(real)[0]
        # Both noise batches are drawn every step, outside any conditional, so the seed
        # generator advances identically whatever n_critic is.
        z_d = self.latent_batch(batch, real)
        z_g = self.latent_batch(batch, real)

        d_loss, logs = gradients.minimize(
            lambda: self._discriminator_objective(real, z_d), self.discriminator.trainable_variables, self.d_optimizer
        )
        self.critic_steps.assign_add(1)
        if self._generator_phase:  # a Python bool, fixed when this step function was traced
            g_loss, g_weight = self._generator_update(z_g), 1.0
        else:
            g_loss, g_weight = ops.zeros((), "float32"), 0.0
        return self._update_metrics(d_loss, g_loss, g_weight, logs)

    def is_generator_step(self, step):
        """Whether fit step number `step` (1-based) ends with a generator update."""
        return step % self.n_critic == 0

    def make_train_function(self, force=False):
        """Builds the step function; with `n_critic > 1`, two of them and a dispatcher."""
        if self.n_critic == 1:
            self._generator_phase = True
            return super().make_train_function(force)
        if self.train_function is not None and not force:
            return self.train_function
        phases = {}
        for phase in (False, True):
            self._generator_phase = phase
            super().make_train_function(force=True)
            phases[phase] = self.train_function

        def train_function(iterator):
            # Set before every call: a retrace (e.g. for a smaller last batch) sees the right phase.
            self._generator_phase = self.is_generator_step(int(self.critic_steps.numpy()) + 1)
            return phases[self._generator_phase](iterator)

        self.train_function = train_function
        return train_function

    def test_step(self, data):
        """Discriminator and generator losses on held-out data, without updating anything."""
        real = self.unpack_data(data)
        batch = ops.shape(real)[0]
        z = self.latent_batch(batch, real)
        fake = self.generator(z, training=False)
        real_out = ops.cast(self.discriminator(real, training=False), "float32")
        fake_out = ops.cast(self.discriminator(fake, training=False), "float32")
        d_loss, logs = self.discriminator_loss(real, fake, real_out, fake_out)
        logs = dict(logs, d_real=ops.mean(real_out), d_fake=ops.mean(fake_out))
        return self._update_metrics(d_loss, self.generator_loss(fake_out), 1.0, logs)

    def _update_metrics(self, d_loss, g_loss, g_weight, logs):
        self.d_loss_tracker.update_state(d_loss)
        # g_loss is the mean over generator updates only: other steps carry weight 0.
        self.g_loss_tracker.update_state(g_loss, sample_weight=g_weight)
        self.d_real_tracker.update_state(logs["d_real"])
        self.d_fake_tracker.update_state(logs["d_fake"])
        for name, tracker in self.extra_trackers.items():
            tracker.update_state(logs[name])
        return self.metric_logs()


def _loss_scaled(optimizer, name):
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer, name=name)


@keras.saving.register_keras_serializable(package="keras_genzoo")
class GAN(AdversarialModel):
    """The original GAN (Goodfellow et al., 2014) with MLP networks.

    Defaults: MLP generator (256, 512 ReLU units) and discriminator (512, 256 LeakyReLU
    units); `k = 1` discriminator step per generator step (the paper's Algorithm 1);
    Adam(2e-4, beta_1=0.5) for both (Radford et al., 2016, the settings most GAN code
    inherits); the non-saturating generator loss `-log D(G(z))` recommended in the paper
    and the lecture, or `generator_loss="minimax"` for `log(1 - D(G(z)))`.

    Works on vectors (`data_shape=(d,)`, linear generator output in data units) and on
    images (flattened; tanh output in [-1, 1]).

    `packing=m` (PacGAN, Lin et al. 2018) makes the default discriminator score packs of `m`
    samples (`networks.mlp_discriminator(packing=m)`), a remedy for mode collapse; the batch
    size must then be a multiple of `m`.
    """

    default_batch_size = 64

    def __init__(
        self, data_shape=None, latent_dim=128, generator_loss="non_saturating", hidden_units=None, packing=1, **kwargs
    ):
        # packing (PacGAN, Lin et al. 2018): the default discriminator scores packs of `packing` samples
        self.packing = check_positive_int(packing, "packing")
        if generator_loss not in losses.GENERATOR_LOSSES:
            raise ValueError(
                f"generator_loss must be one of {sorted(losses.GENERATOR_LOSSES)}, got {generator_loss!r}."
            )
        self.generator_loss_name = generator_loss
        self.hidden_units = None if hidden_units is None else tuple(hidden_units)
        super().__init__(data_shape=data_shape, latent_dim=latent_dim, **kwargs)

    def default_networks(self):
        g_units = self.hidden_units or (256, 512)
        d_units = tuple(reversed(self.hidden_units)) if self.hidden_units else (512, 256)
        activation = "tanh" if self.is_image_model else None
        return (
            networks.mlp_generator(self.latent_dim, self.data_shape, g_units, output_activation=activation, seed=self.seed),
            networks.mlp_discriminator(self.data_shape, d_units, seed=self.seed, packing=self.packing),
        )

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.5, name="d_adam"),
            keras.optimizers.Adam(2e-4, beta_1=0.5, name="g_adam"),
        )

    def discriminator_loss(self, real, fake, real_out, fake_out):
        return losses.discriminator_minimax_loss(real_out, fake_out), {}

    def generator_loss(self, fake_out):
        return losses.GENERATOR_LOSSES[self.generator_loss_name](fake_out)

    def get_config(self):
        config = super().get_config()
        config.update(generator_loss=self.generator_loss_name, hidden_units=self.hidden_units, packing=self.packing)
        return config


@keras.saving.register_keras_serializable(package="keras_genzoo")
class DCGAN(GAN):
    """Deep convolutional GAN (Radford et al., 2016) for images.

    Defaults: `networks.dcgan_generator` / `networks.dcgan_discriminator` (strided
    convolutions, batch norm except in the discriminator's first layer, LeakyReLU(0.2),
    tanh output, N(0, 0.02) weights), Adam(2e-4, beta_1=0.5), batch 128, the non-saturating
    generator loss, one discriminator step per generator step.

    Args:
        image_shape: `(H, W, C)`, H and W divisible by 4.
        base_filters: width of the networks (the paper's 64 at its image sizes).
        sync_batch_norm: synchronise batch-norm statistics across replicas.
    """

    default_batch_size = 128

    def __init__(self, image_shape=None, latent_dim=128, base_filters=64, sync_batch_norm=False, **kwargs):
        self.base_filters = check_positive_int(base_filters, "base_filters")
        self.sync_batch_norm = bool(sync_batch_norm)
        kwargs.pop("hidden_units", None)
        if kwargs.get("packing", 1) != 1:
            raise ValueError("DCGAN's convolutional discriminator has no packing; use GAN(packing=...) (MLP networks).")
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, **kwargs)

    def default_networks(self):
        if not self.is_image_model:
            raise ValueError(f"DCGAN needs image_shape=(H, W, C); got data_shape={self.data_shape}. Use GAN for vectors.")
        return (
            networks.dcgan_generator(
                self.latent_dim, self.data_shape, self.base_filters, self.sync_batch_norm, seed=self.seed
            ),
            networks.dcgan_discriminator(
                self.data_shape, self.base_filters, "batch", sync_batch_norm=self.sync_batch_norm, seed=self.seed
            ),
        )

    def get_config(self):
        config = super().get_config()
        config.pop("hidden_units", None)
        config.pop("packing", None)
        config["image_shape"] = config.pop("data_shape")
        config.update(base_filters=self.base_filters, sync_batch_norm=self.sync_batch_norm)
        return config
