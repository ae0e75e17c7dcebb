"""Conditional accuracy and intra-class FD on planted data: real digits with their true,
shuffled or shifted labels, and fake conditional models that return real images."""

import numpy as np
import pytest

import keras_genzoo as gz
from keras_genzoo.metrics import classifiers
from tests.conftest import needs_fashion_mnist


def _digits(split):
    x, y = next(iter(gz.data.load("digits", split=split, batch_size=5000, with_labels=True, image_range=(0, 1),
                                  shuffle=False)))
    return x.numpy(), y.numpy()


class Bank:
    """A 'conditional model' that draws real images of class `(label + shift) % 10` from a bank."""

    num_classes = 10
    is_conditional = True

    def __init__(self, x, y, shift=0):
        self.x, self.y, self.shift = x, y, shift
        self.calls = []

    def generate(self, n, labels=None, seed=None, batch_size=None):
        labels = gz.models.labels.resolve_labels(n, labels, self.num_classes)
        self.calls.append((n, seed))
        rng = np.random.default_rng(seed)
        out = [self.x[rng.choice(np.flatnonzero(self.y == (c + self.shift) % 10))] for c in labels]
        return np.stack(out).astype("float32")


@pytest.fixture(scope="module")
def digits():
    return _digits("train"), _digits("test")


def test_accuracy_from_probabilities_by_hand():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1]])
    d = gz.metrics.conditional_accuracy_from_probabilities(p, [0, 1, 1, 1])
    assert d["accuracy"] == 0.5
    assert d["per_class_accuracy"][:2] == [1.0, 1 / 3] and np.isnan(d["per_class_accuracy"][2])
    assert d["confusion"] == [[1, 0, 0], [1, 1, 1], [0, 0, 0]]
    assert d["mean_label_probability"] == pytest.approx((0.7 + 0.8 + 0.3 + 0.4) / 4)
    with pytest.raises(ValueError, match=r"labels must be integer class indices in \[0, 3\)"):
        gz.metrics.conditional_accuracy_from_probabilities(p, [0, 1, 3, 1])


def test_true_labels_score_the_evaluator_accuracy_and_shuffled_ones_chance(digits):
    _, (x, y) = digits
    result = gz.metrics.conditional_accuracy(x, y, classifier="digits")
    assert result.value == pytest.approx(classifiers.card("digits")["test_accuracy"], abs=1e-3)
    assert result.protocol["metric"] == "conditional_accuracy" and result.protocol["n_fake"] == len(x)
    assert result.protocol["extractor"] == "digits" and result.protocol["labels"] == "given"
    shuffled = np.random.default_rng(0).permutation(y)
    assert gz.metrics.conditional_accuracy(x, shuffled, classifier="digits").value == pytest.approx(0.1, abs=0.05)
    # The same through a dataset of (images, labels) pairs.
    ds = gz.data.from_array(x, y=y, batch_size=100, shuffle=False, image_range=(0, 1))
    assert gz.metrics.conditional_accuracy(ds, classifier="digits").value == pytest.approx(result.value)


def test_model_source_cycles_labels_and_seeds_batches(digits):
    (x, y), _ = digits
    good = Bank(x, y)
    result = gz.metrics.conditional_accuracy(good, classifier="digits", n=300, batch_size=100, seed=7)
    assert result.value > 0.95 and result.details["requested"] == [30] * 10
    assert good.calls == [(100, 7), (100, 8), (100, 9)]
    assert result.protocol["labels"] == "cycling" and result.protocol["seed"] == 7
    wrong = gz.metrics.conditional_accuracy(Bank(x, y, shift=1), classifier="digits", n=300)
    assert wrong.value < 0.1
    only_threes = gz.metrics.conditional_accuracy(good, labels=[3] * 40, classifier="digits")
    assert only_threes.details["requested"][3] == 40 and only_threes.protocol["n_fake"] == 40


def test_intra_class_fd_sees_wrong_labels_that_pooled_fd_misses(digits):
    (x, y), (xt, yt) = digits
    good = gz.metrics.intra_class_frechet_distance(xt, yt, Bank(x, y), extractor="digits", seed=0)
    shifted = gz.metrics.intra_class_frechet_distance(xt, yt, Bank(x, y, shift=1), extractor="digits", seed=0)
    assert good.details["n_fake"] == good.details["n_real"]  # one sample per real image of each class
    assert shifted.value > 3 * good.value
    # Pooled over classes the two generators are the same distribution.
    pooled_good = gz.metrics.frechet_distance(xt, Bank(x, y), extractor="digits", n=360)
    pooled_shifted = gz.metrics.frechet_distance(xt, Bank(x, y, shift=1), extractor="digits", n=360)
    assert pooled_shifted.value < 2 * pooled_good.value
    assert good.protocol["metric"] == "intra_class_frechet_distance" and good.protocol["num_classes"] == 10


def test_intra_class_fd_is_the_mean_of_per_class_fds(digits):
    _, (xt, yt) = digits
    ex = gz.metrics.get_extractor("digits")
    features = ex(xt)[0]
    half = np.arange(len(xt)) % 2 == 0
    result = gz.metrics.intra_class_frechet_distance(xt[half], yt[half], xt[~half], yt[~half], extractor="digits")
    expected = {
        c: gz.metrics.frechet_distance_from_features(features[half & (yt == c)], features[~half & (yt == c)])
        for c in range(10)
    }
    for c in range(10):
        assert result.details["per_class"][c] == pytest.approx(expected[c], rel=1e-6)
    assert result.value == pytest.approx(np.mean(list(expected.values())), rel=1e-6)
    same = gz.metrics.intra_class_frechet_distance(xt, yt, xt, yt, extractor="digits")
    assert same.value == pytest.approx(0.0, abs=1e-6)


def test_conditional_metric_errors(digits):
    _, (xt, yt) = digits
    with pytest.raises(ValueError, match="need their labels"):
        gz.metrics.conditional_accuracy(xt, classifier="digits")
    with pytest.raises(ValueError, match="labels must hold one label per sample: expected 360, got 3"):
        gz.metrics.conditional_accuracy(xt, [0, 1, 2], classifier="digits")

    class Unconditional:
        def generate(self, n, seed=None, batch_size=None):
            return xt[:n]

    with pytest.raises(ValueError, match="not a conditional model"):
        gz.metrics.conditional_accuracy(Unconditional(), classifier="digits", n=10)
    no_fives = yt != 5
    with pytest.raises(ValueError, match=f"class 5 has {np.sum(yt == 5)} real and 0 generated samples"):
        gz.metrics.intra_class_frechet_distance(xt, yt, xt[no_fives], yt[no_fives], extractor="digits")
    unlabelled = gz.data.from_array(xt, batch_size=100, image_range=(0, 1))
    with pytest.raises(ValueError, match="with_labels=True"):
        gz.metrics.conditional_accuracy(unlabelled, classifier="digits")


@needs_fashion_mnist
def test_fashion_mnist_true_and_shuffled_labels():
    x, y = next(iter(gz.data.load("fashion_mnist", split="test", batch_size=2000, with_labels=True,
                                  image_range=(0, 1), shuffle=False)))
    x, y = x.numpy(), y.numpy()
    accuracy = gz.metrics.conditional_accuracy(x, y).value
    assert accuracy == pytest.approx(classifiers.card("fashion_mnist")["test_accuracy"], abs=0.03)
    assert gz.metrics.conditional_accuracy(x, np.random.default_rng(1).permutation(y)).value == pytest.approx(0.1, abs=0.03)
