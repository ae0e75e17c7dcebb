"""The objectives against float64 references computed by hand."""

import numpy as np
import pytest
from keras import ops

from keras_genzoo import losses

LOGITS_REAL = np.array([2.0, -1.0, 0.5, 50.0, -50.0])
LOGITS_FAKE = np.array([-3.0, 0.0, 1.5, -50.0, 50.0])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_value(x):
    return float(ops.convert_to_numpy(x))


def ref_log_sigmoid(x):  # float64 reference, exact for the values used here
    return -np.logaddexp(0.0, -x)


def test_discriminator_minimax_loss_matches_definition():
    expected = -np.mean(ref_log_sigmoid(LOGITS_REAL)) - np.mean(ref_log_sigmoid(-LOGITS_FAKE))
    got = np_value(losses.discriminator_minimax_loss(ops.convert_to_tensor(LOGITS_REAL), ops.convert_to_tensor(LOGITS_FAKE)))
    assert got == pytest.approx(expected, rel=1e-12)
    # Spot value by hand: D = sigmoid(0) = 0.5 on both sides -> 2 log 2.
    assert np_value(losses.discriminator_minimax_loss(np.zeros(3), np.zeros(3))) == pytest.approx(2 * np.log(2.0))


def test_generator_losses_match_definitions():
    fake = LOGITS_FAKE[:3]  # where 1 - sigmoid is representable in float64
    assert np_value(losses.generator_minimax_loss(fake)) == pytest.approx(np.mean(np.log(1 - sigmoid(fake))), rel=1e-12)
    assert np_value(losses.generator_non_saturating_loss(fake)) == pytest.approx(-np.mean(np.log(sigmoid(fake))), rel=1e-12)


def test_losses_stay_finite_at_extreme_logits():
    for value in (
        losses.discriminator_minimax_loss(np.array([50.0, -50.0]), np.array([-50.0, 50.0])),
        losses.generator_minimax_loss(np.array([50.0, -50.0])),
        losses.generator_non_saturating_loss(np.array([50.0, -50.0])),
    ):
        assert np.isfinite(np_value(value))
    # softplus(50) = 50 (+ 2e-22): the loss of a confident mistake is its logit, not inf.
    assert np_value(losses.generator_non_saturating_loss(np.array([-50.0]))) == pytest.approx(50.0)
    assert np_value(losses.generator_non_saturating_loss(np.array([-50.0], "float32"))) == pytest.approx(50.0)


@pytest.mark.tensorflow_only
def test_saturating_loss_gradient_vanishes_where_non_saturating_does_not():
    import tensorflow as tf

    logit = tf.Variable([-8.0], dtype=tf.float64)  # D(G(z)) ~ 3e-4: D rejects the fake
    with tf.GradientTape(persistent=True) as tape:
        sat = losses.generator_minimax_loss(logit)
        non_sat = losses.generator_non_saturating_loss(logit)
    g_sat = float(tape.gradient(sat, logit)[0])
    g_non = float(tape.gradient(non_sat, logit)[0])
    assert g_sat == pytest.approx(-sigmoid(-8.0), rel=1e-9)        # d/dl log(1 - s(l)) = -s(l)
    assert g_non == pytest.approx(-(1 - sigmoid(-8.0)), rel=1e-9)  # d/dl -log s(l) = -(1 - s(l))
    assert abs(g_non) > 1000 * abs(g_sat)


def test_wasserstein_losses():
    real, fake = np.array([1.0, 3.0]), np.array([-2.0, 0.5])
    assert np_value(losses.wasserstein_critic_loss(real, fake)) == pytest.approx(-0.75 - 2.0)
    assert np_value(losses.wasserstein_generator_loss(fake)) == pytest.approx(0.75)
    assert np_value(losses.wasserstein_estimate(real, fake)) == pytest.approx(2.75)


def test_interpolates_use_one_weight_per_example():
    real = np.ones((3, 2, 2, 1))
    fake = np.zeros((3, 2, 2, 1))
    x_hat = ops.convert_to_numpy(losses.interpolates(real, fake, np.array([0.0, 0.25, 1.0])))
    assert np.allclose(x_hat[0], 0.0) and np.allclose(x_hat[1], 0.25) and np.allclose(x_hat[2], 1.0)


@pytest.mark.tensorflow_only
def test_gradient_penalty_from_gradients_and_zero_gradient():
    g = np.array([[3.0, 4.0], [0.0, 0.5]])  # norms 5 and 0.5
    assert np_value(losses.gradient_penalty_from_gradients(g)) == pytest.approx(((5 - 1) ** 2 + 0.25) / 2, rel=1e-5)
    import tensorflow as tf

    zero = tf.zeros((2, 3))
    with tf.GradientTape() as tape:
        tape.watch(zero)
        gp = losses.gradient_penalty_from_gradients(zero)
    assert np_value(gp) == pytest.approx(1.0, rel=1e-5)
    assert np.all(np.isfinite(tape.gradient(gp, zero).numpy()))  # no NaN from sqrt at 0


def test_kl_divergence_matches_closed_form():
    mu = np.array([[0.0, 1.0, -2.0], [0.5, 0.0, 0.0]])
    log_var = np.array([[0.0, np.log(2.0), -1.0], [0.0, 0.0, 3.0]])
    expected = 0.5 * np.sum(np.exp(log_var) + mu**2 - 1.0 - log_var, axis=1)
    got = ops.convert_to_numpy(losses.kl_divergence_standard_normal(mu, log_var))
    assert np.allclose(got, expected, rtol=1e-12)
    # By hand, row 0: 1/2 [0 + (2 + 1 - 1 - log 2) + (e^-1 + 4 - 1 + 1)].
    assert got[0] == pytest.approx(0.5 * ((2 - np.log(2)) + (np.exp(-1) + 4)))


def test_kl_divergence_between_gaussians_matches_scipy_and_the_standard_case():
    rng = np.random.default_rng(0)
    mu, log_var = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    m, log_s2 = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    got = ops.convert_to_numpy(losses.kl_divergence_normal(mu, log_var, m, log_s2))
    # float64 reference: the KL of two 1-D Gaussians by numerical integration, summed over dimensions.
    from scipy import integrate, stats

    def kl_1d(a, va, b, vb):
        p, q = stats.norm(a, np.sqrt(va)), stats.norm(b, np.sqrt(vb))
        return integrate.quad(lambda t: p.pdf(t) * (p.logpdf(t) - q.logpdf(t)), -np.inf, np.inf)[0]

    expected = [sum(kl_1d(mu[i, j], np.exp(log_var[i, j]), m[i, j], np.exp(log_s2[i, j])) for j in range(3))
                for i in range(4)]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    zeros = np.zeros_like(mu)
    np.testing.assert_allclose(ops.convert_to_numpy(losses.kl_divergence_normal(mu, log_var, zeros, zeros)),
                               ops.convert_to_numpy(losses.kl_divergence_standard_normal(mu, log_var)), rtol=1e-12)
    assert np.allclose(ops.convert_to_numpy(losses.kl_divergence_normal(m, log_s2, m, log_s2)), 0.0)


def test_calibrated_gaussian_reconstruction_loss_uses_the_batch_optimal_sigma():
    rng = np.random.default_rng(1)
    x, x_hat = rng.uniform(size=(3, 2, 2, 1)), rng.uniform(size=(3, 2, 2, 1))
    got = ops.convert_to_numpy(losses.calibrated_gaussian_reconstruction_loss(x, x_hat))
    sigma2 = np.mean((x - x_hat) ** 2)
    expected = np.sum(((x - x_hat) ** 2 / (2 * sigma2) + 0.5 * np.log(2 * np.pi * sigma2)).reshape(3, -1), axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    # sigma maximises the batch's likelihood: any other shared sigma gives a larger loss.
    for s2 in (0.5 * sigma2, 2 * sigma2):
        other = np.sum((x - x_hat) ** 2 / (2 * s2) + 0.5 * np.log(2 * np.pi * s2))
        assert other > expected.sum()
    # A perfect reconstruction is floored at sigma = exp(-6), not log(0).
    floor = ops.convert_to_numpy(losses.calibrated_gaussian_reconstruction_loss(x, x))
    np.testing.assert_allclose(floor, 4 * (-6.0 + 0.5 * np.log(2 * np.pi)), rtol=1e-10)


def test_reconstruction_losses():
    x = np.array([[1.0, 0.0, 0.5]])
    logits = np.array([[2.0, -1.0, 0.0]])
    p = sigmoid(logits)
    expected = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p))
    assert np_value(losses.bernoulli_reconstruction_loss(x, logits)[0]) == pytest.approx(expected, rel=1e-12)
    assert np_value(losses.gaussian_reconstruction_loss(x, np.zeros_like(x))[0]) == pytest.approx(0.5 * 1.25)
