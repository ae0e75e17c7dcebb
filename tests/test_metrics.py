"""Inception Score, KID, precision/recall, mode coverage, extractors and protocol records."""

import json
import shutil

import keras
import numpy as np
import pytest

import keras_genzoo as gz
from keras_genzoo.metrics import classifiers
from tests.conftest import needs_fashion_mnist


# --------------------------------------------------------------------------- Inception Score
def test_inception_score_bounds_and_extremes():
    same = np.tile([0.2, 0.3, 0.5], (100, 1))
    assert gz.metrics.inception_score_from_probabilities(same, splits=5)[0] == pytest.approx(1.0)
    confident = np.eye(4)[np.arange(400) % 4]
    mean, std = gz.metrics.inception_score_from_probabilities(confident, splits=10)
    assert mean == pytest.approx(4.0) and std == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(5):
        p = rng.dirichlet(np.full(10, 0.3), size=200)
        mean, _ = gz.metrics.inception_score_from_probabilities(p, splits=4)
        assert 1.0 <= mean <= 10.0


def test_inception_score_hand_computed():
    p = np.array([[0.9, 0.1], [0.1, 0.9]])
    py = p.mean(axis=0)
    expected = np.exp(np.mean(np.sum(p * np.log(p / py), axis=1)))
    assert gz.metrics.inception_score_from_probabilities(p, splits=1)[0] == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------- KID
def test_kid_near_zero_for_one_distribution_and_positive_for_shifted():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(600, 16)), rng.normal(size=(600, 16))
    mean, std = gz.metrics.kid_from_features(a, b, subsets=20, subset_size=200)
    assert abs(mean) <= 3 * std + 1e-3
    shifted = rng.normal(0.7, 1.0, size=(600, 16))
    mean_s, std_s = gz.metrics.kid_from_features(a, shifted, subsets=20, subset_size=200)
    assert mean_s > 10 * max(std_s, abs(mean))


def test_kid_unbiased_mmd_hand_computed():
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([[1.0, 1.0], [0.0, 0.0]])
    k = lambda a, b: (a @ b.T / 2 + 1) ** 3  # noqa: E731
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    expected = (kxx.sum() - np.trace(kxx)) / 2 + (kyy.sum() - np.trace(kyy)) / 2 - 2 * kxy.mean()
    assert gz.metrics.kid_from_features(x, y, subsets=3, subset_size=2)[0] == pytest.approx(expected)


# --------------------------------------------------------------------------- precision / recall
def test_precision_recall():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(500, 2))
    p, r = gz.metrics.precision_recall_from_features(real, rng.normal(size=(500, 2)))
    assert p > 0.9 and r > 0.9
    # A generator stuck in one corner: precise but with poor recall.
    collapsed = rng.normal(size=(500, 2)) * 0.1 + 1.0
    p, r = gz.metrics.precision_recall_from_features(real, collapsed)
    assert p > 0.9 and r < 0.3


# --------------------------------------------------------------------------- mode coverage
def test_mode_coverage_of_collapsed_predictions():
    p = np.eye(10)[np.full(200, 2)]  # the lecture's generator that only makes 2s
    c = gz.metrics.mode_coverage_from_probabilities(p)
    assert c["classes_covered"] == 1 and c["counts"][2] == 200
    assert c["class_kl"] == pytest.approx(np.log(10))
    uniform = np.eye(10)[np.arange(200) % 10]
    c = gz.metrics.mode_coverage_from_probabilities(uniform)
    assert c["classes_covered"] == 10 and c["class_kl"] == pytest.approx(0.0) and c["mean_confidence"] == 1.0
    with pytest.raises(ValueError, match="rows that sum to 1"):
        gz.metrics.mode_coverage_from_probabilities(np.ones((3, 10)))


# --------------------------------------------------------------------------- shipped evaluators
@needs_fashion_mnist
def test_shipped_fashion_mnist_evaluator_accuracy_and_coverage():
    card = classifiers.card("fashion_mnist")
    assert card["test_accuracy"] >= 0.91 and card["bytes"] < 2 * 1024**2
    test = gz.data.load("fashion_mnist", split="test", batch_size=1000, with_labels=True)
    ex = gz.metrics.get_extractor("fashion_mnist")
    correct = total = 0
    preds = []
    for x, y in test:
        features, p = ex(x.numpy())
        assert features.shape == (len(x), 128)
        correct += int(np.sum(p.argmax(1) == y.numpy()))
        total += len(x)
        preds.append(p)
    accuracy = correct / total
    assert accuracy >= 0.91
    assert accuracy == pytest.approx(card["test_accuracy"], abs=1e-3)
    coverage = gz.metrics.mode_coverage_from_probabilities(np.concatenate(preds))
    assert coverage["classes_covered"] == 10
    # Images of a single class cover one class.
    x, y = next(iter(test))
    trousers = x.numpy()[y.numpy() == 1]
    assert gz.metrics.mode_coverage(trousers, classifier="fashion_mnist").value == 1


def test_shipped_digits_evaluator():
    assert classifiers.card("digits")["test_accuracy"] >= 0.95
    x, y = next(iter(gz.data.load("digits", split="test", batch_size=400, with_labels=True)))
    result = gz.metrics.inception_score(x.numpy(), classifier="digits", splits=2)
    assert 8.0 < result.value <= 10.0
    assert result.protocol["extractor"] == "digits" and result.protocol["n_fake"] == 360


def test_tampered_evaluator_weights_are_refused(tmp_path, monkeypatch):
    for name in ("digits_classifier.weights.h5", "digits_classifier.json"):
        shutil.copy(classifiers.WEIGHTS_DIR / name, tmp_path / name)
    monkeypatch.setattr(classifiers, "WEIGHTS_DIR", tmp_path)
    classifiers.load_classifier("digits")  # intact copy loads
    with open(tmp_path / "digits_classifier.weights.h5", "r+b") as f:
        f.seek(4000)
        f.write(b"\x00\x01\x02\x03")
    with pytest.raises(ValueError, match="corrupt or was changed"):
        classifiers.load_classifier("digits")


# --------------------------------------------------------------------------- FD end to end, protocol
def _digits(split="test"):
    return gz.data.load("digits", split=split, batch_size=2000, shuffle=False)


def test_frechet_distance_records_its_protocol():
    real = next(iter(_digits("train"))).numpy()
    same = gz.metrics.frechet_distance(real, real, extractor="digits", reference_split="digits:train")
    assert float(same) == pytest.approx(0.0, abs=1e-6)
    noise = np.random.default_rng(0).uniform(0, 1, (300, 16, 16, 1)).astype("float32")
    result = gz.metrics.frechet_distance(_digits("test"), noise, extractor="digits")
    assert float(result) > 10 * float(gz.metrics.frechet_distance(_digits("test"), real, extractor="digits"))
    p = result.protocol
    assert p["extractor"] == "digits" and p["input_size"] == [16, 16] and p["resize"] == "none"
    assert p["n_real"] == 360 and p["n_fake"] == 300 and len(p["reference_hash"]) == 16
    json.dumps(result.to_dict())  # serialisable


def test_reference_statistics_round_trip_and_mismatch(tmp_path):
    path = tmp_path / "digits_ref.npz"
    _, protocol = gz.metrics.compute_reference_statistics(_digits("train"), extractor="digits", path=path,
                                                         reference_split="digits:train")
    assert protocol["n_real"] == 1437
    direct = gz.metrics.frechet_distance(_digits("train"), _digits("test"), extractor="digits", n=2000)
    from_file = gz.metrics.frechet_distance(path, _digits("test"), extractor="digits")
    assert float(from_file) == pytest.approx(float(direct), rel=1e-9)
    assert from_file.protocol["reference_split"] == "digits:train"
    other = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Flatten(), keras.layers.Dense(128)], name="other")
    with pytest.raises(ValueError, match="computed with extractor='digits'.*uses extractor='other'"):
        gz.metrics.frechet_distance(path, _digits("test"), extractor=other)


def test_model_sources_and_bad_inputs():
    class Fake:
        def generate(self, n, seed=None, batch_size=None):
            return np.random.default_rng(seed).uniform(0, 1, (n, 16, 16, 1)).astype("float32")

    result = gz.metrics.mode_coverage(Fake(), classifier="digits", n=120)
    assert sum(result.details["counts"]) == 120
    with pytest.raises(ValueError, match="pass n="):
        gz.metrics.inception_score(Fake(), classifier="digits", n=None)
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\], found \[-1, 1\].*\(x \+ 1\) / 2"):
        gz.metrics.inception_score(gz.data.load("digits", batch_size=64, image_range=(-1, 1)), classifier="digits")
    with pytest.raises(ValueError, match=r"takes images of shape \(16, 16, 1\), got \(28, 28, 1\)"):
        gz.metrics.inception_score(np.zeros((4, 28, 28, 1), np.float32), classifier="digits", splits=1)
    with pytest.raises(ValueError, match="Unknown extractor 'vgg'"):
        gz.metrics.get_extractor("vgg")


def test_inception_v3_extractor_offline_with_random_weights():
    ex = gz.metrics.get_extractor("inception_v3", weights=None)
    features, probabilities = ex(np.random.default_rng(0).uniform(0, 1, (2, 28, 28, 1)).astype("float32"))
    assert features.shape == (2, 2048) and probabilities.shape == (2, 1000)
    assert ex.protocol()["input_size"] == [299, 299] and ex.protocol()["resize"] == "bilinear"
    assert ex.protocol()["weights"].startswith("Keras-InceptionV3")
