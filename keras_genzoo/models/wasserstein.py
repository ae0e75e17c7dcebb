"""Wasserstein GANs: WGAN with weight clipping (Arjovsky et al., 2017) and WGAN-GP with a
gradient penalty (Gulrajani et al., 2017), on the shared adversarial training core."""

from __future__ import annotations

import keras
from keras import ops

from keras_genzoo import losses, networks
from keras_genzoo.models.adversarial import AdversarialModel, gradient_penalty
from keras_genzoo.utils.validation import check_number, check_positive_int, resolve_data_shape


class _WassersteinBase(AdversarialModel):
    """Critic with a linear output; losses `E[D(G(z))] - E[D(x)]` and `-E[D(G(z))]`; logs `wasserstein`."""

    default_n_critic = 5
    default_batch_size = 64
    critic_normalization = "batch"
    #: hidden layers of the default MLP generator and critic for vector data
    vector_hidden_units = (256, 256)

    def __init__(self, data_shape=None, latent_dim=None, base_filters=64, sync_batch_norm=False, **kwargs):
        self.base_filters = check_positive_int(base_filters, "base_filters")
        self.sync_batch_norm = bool(sync_batch_norm)
        super().__init__(data_shape=data_shape, latent_dim=latent_dim, **kwargs)

    def critic_constraint(self):
        return None

    def default_networks(self):
        if self.is_image_model:
            return (
                networks.dcgan_generator(
                    self.latent_dim, self.data_shape, self.base_filters, self.sync_batch_norm, seed=self.seed
                ),
                networks.dcgan_discriminator(
                    self.data_shape,
                    self.base_filters,
                    self.critic_normalization,
                    constraint=self.critic_constraint(),
                    sync_batch_norm=self.sync_batch_norm,
                    seed=self.seed,
                    name="critic",
                ),
            )
        return (
            networks.mlp_generator(
                self.latent_dim, self.data_shape, self.vector_hidden_units, output_activation=None, seed=self.seed
            ),
            networks.mlp_discriminator(
                self.data_shape, self.vector_hidden_units, constraint=self.critic_constraint(), seed=self.seed,
                name="critic",
            ),
        )

    def extra_metric_names(self):
        return ("wasserstein",)

    def discriminator_loss(self, real, fake, real_out, fake_out, noise=None):
        return losses.wasserstein_critic_loss(real_out, fake_out), {
            "wasserstein": losses.wasserstein_estimate(real_out, fake_out)
        }

    def generator_loss(self, fake_out):
        return losses.wasserstein_generator_loss(fake_out)

    def get_config(self):
        config = super().get_config()
        config.update(base_filters=self.base_filters, sync_batch_norm=self.sync_batch_norm)
        return config


@keras.saving.register_keras_serializable(package="keras_genzoo")
class WGAN(_WassersteinBase):
    """WGAN with weight clipping: Algorithm 1 of Arjovsky et al. (2017).

    Defaults from the paper: RMSprop(5e-5), `n_critic = 5`, clipping `c = 0.01`, batch 64;
    DCGAN networks with a batch-normalised critic for images (latent size 128), and for
    vectors `(d,)` an MLP generator and critic with two hidden layers of 256 units (latent
    size `d`, as for every adversarial model on vectors; the clipping recipe was not tuned
    for vectors).
    Every trainable critic variable (kernels, biases, batch-norm scales and offsets; also
    those of a critic you pass in) carries a `ClipConstraint(c)`, which the optimizer
    applies right after each update.

    Args:
        clip_value: `c`, the clipping bound, > 0.

    Example:

        >>> import numpy as np, keras, keras_genzoo as gz
        >>> wgan = gz.models.WGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, seed=0)
        >>> wgan.n_critic, wgan.clip_value
        (5, 0.01)
        >>> wgan.compile()  # RMSprop(5e-5) for both networks
        >>> x = np.random.default_rng(0).uniform(size=(16, 8, 8, 1)).astype("float32")
        >>> sorted(wgan.fit(x, batch_size=2, epochs=1, verbose=0).history)
        ['d_fake', 'd_loss', 'd_real', 'g_loss', 'wasserstein']
        >>> int(wgan.d_optimizer.iterations), int(wgan.g_optimizer.iterations)  # 8 critic steps, 1 generator step
        (8, 1)
        >>> weights = [keras.ops.convert_to_numpy(v) for v in wgan.discriminator.trainable_variables]
        >>> bool(max(np.abs(w).max() for w in weights) <= wgan.clip_value)  # every critic weight in [-c, c]
        True
    """

    def __init__(self, data_shape=None, latent_dim=None, clip_value=0.01, **kwargs):
        self.clip_value = check_number(clip_value, "clip_value", strict=True)
        super().__init__(data_shape=data_shape, latent_dim=latent_dim, **kwargs)

    def critic_constraint(self):
        return networks.ClipConstraint(self.clip_value)

    def configure_discriminator(self):
        constraint = networks.ClipConstraint(self.clip_value)
        for variable in self.discriminator.trainable_variables:
            variable.constraint = constraint

    def default_optimizers(self):
        return (
            keras.optimizers.RMSprop(5e-5, name="d_rmsprop"),
            keras.optimizers.RMSprop(5e-5, name="g_rmsprop"),
        )

    def get_config(self):
        config = super().get_config()
        config["clip_value"] = self.clip_value
        return config


@keras.saving.register_keras_serializable(package="keras_genzoo")
class WGANGP(_WassersteinBase):
    """WGAN with gradient penalty: Algorithm 1 of Gulrajani et al. (2017).

    Critic loss `D(x_tilde) - D(x) + lambda (||grad D(x_hat)||_2 - 1)^2` with
    `x_hat = eps x + (1 - eps) x_tilde`, one `eps ~ U[0, 1]` per example.

    Defaults for images, from the paper: DCGAN generator and a critic with layer norm instead
    of batch norm (the penalty is per example), latent size 128, `lambda = 10`,
    `n_critic = 5`, Adam(1e-4, beta_1=0, beta_2=0.9), batch 64.

    Defaults for vectors `(d,)`, from the ring-of-8 study (measured against the paper's
    settings in docs/benchmarks.md, "Ring of 8 Gaussians"): MLP generator and critic with three
    hidden layers of 256 units, latent size `d`, `lambda = 1`, `n_critic = 2`, and Adam
    (beta_1=0.5, beta_2=0.9) whose learning rate anneals from 1e-3 to 1e-5 with a cosine
    (`keras.optimizers.schedules.CosineDecay(1e-3, 10_000, alpha=0.01)`) over the first
    10,000 fit steps: the critic's schedule counts its own updates (10,000), the generator's
    its own (`10_000 // n_critic`). After that the rates stay at 1e-5, so for longer runs
    pass your own optimizers, e.g. with `decay_steps` set to your run's length:
    `compile(d_optimizer=keras.optimizers.Adam(CosineDecay(1e-3, steps, alpha=0.01), 0.5, 0.9),
    g_optimizer=keras.optimizers.Adam(CosineDecay(1e-3, steps // n_critic, alpha=0.01), 0.5, 0.9))`.

    Args:
        gp_weight: `lambda`, >= 0; `None` (default): 10 for images, 1 for vectors.
        n_critic: critic updates per generator update; `None` (default): 5 for images, 2 for vectors.

    Example:

        >>> import numpy as np, keras_genzoo as gz
        >>> wgangp = gz.models.WGANGP(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, seed=0)
        >>> wgangp.gp_weight, wgangp.n_critic  # the image defaults
        (10.0, 5)
        >>> vectors = gz.models.WGANGP(data_shape=(2,), seed=0)
        >>> vectors.gp_weight, vectors.n_critic  # the vector defaults
        (1.0, 2)
        >>> wgangp.compile()  # Adam(1e-4, beta_1=0, beta_2=0.9) for both networks
        >>> x = np.random.default_rng(0).uniform(size=(16, 8, 8, 1)).astype("float32")
        >>> sorted(wgangp.fit(x, batch_size=8, epochs=1, verbose=0).history)
        ['d_fake', 'd_loss', 'd_real', 'g_loss', 'gradient_penalty', 'wasserstein']
        >>> clone = gz.models.WGANGP.from_config(wgangp.get_config())
        >>> clone.gp_weight, clone.get_config() == wgangp.get_config()
        (10.0, True)
    """

    critic_normalization = "layer"
    vector_hidden_units = (256, 256, 256)

    def __init__(self, data_shape=None, latent_dim=None, gp_weight=None, n_critic=None, **kwargs):
        is_image = len(resolve_data_shape(data_shape, kwargs.get("image_shape"))) == 3
        if gp_weight is None:
            gp_weight = 10.0 if is_image else 1.0
        if n_critic is None:
            n_critic = 5 if is_image else 2
        self.gp_weight = check_number(gp_weight, "gp_weight")
        super().__init__(data_shape=data_shape, latent_dim=latent_dim, n_critic=n_critic, **kwargs)

    def default_optimizers(self):
        if self.is_image_model:
            return (
                keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9, name="d_adam"),
                keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9, name="g_adam"),
            )
        d_lr, g_lr = self.annealed_learning_rates()
        return (
            keras.optimizers.Adam(d_lr, beta_1=0.5, beta_2=0.9, name="d_adam"),
            keras.optimizers.Adam(g_lr, beta_1=0.5, beta_2=0.9, name="g_adam"),
        )

    def extra_metric_names(self):
        return ("wasserstein", "gradient_penalty")

    def step_noise(self, batch):
        noise = super().step_noise(batch)
        real = batch["x"]
        noise["gp_eps"] = self.noise("uniform", (ops.shape(real)[0],), "gp_eps", real)
        return noise

    def gradient_penalty(self, real, fake, eps=None):
        """`E[(||grad_x_hat D(x_hat)||_2 - 1)^2]` on interpolates with per-example `eps ~ U[0, 1]`."""
        if eps is None:
            eps = self.noise("uniform", (ops.shape(real)[0],), "gp_eps", real)
        return gradient_penalty(lambda x: self.discriminator(x, training=True), real, fake, eps)

    def discriminator_loss(self, real, fake, real_out, fake_out, noise=None):
        loss, logs = super().discriminator_loss(real, fake, real_out, fake_out, noise)
        penalty = self.gradient_penalty(real, fake, None if noise is None else noise.get("gp_eps"))
        return loss + self.gp_weight * penalty, dict(logs, gradient_penalty=penalty)

    def get_config(self):
        config = super().get_config()
        config["gp_weight"] = self.gp_weight
        return config
