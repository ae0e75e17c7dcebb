"""Class-conditional GANs: the conditional GAN (Mirza & Osindero, 2014) with a projection or
concatenation discriminator (Miyato & Koyama, 2018), and the AC-GAN (Odena et al., 2017).

Both players see the label. The conditional GAN plays

    min_G max_D  E_{x,y ~ data}[log D(x | y)] + E_{z, y}[log(1 - D(G(z | y) | y))]

(non-saturating generator loss `-log D(G(z | y) | y)` by default, or the WGAN-GP losses
with `objective="wgan-gp"`). The AC-GAN's discriminator sees only the image and answers
twice, real or fake (`L_S`) and which class (`L_C`); D maximises `L_S + L_C`, G maximises
`L_C - L_S`.

What this module defines for one training step, as methods of tensors that contain no
gradient code (`keras_genzoo.trainers` differentiates them, as for every family):

- `prepare_batch(data) -> {"x", "labels"}`: the real examples (mapped to [-1, 1]) and their
  int32 labels, checked at run time to lie in [0, num_classes);
- `conditional_discriminator_objective(real, labels, z, ...) -> (loss, logs)`: the loss D minimises;
- `conditional_generator_objective(z, labels) -> (loss, logs)`: the loss G minimises;
- `sample_labels(batch_size, data)`: uniform random labels, if wanted (the default step
  uses the real batch's labels for the fakes too).

A fit step follows the adversarial core: one discriminator update on a fresh real batch,
and every `n_critic`-th step one generator update, with the fakes generated for the real
batch's labels.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from keras_genzoo import losses, networks
from keras_genzoo.models.adversarial import AdversarialModel, gradient_penalty
from keras_genzoo.models.conditioning import LabelConditioning
from keras_genzoo.trainers.steps import Update
from keras_genzoo.utils.validation import check_choice, check_network, check_number, check_positive_int

OBJECTIVES = ("non_saturating", "wgan-gp")


class ConditionalAdversarialModel(LabelConditioning, AdversarialModel):
    """What the conditional GANs share: `num_classes`, label-conditioned generation, the
    label-embedding generator, labelled batches, configuration.

    Args:
        data_shape: one example, `(H, W, C)` (H, W divisible by 4) or `(d,)`.
        num_classes: number of classes `K`; labels are integers in `[0, K)`.
        latent_dim: size of `z`.
        embedding_dim: size of the generator's label embedding (default 32; with
            `label_combination="multiply"` it must equal, and defaults to, `latent_dim`).
        label_combination: how the default generator joins z and the label embedding:
            `"concat"` or `"multiply"` (`z * embedding`; see `networks.conditional_generator`).
        base_filters: width of the default conv networks.
        hidden_units: MLP widths for vector data: `(g_units, d_units)` pairs are derived as
            `hidden_units` for G and its reverse for D; default (256, 512) / (512, 256).
        sync_batch_norm: synchronise batch-norm statistics across replicas.
        objective: the losses (see the subclasses).

    The other keyword arguments are `AdversarialModel`'s: `image_shape` (alias of `data_shape`),
    `generator` (a `keras.Model` `[z (latent_dim,), label (1,)] -> data_shape`; default
    `networks.conditional_generator`, a label embedding joined with z), `discriminator` (the
    family's, see the subclasses), `n_critic`, `latent_prior`, `seed` and `ema_decay` (with it,
    `generate` and the class embeddings come from `generator_ema`).

    Example:

        >>> # What the conditional GANs share, shown with a tiny ConditionalGAN (untrained here).
        >>> import numpy as np, keras_genzoo as gz
        >>> cgan = gz.models.ConditionalGAN(image_shape=(8, 8, 1), num_classes=3, latent_dim=4, embedding_dim=2,
        ...                                 base_filters=4, seed=0)
        >>> isinstance(cgan, gz.models.ConditionalAdversarialModel), cgan.is_conditional, cgan.num_classes
        (True, True, 3)
        >>> cgan.generate(3, labels=[0, 1, 2], seed=0).shape
        (3, 8, 8, 1)
        >>> embeddings = cgan.label_embeddings()  # one learned embedding per class
        >>> embeddings.shape
        (3, 2)
        >>> between = np.repeat((embeddings[:1] + embeddings[1:2]) / 2, 2, axis=0)  # halfway from class 0 to 1
        >>> cgan.generate_from_embeddings(cgan.sample_latent(2, seed=0), between).shape
        (2, 8, 8, 1)
        >>> sampler = cgan.sampling_network()  # [noise, labels] -> images in [0, 1]
        >>> [(t.name, tuple(t.shape), t.dtype) for t in sampler.inputs]
        [('noise', (None, 4), 'float32'), ('labels', (None,), 'int32')]
        >>> cgan.generate(2, labels=[0, 3])
        Traceback (most recent call last):
        ...
        ValueError: labels must be integer class indices in [0, 3) ...
    """

    #: the objectives the family accepts
    objectives = ("non_saturating",)

    def __init__(
        self,
        data_shape=None,
        num_classes=10,
        latent_dim=128,
        embedding_dim=None,
        base_filters=64,
        hidden_units=None,
        sync_batch_norm=False,
        objective="non_saturating",
        label_combination="concat",
        **kwargs,
    ):
        self.set_num_classes(num_classes)
        self.objective = check_choice(objective, "objective", self.objectives)
        self.label_combination = networks.conditional.check_label_combination(label_combination)
        if embedding_dim is None:
            embedding_dim = check_positive_int(latent_dim, "latent_dim") if label_combination == "multiply" else 32
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.base_filters = check_positive_int(base_filters, "base_filters")
        self.hidden_units = None if hidden_units is None else tuple(check_positive_int(u, "hidden_units") for u in hidden_units)
        self.sync_batch_norm = bool(sync_batch_norm)
        super().__init__(data_shape=data_shape, latent_dim=latent_dim, **kwargs)

    def default_networks(self):
        return self.default_generator(), self.default_discriminator()

    # ------------------------------------------------------------------ networks
    def _g_units(self):
        return self.hidden_units or (256, 512)

    def _d_units(self):
        return tuple(reversed(self.hidden_units)) if self.hidden_units else (512, 256)

    def default_generator(self):
        return networks.conditional_generator(
            self.latent_dim, self.data_shape, self.num_classes, embedding_dim=self.embedding_dim,
            base_filters=self.base_filters, hidden_units=self._g_units(), sync_batch_norm=self.sync_batch_norm,
            seed=self.seed, label_combination=self.label_combination,
        )

    def default_discriminator(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.5, name="d_adam"),
            keras.optimizers.Adam(2e-4, beta_1=0.5, name="g_adam"),
        )

    # ------------------------------------------------------------------ generation
    def label_embeddings(self):
        """The generator's learned label embeddings, `(num_classes, embedding_dim)` numpy."""
        return np.asarray(networks.class_embeddings(self.sampling_generator), np.float32)

    def generate_from_embeddings(self, z, embeddings, batch_size=256):
        """Decodes latent vectors `z (n, latent_dim)` with label embeddings `(n, embedding_dim)`
        that need not belong to any class (e.g. between two classes' embeddings); data space out."""
        synthesis = networks.synthesis_network(self.sampling_generator)
        z = np.asarray(z, np.float32)
        e = np.asarray(embeddings, np.float32)
        dim = int(synthesis.input_shape[1][-1])
        if z.ndim != 2 or z.shape[1] != self.latent_dim or e.shape != (len(z), dim):
            raise ValueError(
                f"z must be (n, {self.latent_dim}) and embeddings (n, {dim}); got {z.shape} and {e.shape}."
            )
        out = [
            ops.convert_to_numpy(self.to_data_space(synthesis([z[i : i + batch_size], e[i : i + batch_size]],
                                                              training=False)))
            for i in range(0, len(z), check_positive_int(batch_size, "batch_size"))
        ]
        return np.concatenate(out).astype(np.float32)

    # ------------------------------------------------------------------ one step, as tensors
    def sample_labels(self, batch_size, data=None):
        """Uniformly random labels `(batch_size,)` int32, drawn through the model's noise hook."""
        u = self.noise("uniform", (batch_size,), "labels", data)
        return ops.minimum(ops.cast(ops.floor(u * self.num_classes), "int32"), self.num_classes - 1)

    # ------------------------------------------------------------------ the step, described for the trainers
    def generator_log_names(self):
        """Names of the generator update's own logs (beyond g_loss)."""
        return ()

    def training_updates(self):
        d, g = super().training_updates()
        return (d, Update(g.name, g.networks, g.optimizer, g.objective, g.loss_name, self.generator_log_names(),
                          generator_phase=True))

    def discriminator_objective(self, batch, noise, training=True):
        return self.conditional_discriminator_objective(batch["x"], batch["labels"], noise["z_d"], training=training,
                                                        **self._extra_d_noise(noise))

    def _extra_d_noise(self, noise):
        return {}

    def generator_objective(self, batch, noise, training=True):
        return self.conditional_generator_objective(noise["z_g"], batch["labels"], training=training)

    # ------------------------------------------------------------------ save
    def get_config(self):
        config = super().get_config()
        config.update(
            num_classes=self.num_classes,
            embedding_dim=self.embedding_dim,
            base_filters=self.base_filters,
            hidden_units=self.hidden_units,
            sync_batch_norm=self.sync_batch_norm,
            objective=self.objective,
            label_combination=self.label_combination,
        )
        return config


@keras.saving.register_keras_serializable(package="keras_genzoo")
class ConditionalGAN(ConditionalAdversarialModel):
    """Conditional GAN: generator `G(z | y)` with a learned label embedding, discriminator
    `D(x | y)` conditioned by projection (default) or concatenation.

    Takes the arguments of `ConditionalAdversarialModel`, and:

    Args:
        conditioning: `"projection"` (Miyato & Koyama, 2018: `psi(phi(x)) + <embed(y), phi(x)>`)
            or `"concat"` (one-hot label maps as extra input channels, the keras.io example).
        objective: `"non_saturating"` (GAN losses with `-log D(G(z|y)|y)` for G; Adam(2e-4,
            beta_1=0.5), `n_critic=1`, batch norm in D) or `"wgan-gp"` (Wasserstein losses with
            a gradient penalty; Adam(1e-4, 0, 0.9), `n_critic=5`, layer norm in the critic).
        gp_weight: `lambda` of the gradient penalty (`"wgan-gp"` only).

    History: `d_loss`, `g_loss`, `d_real`, `d_fake` (mean D outputs), and with `"wgan-gp"`
    `wasserstein` and `gradient_penalty`.

    Example:

        >>> import numpy as np, keras_genzoo as gz
        >>> cgan = gz.models.ConditionalGAN(image_shape=(8, 8, 1), num_classes=3, latent_dim=4, base_filters=4, seed=0)
        >>> cgan.conditioning, cgan.objective, cgan.n_critic
        ('projection', 'non_saturating', 1)
        >>> cgan.compile()
        >>> x = np.random.default_rng(0).uniform(size=(12, 8, 8, 1)).astype("float32")
        >>> labels = np.arange(12) % 3
        >>> sorted(cgan.fit(x, labels, batch_size=6, epochs=1, verbose=0).history)
        ['d_fake', 'd_loss', 'd_real', 'g_loss']
        >>> cgan.generate(4, labels=[2, 2, 0, 1], seed=0).shape
        (4, 8, 8, 1)
        >>> # The Wasserstein objective brings its critic schedule and penalty:
        >>> critic = gz.models.ConditionalGAN(image_shape=(8, 8, 1), num_classes=3, latent_dim=4, base_filters=4,
        ...                                   objective="wgan-gp", seed=0)
        >>> critic.n_critic, critic.gp_weight, critic.discriminator.name
        (5, 10.0, 'critic')
    """

    objectives = OBJECTIVES

    def __init__(self, data_shape=None, num_classes=10, latent_dim=128, conditioning="projection",
                 objective="non_saturating", gp_weight=10.0, **kwargs):
        if conditioning not in networks.conditional.CONDITIONINGS:
            raise ValueError(f"conditioning must be one of {networks.conditional.CONDITIONINGS}, got {conditioning!r}.")
        self.conditioning = conditioning
        self.gp_weight = check_number(gp_weight, "gp_weight")
        self.default_n_critic = 5 if objective == "wgan-gp" else 1
        super().__init__(data_shape=data_shape, num_classes=num_classes, latent_dim=latent_dim, objective=objective,
                         **kwargs)

    def default_discriminator(self):
        return networks.conditional_discriminator(
            self.data_shape, self.num_classes, self.conditioning, base_filters=self.base_filters,
            hidden_units=self._d_units(), normalization="layer" if self.objective == "wgan-gp" else "batch",
            sync_batch_norm=self.sync_batch_norm, seed=self.seed,
            name="critic" if self.objective == "wgan-gp" else "discriminator",
        )

    def default_optimizers(self):
        if self.objective == "wgan-gp":
            return (
                keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9, name="d_adam"),
                keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9, name="g_adam"),
            )
        return super().default_optimizers()

    def extra_metric_names(self):
        return ("wasserstein", "gradient_penalty") if self.objective == "wgan-gp" else ()

    def _score(self, x, labels, training):
        return ops.cast(self.discriminator([x, labels], training=training), "float32")

    def gradient_penalty(self, real, fake, labels, eps, training=True):
        """`E[(||grad_x D(x_hat | y)||_2 - 1)^2]` on `x_hat = eps x + (1 - eps) x_fake`, the label held fixed."""
        return gradient_penalty(lambda x: self._score(x, labels, training), real, fake, eps)

    def step_noise(self, batch):
        noise = super().step_noise(batch)
        if self.objective == "wgan-gp":
            real = batch["x"]
            noise["gp_eps"] = self.noise("uniform", (ops.shape(real)[0],), "gp_eps", real)
        return noise

    def _extra_d_noise(self, noise):
        return {"eps": noise["gp_eps"]} if "gp_eps" in noise else {}

    def conditional_discriminator_objective(self, real, labels, z, eps=None, training=True):
        """`(loss, logs)` of one discriminator update: D sees real `x | y` and `G(z | y) | y`.

        `eps` `(B,)` in [0, 1] are the gradient-penalty interpolation weights (`"wgan-gp"`;
        drawn from the model's noise when `None`).
        """
        fake = ops.stop_gradient(self.generator([z, labels], training=training))  # G is held fixed
        real_out = self._score(real, labels, training)
        fake_out = self._score(fake, labels, training)
        logs = {"d_real": ops.mean(real_out), "d_fake": ops.mean(fake_out)}
        if self.objective == "non_saturating":
            return losses.discriminator_minimax_loss(real_out, fake_out), logs
        if eps is None:
            eps = self.noise("uniform", (ops.shape(real)[0],), "gp_eps", real)
        penalty = self.gradient_penalty(real, ops.cast(fake, real.dtype), labels, eps, training)
        loss = losses.wasserstein_critic_loss(real_out, fake_out) + self.gp_weight * penalty
        return loss, dict(logs, wasserstein=losses.wasserstein_estimate(real_out, fake_out), gradient_penalty=penalty)

    def conditional_generator_objective(self, z, labels, training=True):
        """`(loss, logs)` of one generator update on `D(G(z | y) | y)`."""
        fake_out = self._score(self.generator([z, labels], training=training), labels, training)
        if self.objective == "non_saturating":
            return losses.generator_non_saturating_loss(fake_out), {}
        return losses.wasserstein_generator_loss(fake_out), {}

    def get_config(self):
        config = super().get_config()
        config.update(conditioning=self.conditioning, gp_weight=self.gp_weight)
        return config


@keras.saving.register_keras_serializable(package="keras_genzoo")
class ACGAN(ConditionalAdversarialModel):
    """AC-GAN (Odena et al., 2017): the conditional generator, and a discriminator that sees
    only `x` and outputs a real/fake logit and class logits.

    D minimises `-(L_S + w L_C)`, G minimises `w CE + (-log D(G(z, c)))` (see
    `losses.acgan_discriminator_loss` / `acgan_generator_loss`). Defaults: Adam(2e-4,
    beta_1=0.5), `n_critic=1`, batch norm in D except its first layer.

    Takes the arguments of `ConditionalAdversarialModel` (its `discriminator`: a
    `keras.Model` `x -> [source (1,), class_logits (num_classes,)]`, default
    `networks.acgan_discriminator`), and:

    Args:
        class_loss_weight: `w`, the weight of the class terms, >= 0 (the paper: 1).
        generator_loss: `"non_saturating"` or `"minimax"` (the source term of G's loss).
        fake_class_loss: whether D's class term includes the fakes (`True`, the paper's
            `L_C`) or only real images (`False`): with fakes in its class loss, D can learn to
            recognise the generator's own class cues rather than the real classes'
            (measured in docs/tutorials/conditional.md, "AC-GAN").

    The generator: with the default `label_combination="concat"` and this unconditional
    discriminator, the generator can learn to ignore `z` and draw one image per class;
    `label_combination="multiply"` (`z * embedding`, the registry's `fast` recipe) keeps `z` in
    play (measured in docs/tutorials/conditional.md).

    History: `d_loss`, `g_loss`, `d_real`, `d_fake` (mean source logits), `class_loss`
    (D's class cross-entropy on real + fake batches, whatever `fake_class_loss`),
    `real_class_accuracy`, `fake_class_accuracy`.

    Example:

        >>> import numpy as np, keras_genzoo as gz
        >>> acgan = gz.models.ACGAN(image_shape=(8, 8, 1), num_classes=3, latent_dim=4, base_filters=4,
        ...                         label_combination="multiply", seed=0)
        >>> [tuple(output.shape) for output in acgan.discriminator.outputs]  # source logit, class logits
        [(None, 1), (None, 3)]
        >>> acgan.compile()
        >>> x = np.random.default_rng(0).uniform(size=(12, 8, 8, 1)).astype("float32")
        >>> history = acgan.fit(x, np.arange(12) % 3, batch_size=6, epochs=1, verbose=0)
        >>> sorted(history.history)  # doctest: +NORMALIZE_WHITESPACE
        ['class_loss', 'd_fake', 'd_loss', 'd_real', 'fake_class_accuracy', 'g_class_loss', 'g_loss',
         'real_class_accuracy']
        >>> acgan.generate(3, labels=[2, 2, 2], seed=0).shape
        (3, 8, 8, 1)
    """

    def __init__(self, data_shape=None, num_classes=10, latent_dim=128, class_loss_weight=1.0,
                 generator_loss="non_saturating", fake_class_loss=True, **kwargs):
        self.class_loss_weight = check_number(class_loss_weight, "class_loss_weight")
        if not isinstance(fake_class_loss, bool):
            raise ValueError(f"fake_class_loss must be True or False, got {fake_class_loss!r}.")
        self.fake_class_loss = fake_class_loss
        if generator_loss not in losses.GENERATOR_LOSSES:
            raise ValueError(f"generator_loss must be one of {sorted(losses.GENERATOR_LOSSES)}, got {generator_loss!r}.")
        self.generator_loss_name = generator_loss
        super().__init__(data_shape=data_shape, num_classes=num_classes, latent_dim=latent_dim, **kwargs)

    def default_discriminator(self):
        return networks.acgan_discriminator(
            self.data_shape, self.num_classes, base_filters=self.base_filters, hidden_units=self._d_units(),
            sync_batch_norm=self.sync_batch_norm, seed=self.seed,
        )

    def check_discriminator(self, discriminator):
        return check_network(discriminator, "discriminator", self.data_shape, [(1,), (self.num_classes,)],
                             input_names="x", output_names=["source", "class logits"])

    def extra_metric_names(self):
        return ("class_loss", "real_class_accuracy", "fake_class_accuracy")

    def _heads(self, x, training):
        source, classes = self.discriminator(x, training=training)
        return ops.cast(source, "float32"), ops.cast(classes, "float32")

    def generator_log_names(self):
        return ("g_class_loss",)

    def conditional_discriminator_objective(self, real, labels, z, fake_labels=None, training=True):
        """`(loss, logs)` of one discriminator update; fakes are generated for `fake_labels`
        (default: the real batch's `labels`)."""
        fake_labels = labels if fake_labels is None else fake_labels
        fake = ops.stop_gradient(self.generator([z, fake_labels], training=training))  # G is held fixed
        real_source, real_classes = self._heads(real, training)
        fake_source, fake_classes = self._heads(fake, training)
        loss = losses.acgan_discriminator_loss(
            real_source, fake_source, real_classes, fake_classes, labels, fake_labels, self.class_loss_weight,
            self.fake_class_loss,
        )
        logs = {
            "d_real": ops.mean(real_source),
            "d_fake": ops.mean(fake_source),
            "class_loss": losses.class_loss(labels, real_classes) + losses.class_loss(fake_labels, fake_classes),
            "real_class_accuracy": losses.class_accuracy(labels, real_classes),
            "fake_class_accuracy": losses.class_accuracy(fake_labels, fake_classes),
        }
        return loss, logs

    def conditional_generator_objective(self, z, labels, training=True):
        """`(loss, logs)` of one generator update: look real, and look like class `labels`."""
        fake_source, fake_classes = self._heads(self.generator([z, labels], training=training), training)
        loss = losses.acgan_generator_loss(fake_source, fake_classes, labels, self.class_loss_weight,
                                           self.generator_loss_name)
        return loss, {"g_class_loss": losses.class_loss(labels, fake_classes)}

    def get_config(self):
        config = super().get_config()
        config.update(class_loss_weight=self.class_loss_weight, generator_loss=self.generator_loss_name,
                      fake_class_loss=self.fake_class_loss)
        return config
