"""Fréchet distance: exactness against closed forms and a scipy.linalg.sqrtm float64 reference."""

import numpy as np
import pytest
import scipy.linalg

from keras_genzoo.metrics.frechet import (
    FeatureStatistics,
    FrechetDistance,
    frechet_distance_from_features,
    frechet_distance_from_stats,
    trace_sqrt_product,
)


def sqrtm_reference(mu1, c1, mu2, c2):
    covmean = scipy.linalg.sqrtm(c1 @ c2)
    covmean = np.real(covmean)
    d = mu1 - mu2
    return float(d @ d + np.trace(c1) + np.trace(c2) - 2 * np.trace(covmean))


def random_spd(d, rng, condition=10.0):
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return (q * np.linspace(1.0, condition, d)) @ q.T


def test_identical_sets_give_zero():
    x = np.random.default_rng(0).normal(size=(500, 16))
    assert abs(frechet_distance_from_features(x, x)) < 1e-8


def test_two_gaussians_closed_form():
    # Diagonal covariances commute: FD = |m1 - m2|^2 + sum (s1 - s2)^2 with s the standard deviations.
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 2.0, 0.5]), np.array([3.0, 2.0, 1.5])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((s1 - s2) ** 2)
    got = frechet_distance_from_stats(mu1, np.diag(s1**2), mu2, np.diag(s2**2))
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("d", [64, 2048])
def test_agrees_with_scipy_sqrtm(d):
    rng = np.random.default_rng(d)
    c1, c2 = random_spd(d, rng), random_spd(d, rng)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    ours = frechet_distance_from_stats(mu1, c1, mu2, c2)
    ref = sqrtm_reference(mu1, c1, mu2, c2)
    assert ours == pytest.approx(ref, rel=1e-6)


def test_fewer_samples_than_dimensions_is_finite_and_non_negative():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(20, 64)), rng.normal(size=(30, 64)) + 0.5
    value = frechet_distance_from_features(a, b)
    assert np.isfinite(value) and value > 0
    # The singular route equals the symmetric-square-root formula computed independently.
    c1, c2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(c1)
    root = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    ev = np.linalg.eigvalsh(root @ c2 @ root)
    expected = np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(c1) + np.trace(c2) - 2 * np.sum(np.sqrt(np.clip(ev, 0, None)))
    assert value == pytest.approx(expected, rel=1e-7)


def test_trace_sqrt_product_of_commuting_matrices():
    assert trace_sqrt_product(np.diag([4.0, 9.0]), np.diag([1.0, 4.0])) == pytest.approx(2.0 + 6.0)


def test_streaming_equals_one_shot():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(300, 8)), rng.normal(1.0, 2.0, size=(200, 8))
    fd = FrechetDistance()
    for chunk in np.array_split(a, 7):
        fd.update_real(chunk)
    for chunk in np.array_split(b, 3):
        fd.update_fake(chunk)
    assert fd.result() == pytest.approx(frechet_distance_from_features(a, b), rel=1e-10)
    stats = FeatureStatistics().update(a)
    assert np.allclose(stats.covariance(), np.cov(a, rowvar=False), atol=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match=r"features must be \(n, d\)"):
        FeatureStatistics().update(np.zeros(5))
    with pytest.raises(ValueError, match="NaN or Inf"):
        FeatureStatistics().update(np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="dimension 3, expected 2"):
        FeatureStatistics().update(np.zeros((3, 2))).update(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="at least 2 feature vectors"):
        FeatureStatistics().update(np.zeros((1, 2))).covariance()
    with pytest.raises(ValueError, match="statistics do not match"):
        frechet_distance_from_stats(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
