"""The objectives of the zoo as pure functions of tensors, written with `keras.ops`.

Adversarial losses take *logits* (unnormalised discriminator outputs) and use softplus
forms, which are exact and finite for any logit:

    -log(sigmoid(l))     = softplus(-l)
    -log(1 - sigmoid(l)) = softplus(l)

Each loss returns the mean over the batch it is given. Under `tf.distribute`, the models
divide it by the number of replicas before differentiating (gradients are summed across
replicas), see `keras_genzoo.gradients`.
"""

import numpy as np
from keras import ops


def _mean(x):
    return ops.mean(ops.reshape(x, (-1,)))


# --------------------------------------------------------------------------- GAN (Goodfellow et al., 2014)
def discriminator_minimax_loss(real_logits, fake_logits):
    """`-E[log D(x)] - E[log(1 - D(G(z)))]`: the discriminator's side of the minimax game."""
    return _mean(ops.softplus(-real_logits)) + _mean(ops.softplus(fake_logits))


def generator_minimax_loss(fake_logits):
    """`E[log(1 - D(G(z)))]`, minimised by G: the saturating loss of the original minimax game.

    Its gradient vanishes when D confidently rejects the fakes (early in training).
    """
    return -_mean(ops.softplus(fake_logits))


def generator_non_saturating_loss(fake_logits):
    """`-E[log D(G(z))]`: the non-saturating loss, strong gradients when D rejects the fakes."""
    return _mean(ops.softplus(-fake_logits))


GENERATOR_LOSSES = {
    "non_saturating": generator_non_saturating_loss,
    "minimax": generator_minimax_loss,
}


# --------------------------------------------------------------------------- WGAN (Arjovsky et al., 2017)
def wasserstein_critic_loss(real_scores, fake_scores):
    """`E[D(G(z))] - E[D(x)]`, minimised by the critic (the negated Wasserstein estimate)."""
    return _mean(fake_scores) - _mean(real_scores)


def wasserstein_generator_loss(fake_scores):
    """`-E[D(G(z))]`, minimised by the generator."""
    return -_mean(fake_scores)


def wasserstein_estimate(real_scores, fake_scores):
    """`E[D(x)] - E[D(G(z))]`: the critic's estimate of the Earth mover's distance (up to scale)."""
    return _mean(real_scores) - _mean(fake_scores)


# --------------------------------------------------------------------------- WGAN-GP (Gulrajani et al., 2017)
def interpolates(real, fake, eps):
    """`x_hat = eps * x + (1 - eps) * x_tilde` with `eps` of shape `(B,)`, one weight per example."""
    eps = ops.reshape(ops.cast(eps, real.dtype), (-1,) + (1,) * (len(real.shape) - 1))
    return eps * real + (1.0 - eps) * ops.cast(fake, real.dtype)


def gradient_penalty_from_gradients(gradients, epsilon=1e-12):
    """`E[(||g||_2 - 1)^2]` from per-example input gradients `g` of shape `(B, ...)`.

    `epsilon` sits inside the square root, so the norm (and its own gradient) stays finite
    when a gradient is exactly zero.
    """
    g = ops.reshape(ops.cast(gradients, "float32"), (ops.shape(gradients)[0], -1))
    norms = ops.sqrt(ops.sum(ops.square(g), axis=1) + epsilon)
    return ops.mean(ops.square(norms - 1.0))


# --------------------------------------------------------------------------- VAE (Kingma & Welling, 2014)
def kl_divergence_standard_normal(z_mean, z_log_var):
    """`KL(N(mu, sigma^2) || N(0, I)) = 1/2 sum_i (sigma_i^2 + mu_i^2 - 1 - log sigma_i^2)` per example."""
    return 0.5 * ops.sum(ops.exp(z_log_var) + ops.square(z_mean) - 1.0 - z_log_var, axis=-1)


def kl_divergence_normal(z_mean, z_log_var, prior_mean, prior_log_var):
    """`KL(N(mu, sigma^2) || N(m, s^2))` per example, for diagonal Gaussians:
    `1/2 sum_i (log s_i^2 - log sigma_i^2 + (sigma_i^2 + (mu_i - m_i)^2) / s_i^2 - 1)`."""
    return 0.5 * ops.sum(
        prior_log_var - z_log_var + (ops.exp(z_log_var) + ops.square(z_mean - prior_mean)) * ops.exp(-prior_log_var)
        - 1.0,
        axis=-1,
    )


def bernoulli_reconstruction_loss(x, logits):
    """`-log p(x | z)` for a Bernoulli decoder with logits, summed over pixels: per example (nats).

    Binary cross-entropy in the stable form `softplus(l) - x * l`; `x` in [0, 1].
    """
    per_pixel = ops.softplus(logits) - x * logits
    return ops.sum(ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=1)


def calibrated_gaussian_reconstruction_loss(x, x_hat, min_log_sigma=-6.0):
    """`-log p(x | z)` per example (nats) of a Gaussian decoder `N(x_hat, sigma^2 I)` whose one
    shared `sigma` takes its maximum-likelihood value on the batch, `sigma^2 = mean((x - x_hat)^2)`
    (floored at `exp(min_log_sigma)`): the calibrated decoder of the sigma-VAE (Rybkin et al.,
    2021). Per pixel: `(x - x_hat)^2 / (2 sigma^2) + log sigma + log(2 pi) / 2`.

    A decoder that reconstructs well gets a small `sigma`, which weights the reconstruction
    more against the KL term, so the balance between the two is learned rather than fixed
    by a `beta`."""
    squared = ops.square(x - x_hat)
    log_sigma = ops.maximum(0.5 * ops.log(ops.mean(squared)), min_log_sigma)
    per_pixel = 0.5 * squared * ops.exp(-2.0 * log_sigma) + log_sigma + 0.5 * np.log(2.0 * np.pi)
    return ops.sum(ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=1)


def gaussian_reconstruction_loss(x, x_hat):
    """Half the squared error summed over pixels per example: `-log p(x | z)` of a unit-variance
    Gaussian decoder, up to the constant `d/2 log(2 pi)`."""
    per_pixel = 0.5 * ops.square(x - x_hat)
    return ops.sum(ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=1)


# --------------------------------------------------------------------------- flow matching (Liu et al., 2023; Lipman et al., 2023)
def flow_matching_loss(velocity, x, noise):
    """`E ||v(x_t, t) - (noise - x)||^2`, averaged over the pixels and the batch: the rectified-flow
    objective for the interpolant `x_t = (1 - t) x + t noise`, whose velocity `d x_t / dt` is
    `noise - x` (data at t = 0, noise at t = 1). `velocity` is the network's prediction at `x_t`."""
    return _mean(ops.square(ops.cast(velocity, "float32") - (noise - x)))


def denoising_loss(prediction, target):
    """`E ||prediction - target||^2`, averaged over the pixels and the batch: the simplified
    diffusion objective of Ho et al. (2020), with `target` the noise `eps` (epsilon-prediction)
    or `v = alpha eps - sigma x` (v-prediction, Salimans & Ho 2022)."""
    return _mean(ops.square(ops.cast(prediction, "float32") - ops.cast(target, "float32")))


# --------------------------------------------------------------------------- AC-GAN (Odena et al., 2017)
def class_loss(labels, class_logits):
    """`-E[log P(C = y | x)]`: sparse categorical cross-entropy from class logits, batch mean.

    `labels` are integer class indices `(B,)` (or `(B, 1)`); `class_logits` is `(B, K)`.
    """
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    return _mean(ops.sparse_categorical_crossentropy(labels, class_logits, from_logits=True))


def class_accuracy(labels, class_logits):
    """Share of examples whose highest class logit is their label."""
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    predicted = ops.cast(ops.argmax(class_logits, axis=-1), "int32")
    return _mean(ops.cast(ops.equal(predicted, labels), "float32"))


def input_only_class_loss(labels, class_logits, class_logits_of_stopped_input):
    """`class_loss(labels, class_logits)` whose gradient reaches the classified input only, not
    the classifier's weights.

    `class_logits` is `C(x)`; `class_logits_of_stopped_input` is the same classifier on
    `stop_gradient(x)`. The value is `L(C(x))`; the gradient with respect to the classifier's
    weights is `dL(C(x))/dtheta - dL(C(sg(x)))/dtheta = 0`, and with respect to `x` it is
    `dL(C(x))/dx`. So one optimizer step can train a classifier on real data while the
    network that made `x` learns to be classified correctly, without the classifier learning to
    accept what that network draws. `C` must compute the same function in both calls (no
    dropout, no batch statistics).
    """
    attached = class_loss(labels, class_logits)
    detached = class_loss(labels, class_logits_of_stopped_input)
    return attached - detached + ops.stop_gradient(detached)


def acgan_discriminator_loss(real_source, fake_source, real_class_logits, fake_class_logits, real_labels, fake_labels,
                             class_loss_weight=1.0, fake_class_loss=True):
    """`-(L_S + w L_C)`, minimised by the AC-GAN discriminator (it maximises `L_S + L_C`), with

        L_S = E[log P(S = real | x_real)] + E[log P(S = fake | x_fake)]
        L_C = E[log P(C = c | x_real)]    + E[log P(C = c | x_fake)]

    `*_source` are real/fake logits `(B, 1)`, `*_class_logits` are `(B, K)`, `w` weighs the
    class term (the paper's objective is `w = 1`). With `fake_class_loss=False` the class
    term keeps only the real images (a common variant: the discriminator's classifier then
    cannot agree with the generator on class cues that real images do not have).
    """
    classes = class_loss(real_labels, real_class_logits)
    if fake_class_loss:
        classes = classes + class_loss(fake_labels, fake_class_logits)
    return discriminator_minimax_loss(real_source, fake_source) + class_loss_weight * classes


def acgan_generator_loss(fake_source, fake_class_logits, fake_labels, class_loss_weight=1.0,
                         source_loss="non_saturating"):
    """The AC-GAN generator's loss: it maximises `L_C - L_S`, i.e. it wants its samples
    classified as their requested class and taken for real.

    Only the fake terms depend on G, so as a minimised loss: `w CE(c, C(G(z, c)))` plus the
    source term, `-E[log D(G(z, c))]` (`source_loss="non_saturating"`, the usual practice)
    or `E[log(1 - D(G(z, c)))]` (`"minimax"`, the paper's objective taken literally).
    """
    if source_loss not in GENERATOR_LOSSES:
        raise ValueError(f"source_loss must be one of {sorted(GENERATOR_LOSSES)}, got {source_loss!r}.")
    return GENERATOR_LOSSES[source_loss](fake_source) + class_loss_weight * class_loss(fake_labels, fake_class_logits)
