"""The conditional VAE (Sohn et al., 2015; the "M2"-style conditioning of Kingma et al., 2014):
the encoder `q(z | x, y)` and the decoder `p(x | z, y)` both see the class label. The prior
`p(z | y)` is N(0, I) for every class (`prior="standard"`), or one learned Gaussian per
class, `N(m_y, diag s_y^2)` (`prior="learned"`: Sohn et al.'s prior network for a label).
To sample class `y`, draw `z ~ p(z | y)` and decode it with `y`.

    loss(x, y) = -E_q[log p(x | z, y)] + beta KL(q(z | x, y) || p(z | y)),
    z = mu(x, y) + sigma(x, y) * eps,   eps ~ N(0, I)

With `class_loss_weight = w > 0` the model also owns a classifier `C` of real data (the
AC-GAN idea carried over to the decoder): it adds `CE(C(x), y)` (which trains `C` only) and
`w * CE(C(decode(z_y, y)), y)` for prior draws `z_y ~ p(z | y)` (which trains the decoder,
prior and encoder only: `losses.input_only_class_loss`), so that samples carry the details
that tell their class from its neighbours'.

`conditional_objective(x, labels, eps)` computes it from tensors (no gradient code; the
backend trainers in `keras_genzoo.trainers` differentiate it).
"""

from __future__ import annotations

import dataclasses

import keras
from keras import ops

from keras_genzoo import losses, networks
from keras_genzoo.models.autoencoders import VAE
from keras_genzoo.models.conditioning import LabelConditioning
from keras_genzoo.utils.validation import check_choice, check_network, check_number, resolve_data_shape

PRIORS = ("standard", "learned")


@keras.saving.register_keras_serializable(package="keras_genzoo")
class ConditionalVAE(LabelConditioning, VAE):
    """A VAE whose encoder and decoder are conditioned on a class label.

    Args:
        data_shape: `(H, W, C)` images in [0, 1] (H, W divisible by 4) or `(d,)` vectors.
        image_shape: alias of `data_shape`.
        num_classes: number of classes `K`; labels are integers in `[0, K)`.
        latent_dim: size of `z`.
        encoder: a `keras.Model` `[x, label] -> [z_mean, z_log_var]`; default
            `networks.conditional_encoder` (one-hot label joined to the conv/MLP features).
        decoder: a `keras.Model` `[z, label] -> data_shape` (logits for images, means for
            vectors); default `networks.conditional_decoder` (one-hot label joined to z).
        base_filters: width of the default conv networks.
        prior: `"standard"` (N(0, I) for every class) or `"learned"` (a Gaussian per class,
            `networks.ClassPrior`, trained with the encoder and decoder: the KL term then pulls
            each class's codes towards its own Gaussian instead of all classes towards one, and
            `generate` samples from the class's Gaussian).
        class_loss_weight: `w >= 0`, the weight of the class-consistency term on prior
            samples (0, the default: none, and no classifier).
        classifier: a `keras.Model` `x -> class_logits (num_classes,)` for that term, without
            dropout or batch statistics (each example is classified on its own, so that the
            samples and their gradient-stopped copy get the same logits); default
            `networks.label_classifier`. Only with `class_loss_weight > 0`.
        seed: seeds the training noise and the default networks' weights.

    `beta` and `likelihood` are as in `VAE`. `generate(n, labels=..., z=...)` decodes draws of
    `p(z | y)`: a given `z` holds standard-normal draws, which the class's prior maps to
    `m_y + s_y * z` (unchanged for the standard prior), so one `z` draws the same "style" in
    every class. The public helpers take labels: `encode(x, labels)`,
    `decode(z, labels)`, `reconstruct(x, labels)`, `interpolate(x_a, x_b, labels, steps)`,
    `generate(n, labels=...)`.

    History: `loss` (the objective minimised: the negative ELBO, plus with a classifier
    `w * class_loss + classifier_loss`), `reconstruction_loss`, `kl_loss` (nats per example);
    with a classifier also `class_loss` (cross-entropy of the classifier on prior samples and
    their labels), `sample_class_accuracy` and `classifier_loss` (its cross-entropy on the real
    batch).

    Example:

        >>> import numpy as np, keras_genzoo as gz
        >>> cvae = gz.models.ConditionalVAE(image_shape=(8, 8, 1), num_classes=3, latent_dim=2, base_filters=4, seed=0)
        >>> cvae.compile()
        >>> x = np.random.default_rng(0).uniform(size=(12, 8, 8, 1)).astype("float32")
        >>> _ = cvae.fit(x, np.arange(12) % 3, batch_size=6, epochs=1, verbose=0)
        >>> cvae.generate(4, labels=[0, 1, 2, 0], seed=0).shape
        (4, 8, 8, 1)
    """

    sub_model_names = ("encoder", "decoder", "classifier")

    def __init__(self, data_shape=None, num_classes=10, latent_dim=2, encoder=None, decoder=None, base_filters=32,
                 seed=None, image_shape=None, prior="standard", class_loss_weight=0.0, classifier=None, **kwargs):
        self.set_num_classes(num_classes)
        self.prior_kind = check_choice(prior, "prior", PRIORS)
        self.class_loss_weight = check_number(class_loss_weight, "class_loss_weight")
        if classifier is not None and self.class_loss_weight == 0:
            raise ValueError("classifier is used only by the class-consistency term: pass class_loss_weight > 0 "
                             "with it, or no classifier.")
        super().__init__(data_shape=resolve_data_shape(data_shape, image_shape), latent_dim=latent_dim,
                         encoder=encoder, decoder=decoder, base_filters=base_filters, seed=seed, **kwargs)
        self.prior = networks.ClassPrior(self.num_classes, self.latent_dim, name="prior") if prior == "learned" else None
        if self.class_loss_weight > 0 and classifier is None:
            classifier = networks.label_classifier(self.data_shape, self.num_classes, base_filters=self.base_filters,
                                                   seed=self.seed)
        self.classifier = None if classifier is None else check_network(
            classifier, "classifier", self.data_shape, [(self.num_classes,)], input_names="x",
            output_names="class logits")

    # ------------------------------------------------------------------ networks
    def default_encoder(self):
        return networks.conditional_encoder(self.data_shape, self.num_classes, self.latent_dim,
                                            base_filters=self.base_filters, seed=self.seed)

    def default_decoder(self):
        return networks.conditional_decoder(self.latent_dim, self.data_shape, self.num_classes,
                                            base_filters=self.base_filters, seed=self.seed)

    # ------------------------------------------------------------------ the prior p(z | y)
    def kl_divergence(self, z_mean, z_log_var, labels=None):
        if self.prior is None:
            return super().kl_divergence(z_mean, z_log_var, labels)
        return losses.kl_divergence_normal(z_mean, z_log_var, *self.prior(labels))

    def prior_latent(self, z, labels):
        """Standard-normal draws `z` to draws of `p(z | y)`: `m_y + s_y * z` (`z` for the standard prior)."""
        z = ops.cast(z, "float32")
        if self.prior is None:
            return z
        mean, log_var = self.prior(labels)
        return mean + ops.exp(0.5 * log_var) * z

    def symbolic_prior_latent(self, noise, labels):
        if self.prior is None:
            return noise
        mean, log_var = self.prior(labels)
        return keras.layers.Lambda(lambda t: t[0] + keras.ops.exp(0.5 * t[1]) * t[2], name="class_prior")(
            [mean, log_var, noise])

    def prior_parameters(self, labels):
        """`(mean, log_var)` numpy `(N, latent_dim)` of `p(z | y)` for integer labels (zeros for
        the standard prior)."""
        y = self.checked_labels(labels)
        if self.prior is None:
            zeros = ops.zeros((len(y), self.latent_dim), "float32")
            return ops.convert_to_numpy(zeros), ops.convert_to_numpy(zeros)
        mean, log_var = self.prior(ops.convert_to_tensor(y))
        return ops.convert_to_numpy(mean), ops.convert_to_numpy(log_var)

    # ------------------------------------------------------------------ the objective, as tensors
    def conditional_objective(self, x, labels, eps, training=True):
        """`(loss, logs)`: the batch mean of the negative conditional ELBO (nats) with the
        reparameterized sample `z = mu + sigma * eps`; logs `reconstruction_loss`, `kl_loss`
        (`compute_objective` with labels, without the class-consistency term)."""
        return self.compute_objective(x, training=training, eps=eps, labels=labels)

    def class_consistency_objective(self, x, labels, z, training=True):
        """`(loss, logs)` of the classifier terms: `CE(C(x), y) + w * CE(C(decode(z_y, y)), y)`
        with `z_y` the prior draw of class `y` for the standard-normal `z`; the first term
        trains the classifier only, the second everything but the classifier."""
        samples = self.to_data_space(self.decoder([self.prior_latent(z, labels), labels], training=training))
        # One call on [real, samples, stop_gradient(samples)]: the classifier sees one batch.
        size = ops.shape(x)[0]
        all_logits = self.classifier(ops.concatenate([ops.cast(x, "float32"), samples, ops.stop_gradient(samples)]),
                                     training=training)
        real_logits, logits, stopped = all_logits[:size], all_logits[size : 2 * size], all_logits[2 * size :]
        class_term = losses.input_only_class_loss(labels, logits, stopped)
        classifier_loss = losses.class_loss(labels, real_logits)
        logs = {"class_loss": class_term, "sample_class_accuracy": losses.class_accuracy(labels, logits),
                "classifier_loss": classifier_loss}
        return self.class_loss_weight * class_term + classifier_loss, logs

    # ------------------------------------------------------------------ the step, described for the trainers
    def _log_names(self):
        names = super()._log_names()
        if self.class_loss_weight > 0:
            names += ("class_loss", "sample_class_accuracy", "classifier_loss")
        return names

    def training_updates(self):
        (update,) = super().training_updates()
        # Called from the base constructor too, before the prior and classifier exist.
        extra = tuple(name for name in ("prior", "classifier") if getattr(self, name, None) is not None)
        return (dataclasses.replace(update, networks=update.networks + extra),)

    def step_noise(self, batch):
        noise = super().step_noise(batch)
        if self.classifier is not None:
            noise["z_class"] = self.noise("normal", (ops.shape(batch["x"])[0], self.latent_dim), "latent", batch["x"])
        return noise

    def objective(self, batch, noise, training=True):
        loss, logs = super().objective(batch, noise, training=training)
        if self.classifier is None:
            return loss, logs
        extra, extra_logs = self.class_consistency_objective(batch["x"], batch["labels"], noise["z_class"],
                                                             training=training)
        return loss + extra, {**logs, **extra_logs}

    # ------------------------------------------------------------------ public helpers: labels come second
    def encode(self, x, labels):
        """`(z_mean, z_log_var)` numpy of `q(z | x, y)`."""
        return super().encode(x, labels)

    def decode(self, z, labels, batch_size=256):
        """The decoder's mean for latent vectors `z (N, latent_dim)` and labels: images in [0, 1]."""
        return super().decode(z, labels, batch_size)

    def reconstruct(self, x, labels):
        """`decode(encode(x, y), y)` through the latent means."""
        return super().reconstruct(x, labels)

    def interpolate(self, x_a, x_b, labels, steps=10):
        """Decodes `steps` points between the codes of `x_a` and `x_b`, all with `labels`
        (one per pair); returns `(N, steps) + data_shape`, endpoints included."""
        return super().interpolate(x_a, x_b, steps=steps, labels=labels)

    def get_config(self):
        config = super().get_config()
        config.update(prior=self.prior_kind, class_loss_weight=self.class_loss_weight)
        return config
