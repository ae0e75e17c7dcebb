"""The adversarial family's step description, and the GAN and DCGAN models built on it.

One fit step is Algorithm 1 of the GAN paper (Goodfellow et al., 2014) and of the WGAN
papers, with one fit step per discriminator update:

    every fit step (a fresh real minibatch x):
        z ~ p(z);  update D on L_D(D(x), D(G(z)))
        every n_critic-th step:  z ~ p(z);  update G on L_G(D(G(z)))

`AdversarialModel.training_updates` says so as two `Update`s; the trainer of the backend
(`keras_genzoo.trainers`) runs them. The families differ only in networks, losses,
constraints and default optimizers; they override `discriminator_loss`, `generator_loss`,
`default_networks` and `default_optimizers`, never the step.
"""

from __future__ import annotations

import keras
from keras import ops

from keras_genzoo import losses, networks, trainers
from keras_genzoo import ema
from keras_genzoo.ema import check_decay
from keras_genzoo.models.base import GenerativeModel
from keras_genzoo.utils.validation import check_network, check_positive_int, resolve_data_shape
from keras_genzoo.trainers import steps
from keras_genzoo.trainers.steps import Update


def default_latent_dim(data_shape, generator=None):
    """`latent_dim=None` resolved: 128 for images; for vectors `(d,)`, a given generator's input size, else `d`."""
    if len(data_shape) == 3:
        return 128
    shape = getattr(generator, "input_shape", None) if generator is not None else None
    if isinstance(shape, tuple) and len(shape) == 2 and isinstance(shape[1], int):
        return shape[1]
    return data_shape[0]


def gradient_penalty(critic, real, fake, eps):
    """`E[(||grad critic(x_hat)||_2 - 1)^2]` on the interpolates `x_hat = eps x + (1 - eps) x_fake`
    (one `eps` in [0, 1] per example): the penalty of WGAN-GP (Gulrajani et al., 2017), used by
    `WGANGP` and by the conditional GAN's `"wgan-gp"` objective. `critic` maps a batch to scores."""
    x_hat = losses.interpolates(real, fake, eps)
    return losses.gradient_penalty_from_gradients(trainers.input_gradients(critic, x_hat))


class AdversarialModel(GenerativeModel):
    """A generator and a discriminator (critic) trained against each other with `fit`.

    Args:
        data_shape: shape of one example, `(H, W, C)` for images or `(d,)` for vectors.
        latent_dim: size of the latent vector `z`. `None` (default): 128 for images; for
            vectors `(d,)`, the input size of a `generator` passed in, else `d` (the data's own
            dimension, as in PacGAN's 2-D experiments). `get_config` stores the resolved int.
        generator: a `keras.Model` mapping `(latent_dim,)` to `data_shape`; the family's
            default network when `None`.
        discriminator: a `keras.Model` mapping `data_shape` to one unnormalised score `(1,)`.
        n_critic: discriminator updates per generator update.
        latent_prior: `"normal"` or `"uniform"`.
        seed: seeds the training noise (and the default networks' initial weights).
        image_shape: alias of `data_shape`.
        ema_decay: keep an exponential moving average of the generator's weights (Yazıcı et
            al., 2019) with this decay in [0, 1), e.g. 0.999; `None` (default) keeps none. The
            average lives in `generator_ema` (a frozen copy of the generator), is updated after
            every generator update inside the train step on every backend, is saved with the
            model, and is what `generate` samples from.

    `fit` takes images in [0, 1] (or `image_range=(-1, 1)`); the networks work in [-1, 1]
    (tanh generators); `generate` returns images in [0, 1]. Vector data stays in data units.

    Example:

        >>> # What every adversarial family gets from this base, shown with a tiny GAN on 2-D points:
        >>> # two networks, two optimizers, the n_critic schedule and a generator average.
        >>> import numpy as np, keras, keras_genzoo as gz
        >>> gan = gz.models.GAN(data_shape=(2,), hidden_units=(16,), n_critic=2, ema_decay=0.9, seed=0)
        >>> isinstance(gan, gz.models.AdversarialModel), gan.generator.name, gan.discriminator.name
        (True, 'generator', 'discriminator')
        >>> gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
        >>> sorted(gan.optimizers())
        ['d_optimizer', 'g_optimizer']
        >>> points = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
        >>> sorted(gan.fit(points, batch_size=8, epochs=1, verbose=0).history)
        ['d_fake', 'd_loss', 'd_real', 'g_loss']
        >>> [gan.is_generator_step(step) for step in (1, 2, 3, 4)]  # n_critic=2
        [False, True, False, True]
        >>> int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)  # 4 fit steps
        (4, 2)
        >>> gan.sampling_generator is gan.generator_ema  # generate() samples from the average
        True
        >>> gan.generate(5, seed=0).shape
        (5, 2)
    """

    default_n_critic = 1
    sub_model_names = ("generator", "discriminator")
    #: batch size of the paper the defaults come from (used by the CLI and benchmarks)
    default_batch_size = 64

    def __init__(
        self,
        data_shape=None,
        latent_dim=None,
        generator=None,
        discriminator=None,
        n_critic=None,
        latent_prior="normal",
        seed=None,
        image_shape=None,
        ema_decay=None,
        **kwargs,
    ):
        data_shape = resolve_data_shape(data_shape, image_shape)
        if latent_dim is None:
            latent_dim = default_latent_dim(data_shape, generator)
        super().__init__(data_shape, latent_dim, latent_prior=latent_prior, seed=seed, **kwargs)
        self.n_critic = check_positive_int(self.default_n_critic if n_critic is None else n_critic, "n_critic")
        if generator is None or discriminator is None:
            default_g, default_d = self.default_networks()
            generator = generator if generator is not None else default_g
            discriminator = discriminator if discriminator is not None else default_d
        self.generator = self.check_generator(generator)
        self.discriminator = self.check_discriminator(discriminator)
        self.attach_generator_ema(ema_decay)
        self.configure_discriminator()
        self.init_training_state()

    def init_training_state(self):
        """The step counter, metric trackers and optimizer slots every adversarial model starts with."""
        self.critic_steps = self.add_weight(
            shape=(), dtype="int64", initializer="zeros", trainable=False, aggregation="only_first_replica",
            name="critic_steps",
        )
        self._create_step_trackers()
        self.d_optimizer = None
        self.g_optimizer = None
        self.built = True

    # ------------------------------------------------------------------ what families override
    def default_networks(self):
        """`(generator, discriminator)` used when the user passes none."""
        raise NotImplementedError

    def default_optimizers(self):
        """`(d_optimizer, g_optimizer)` used by `compile()` with no arguments."""
        raise NotImplementedError

    def check_generator(self, generator):
        """`generator`, checked to map `(latent_dim,)` (with a label, when conditional) to `data_shape`."""
        inputs, dtypes, names = self.network_input_spec((self.latent_dim,))
        return check_network(generator, "generator", inputs, [self.data_shape], dtypes=dtypes,
                             input_names=["z", "label"] if names else "z")

    def check_discriminator(self, discriminator):
        """`discriminator`, checked to map `data_shape` (with a label, when conditional) to one score `(1,)`."""
        inputs, dtypes, names = self.network_input_spec(self.data_shape)
        return check_network(discriminator, "discriminator", inputs, [(1,)], dtypes=dtypes,
                             input_names=["x", "label"] if names else "x")

    def configure_discriminator(self):
        """Hook run once the discriminator is set (WGAN attaches its clipping constraint)."""

    def extra_metric_names(self):
        """Names of the family's own per-step metrics (beyond d_loss, g_loss, d_real, d_fake)."""
        return ()

    def discriminator_loss(self, real, fake, real_out, fake_out, noise=None):
        """`(loss, {metric: value})` for one discriminator update (`noise`: the step's draws)."""
        raise NotImplementedError

    def generator_loss(self, fake_out):
        raise NotImplementedError

    # ------------------------------------------------------------------ generation
    def call(self, inputs, training=False):
        """`G(z)` (`G(z | labels)` for `[z, labels]`, conditional models) in the model's internal range."""
        return self.generator(inputs, training=training)

    def sampling_decoder(self):
        return self.sampling_generator

    # ------------------------------------------------------------------ averaged generator (EMA)
    def attach_generator_ema(self, ema_decay):
        """Sets `generator_ema`: a frozen copy of the generator holding the weights' moving average."""
        self.ema_decay = None if ema_decay is None else check_decay(ema_decay)
        self.generator_ema = None
        if self.ema_decay is None:
            return
        self.generator_ema = ema.frozen_copy(self.generator)

    @property
    def sampling_generator(self):
        """The network `generate` samples from: `generator_ema` when averaging, else `generator`."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    def update_generator_ema(self, generator_updated):
        """One moving-average step (`ema.average_step`) with rate `1 - d_t` on a step that updated
        the generator and 0 on a critic-only step; `d_t = ema.warmup_decay(decay, t)` at generator
        update `t`. Runs inside the train step, before the step counter advances."""
        t = steps.generator_updates(self.step_counter + 1, self.n_critic) - 1.0
        rate = ops.cast(generator_updated, "float32") * (1.0 - ema.warmup_decay(self.ema_decay, t))
        ema.average_step(self.generator_ema.variables, self.generator.variables, rate)

    def averaged_copy(self):
        """A new, uncompiled model of the same class and configuration, without averaging, whose
        generator holds this model's averaged weights (and whose discriminator, step counter and
        seed state are copies of this model's): what `generate` samples from, in half the
        weights. The zoo ships averaged models in this form."""
        if self.generator_ema is None:
            raise ValueError(f"{type(self).__name__} keeps no weight average (ema_decay=None): nothing to copy.")
        config = self.get_config()
        config["ema_decay"] = None
        copy = type(self).from_config(config)
        copy.generator.set_weights(self.generator_ema.get_weights())
        copy.discriminator.set_weights(self.discriminator.get_weights())
        copy.critic_steps.assign(ops.convert_to_numpy(self.critic_steps))
        copy.seed_generator.state.assign(ops.convert_to_numpy(self.seed_generator.state.value))
        return copy

    #: fit steps over which the vector defaults' learning rates anneal (then stay at 1% of 1e-3)
    vector_decay_steps = 10_000

    def annealed_learning_rates(self):
        """`(critic, generator)` learning rates of the vector defaults: cosine from 1e-3 to 1e-5
        over `vector_decay_steps` fit steps; the generator's schedule counts its own updates."""
        steps = self.vector_decay_steps
        return (
            keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=steps, alpha=0.01),
            keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=max(1, steps // self.n_critic), alpha=0.01),
        )

    def end_step(self, generator_updated):
        if self.generator_ema is not None:
            self.update_generator_ema(generator_updated)
        super().end_step(generator_updated)

    def to_data_space(self, x):
        x = ops.cast(x, "float32")
        return ops.clip((x + 1.0) / 2.0, 0.0, 1.0) if self.is_image_model else x

    # ------------------------------------------------------------------ compile and save
    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Sets both optimizers (the family's paper defaults when `None`) and builds their state.

        Other keyword arguments (`jit_compile`, `steps_per_execution`, `run_eagerly`) go to
        `keras.Model.compile`. No `optimizer` or `loss`: the model owns its objectives.

        `steps_per_execution=k > 1` runs `k` steps per traced call, also with `n_critic > 1`
        (then the step decides in the graph whether the generator updates; one replica only on
        TensorFlow). `k = n_critic` puts a whole critic cycle in one call, which saves Keras'
        per-call overhead: see benchmarks/train_step.py. The updates are the same for every `k`,
        but as in Keras, batch-level callbacks run once per call, and with `steps_per_epoch`
        on a repeating dataset an epoch runs a multiple of `k` steps.
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
        super().compile(optimizer=None, **kwargs)
        # Optimizer state must exist before a step function uses it, and before weights are loaded.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        trainers.get().attach_optimizers(self, [self.d_optimizer, self.g_optimizer])

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "jit_compile": self.jit_compile,
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
        config["ema_decay"] = self.ema_decay
        return config

    # ------------------------------------------------------------------ the training step, described
    @property
    def step_counter(self):
        return self.critic_steps

    def training_updates(self):
        return (
            Update(
                "discriminator", ("discriminator",), "d_optimizer", self.discriminator_objective, "d_loss",
                ("d_real", "d_fake", *self.extra_metric_names()),
            ),
            Update("generator", ("generator",), "g_optimizer", self.generator_objective, "g_loss", generator_phase=True),
        )

    def step_noise(self, batch):
        # Both latent batches are drawn every step, whether or not the generator updates, so
        # the seed generator advances identically whatever n_critic is.
        real = batch["x"]
        size = ops.shape(real)[0]
        return {"z_d": self.latent_batch(size, real), "z_g": self.latent_batch(size, real)}

    def discriminator_objective(self, batch, noise, training=True):
        """`(L_D, logs)` on a real batch and fakes from `noise["z_d"]`; the generator is held fixed."""
        real = batch["x"]
        fake = ops.stop_gradient(self.generator(noise["z_d"], training=training))
        real_out = ops.cast(self.discriminator(real, training=training), "float32")
        fake_out = ops.cast(self.discriminator(fake, training=training), "float32")
        loss, logs = self.discriminator_loss(real, fake, real_out, fake_out, noise)
        return loss, dict(logs, d_real=ops.mean(real_out), d_fake=ops.mean(fake_out))

    def generator_objective(self, batch, noise, training=True):
        """`(L_G, {})` on fakes from `noise["z_g"]`, judged by the current discriminator."""
        fake_out = ops.cast(self.discriminator(self.generator(noise["z_g"], training=training), training=training), "float32")
        return self.generator_loss(fake_out), {}

    def check_compiled(self):
        if self.d_optimizer is None or self.g_optimizer is None:
            raise RuntimeError(f"Call {type(self).__name__}.compile() before fit().")


def _loss_scaled(optimizer, name):
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer, name=name)


@keras.saving.register_keras_serializable(package="keras_genzoo")
class GAN(AdversarialModel):
    """The original GAN (Goodfellow et al., 2014) with MLP networks.

    Defaults for images (flattened; tanh output in [-1, 1]): MLP generator (256, 512 ReLU
    units) and discriminator (512, 256 LeakyReLU units), latent size 128, Adam(2e-4,
    beta_1=0.5) for both (Radford et al., 2016, the settings most GAN code inherits).

    Defaults for vectors (`data_shape=(d,)`, linear generator output in data units):
    generator and discriminator with three hidden layers of 256 units, latent size `d`, and
    Adam(beta_1=0.5) for both with a learning rate annealed from 1e-3 to 1e-5 by a cosine
    over the first 10,000 fit steps (`keras.optimizers.schedules.CosineDecay(1e-3, 10_000,
    alpha=0.01)`; the generator's schedule counts its own updates, `10_000 // n_critic`).
    They come from the ring-of-8-Gaussians study, which also measures what the image-sized
    defaults and a constant rate do there (docs/benchmarks.md, "Ring of 8 Gaussians"). After
    10,000 steps the rate stays at 1e-5;
    for longer runs pass your own optimizers, e.g. `compile(d_optimizer=keras.optimizers.Adam(
    CosineDecay(1e-3, steps, alpha=0.01), beta_1=0.5), g_optimizer=...)`.

    Both: `k = 1` discriminator step per generator step (the paper's Algorithm 1); the
    non-saturating generator loss `-log D(G(z))` recommended in the paper and the lecture,
    or `generator_loss="minimax"` for `log(1 - D(G(z)))`. `hidden_units` sets the
    generator's layers and, reversed, the discriminator's.

    `packing=m` (PacGAN, Lin et al. 2018) makes the default discriminator score packs of `m`
    samples (`networks.mlp_discriminator(packing=m)`), a remedy for mode collapse; the batch
    size must then be a multiple of `m`.

    Example:

        >>> import numpy as np, keras_genzoo as gz
        >>> gan = gz.models.GAN(data_shape=(2,), hidden_units=(16, 16), seed=0)
        >>> gan.latent_dim, gan.n_critic  # vectors: latent size d
        (2, 1)
        >>> gan.compile()  # the defaults for vectors
        >>> points = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
        >>> history = gan.fit(points, batch_size=8, epochs=1, verbose=0)
        >>> gan.generate(5, seed=0).shape  # vectors in data units
        (5, 2)
        >>> images = gz.models.GAN(image_shape=(8, 8, 1), latent_dim=4, hidden_units=(16,), seed=0)
        >>> images.generate(2, seed=0).shape  # MLP networks on flattened images
        (2, 8, 8, 1)
    """

    default_batch_size = 64

    def __init__(
        self, data_shape=None, latent_dim=None, generator_loss="non_saturating", hidden_units=None, packing=1, **kwargs
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
        vector_units = (256, 256, 256)  # the ring-of-8 study's networks (docs/benchmarks.md)
        g_units = self.hidden_units or ((256, 512) if self.is_image_model else vector_units)
        d_units = tuple(reversed(self.hidden_units)) if self.hidden_units else (
            (512, 256) if self.is_image_model else vector_units
        )
        activation = "tanh" if self.is_image_model else None
        return (
            networks.mlp_generator(self.latent_dim, self.data_shape, g_units, output_activation=activation, seed=self.seed),
            networks.mlp_discriminator(self.data_shape, d_units, seed=self.seed, packing=self.packing),
        )

    def default_optimizers(self):
        if self.is_image_model:
            d_lr = g_lr = 2e-4
        else:  # vectors: the ring-of-8 study's rate, annealed (docs/benchmarks.md)
            d_lr, g_lr = self.annealed_learning_rates()
        return (
            keras.optimizers.Adam(d_lr, beta_1=0.5, name="d_adam"),
            keras.optimizers.Adam(g_lr, beta_1=0.5, name="g_adam"),
        )

    def discriminator_loss(self, real, fake, real_out, fake_out, noise=None):
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
        hidden_units: `GAN`'s MLP widths; a DCGAN accepts only the default, None (its config records it).
        packing: `GAN`'s PacGAN option; a DCGAN accepts only the default, 1.

    Example:

        >>> # Train for two steps, then save and load the model with its optimizers.
        >>> import os, shutil, tempfile
        >>> import keras, numpy as np, keras_genzoo as gz
        >>> dcgan = gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, seed=0)
        >>> dcgan.compile()  # Adam(2e-4, beta_1=0.5) for both networks
        >>> x = np.random.default_rng(0).uniform(size=(16, 8, 8, 1)).astype("float32")
        >>> history = dcgan.fit(x, batch_size=8, epochs=1, verbose=0)
        >>> folder = tempfile.mkdtemp()
        >>> path = os.path.join(folder, "dcgan.keras")
        >>> dcgan.save(path)
        >>> restored = keras.models.load_model(path)
        >>> type(restored).__name__, restored.compiled
        ('DCGAN', True)
        >>> bool(np.array_equal(restored.generate(4, seed=0), dcgan.generate(4, seed=0)))
        True
        >>> shutil.rmtree(folder)
        >>> # The configuration is the constructor's arguments:
        >>> clone = gz.models.DCGAN.from_config(dcgan.get_config())
        >>> clone.get_config() == dcgan.get_config()
        True
    """

    default_batch_size = 128

    def __init__(self, image_shape=None, latent_dim=128, base_filters=64, sync_batch_norm=False, hidden_units=None,
                 packing=1, **kwargs):
        self.base_filters = check_positive_int(base_filters, "base_filters")
        self.sync_batch_norm = bool(sync_batch_norm)
        if hidden_units is not None:
            raise ValueError("DCGAN's networks are convolutional (base_filters sets their width); hidden_units is "
                             f"for GAN's MLP networks, got hidden_units={hidden_units!r}.")
        if packing != 1:
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
        config.update(base_filters=self.base_filters, sync_batch_norm=self.sync_batch_norm)
        return config
