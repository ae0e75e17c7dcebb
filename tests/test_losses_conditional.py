"""AC-GAN objectives (Odena et al., 2017) against float64 references computed by hand."""

import numpy as np
import pytest
from keras import ops

from keras_genzoo import losses

LOGITS = np.array([[2.0, -1.0, 0.5], [0.0, 0.0, 0.0], [-3.0, 4.0, 1.0], [10.0, -10.0, 0.0]])
LABELS = np.array([0, 2, 1, 1])
SOURCE_REAL = np.array([[1.5], [-0.5], [0.0], [3.0]])
SOURCE_FAKE = np.array([[-2.0], [0.25], [1.0], [-4.0]])


def value(x):
    return float(ops.convert_to_numpy(x))


def ref_ce(labels, logits):
    logits = np.asarray(logits, np.float64)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -np.mean(log_p[np.arange(len(labels)), labels])


def log_sigmoid(x):
    return -np.logaddexp(0.0, -np.asarray(x, np.float64))


def test_class_loss_is_the_mean_cross_entropy():
    assert value(losses.class_loss(LABELS, LOGITS)) == pytest.approx(ref_ce(LABELS, LOGITS), rel=1e-6)
    # By hand: uniform logits over 3 classes -> log 3 whatever the label.
    assert value(losses.class_loss(np.array([2]), np.zeros((1, 3)))) == pytest.approx(np.log(3.0), rel=1e-6)
    # Labels of shape (B, 1) are the same labels.
    assert value(losses.class_loss(LABELS[:, None], LOGITS)) == pytest.approx(ref_ce(LABELS, LOGITS), rel=1e-6)


def test_input_only_class_loss_has_the_value_of_the_class_loss():
    # Its value is the cross-entropy of the attached logits (the detached ones only cancel the
    # classifier's gradient; tests/test_conditional.py checks that the classifier is not moved).
    other = LOGITS[::-1].copy()
    assert value(losses.input_only_class_loss(LABELS, LOGITS, other)) == pytest.approx(ref_ce(LABELS, LOGITS), rel=1e-6)
    assert value(losses.input_only_class_loss(LABELS, LOGITS, LOGITS)) == pytest.approx(ref_ce(LABELS, LOGITS), rel=1e-6)


def test_class_accuracy_counts_argmax_hits():
    # argmax per row: 0, 0 (tie -> first), 1, 0; labels 0, 2, 1, 1 -> hits on rows 0 and 2
    assert value(losses.class_accuracy(LABELS, LOGITS)) == pytest.approx(0.5)


@pytest.mark.parametrize("weight", [1.0, 0.25, 0.0])
def test_discriminator_loss_is_minus_ls_plus_weighted_lc(weight):
    fake_labels = np.array([1, 1, 0, 2])
    fake_logits = LOGITS[::-1].copy()
    l_s = np.mean(log_sigmoid(SOURCE_REAL)) + np.mean(log_sigmoid(-SOURCE_FAKE))
    l_c = -ref_ce(LABELS, LOGITS) - ref_ce(fake_labels, fake_logits)
    got = losses.acgan_discriminator_loss(
        SOURCE_REAL, SOURCE_FAKE, LOGITS, fake_logits, LABELS, fake_labels, class_loss_weight=weight
    )
    assert value(got) == pytest.approx(-(l_s + weight * l_c), rel=1e-6)


def test_discriminator_loss_with_real_images_only_in_the_class_term():
    fake_logits = LOGITS[::-1].copy()
    l_s = np.mean(log_sigmoid(SOURCE_REAL)) + np.mean(log_sigmoid(-SOURCE_FAKE))
    got = losses.acgan_discriminator_loss(SOURCE_REAL, SOURCE_FAKE, LOGITS, fake_logits, LABELS, LABELS,
                                          class_loss_weight=0.5, fake_class_loss=False)
    assert value(got) == pytest.approx(-l_s + 0.5 * ref_ce(LABELS, LOGITS), rel=1e-6)


@pytest.mark.parametrize("weight", [1.0, 2.0])
def test_generator_loss_maximises_lc_minus_ls(weight):
    ce = ref_ce(LABELS, LOGITS)
    non_saturating = -np.mean(log_sigmoid(SOURCE_FAKE)) + weight * ce
    got = losses.acgan_generator_loss(SOURCE_FAKE, LOGITS, LABELS, class_loss_weight=weight)
    assert value(got) == pytest.approx(non_saturating, rel=1e-6)
    # The literal objective: minimise L_S - L_C; of L_S only E[log(1 - D(G(z)))] depends on G.
    literal = np.mean(log_sigmoid(-SOURCE_FAKE)) + weight * ce
    got = losses.acgan_generator_loss(SOURCE_FAKE, LOGITS, LABELS, class_loss_weight=weight, source_loss="minimax")
    assert value(got) == pytest.approx(literal, rel=1e-6)


def test_generator_loss_rejects_unknown_source_loss():
    with pytest.raises(ValueError, match="source_loss must be one of"):
        losses.acgan_generator_loss(SOURCE_FAKE, LOGITS, LABELS, source_loss="hinge")


def test_confident_correct_classes_cost_almost_nothing():
    logits = np.array([[50.0, -50.0], [-50.0, 50.0]])
    assert value(losses.class_loss(np.array([0, 1]), logits)) == pytest.approx(0.0, abs=1e-6)
    assert np.isfinite(value(losses.class_loss(np.array([1, 0]), logits)))  # confidently wrong: large but finite
