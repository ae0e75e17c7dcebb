"""Property-based tests (hypothesis) for the data layer and the metrics' arithmetic.

Each property holds for every input the strategies can draw, not only for hand-picked
cases. Examples are few (`max_examples` 15-25) and derandomized, so the file stays fast and
a CI run is reproducible.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import keras_genzoo as gz

FAST = settings(max_examples=20, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def collect(ds):
    """All batches of a dataset as numpy, and the batch sizes."""
    batches = [tuple(t.numpy() for t in b) if isinstance(b, tuple) else (b.numpy(),) for b in ds]
    sizes = [len(b[0]) for b in batches]
    if not batches:  # e.g. fewer examples than one batch, with drop_remainder
        return None, sizes
    return [np.concatenate(parts) for parts in zip(*batches)], sizes


image_shapes = st.tuples(
    st.integers(1, 17),  # N
    st.integers(1, 5),  # H
    st.integers(1, 5),  # W
    st.sampled_from([1, 3]),  # C
)


# --------------------------------------------------------------------------- data layer
@FAST
@given(
    x=image_shapes.flatmap(
        lambda shape: hnp.arrays(
            st.sampled_from([np.float32, np.float64]), shape,
            elements=st.floats(0.0, 1.0, width=32, allow_nan=False, allow_infinity=False),
        )
    ),
    batch_size=st.integers(1, 8),
    drop_remainder=st.booleans(),
)
def test_from_array_float_images_round_trip(x, batch_size, drop_remainder):
    """Floats in [0, 1] come back unchanged (float32), in order, in the right batch sizes."""
    arrays, sizes = collect(gz.data.from_array(x, batch_size=batch_size, shuffle=False, drop_remainder=drop_remainder))
    n = len(x)
    full, rest = divmod(n, batch_size)
    expected_sizes = [batch_size] * full + ([] if drop_remainder or rest == 0 else [rest])
    assert sizes == expected_sizes
    kept = sum(expected_sizes)
    if kept:
        (out,) = arrays
        assert out.dtype == np.float32 and out.shape == (kept,) + x.shape[1:]
        assert np.array_equal(out, x[:kept].astype(np.float32))


@FAST
@given(
    x=image_shapes.flatmap(lambda shape: hnp.arrays(np.uint8, shape)),
    image_range=st.sampled_from([(0, 1), (-1, 1)]),
)
def test_from_array_uint8_scaling_is_exact_and_in_range(x, image_range):
    """uint8 pixels map affinely into `image_range`, stay inside it, and invert exactly."""
    (out,), _ = collect(gz.data.from_array(x, batch_size=32, shuffle=False, image_range=image_range))
    low, high = image_range
    assert out.min() >= low and out.max() <= high
    back = np.round((out.astype(np.float64) - low) / (high - low) * 255.0)
    assert np.array_equal(back.astype(np.uint8), x)


@FAST
@given(
    low=st.floats(-100.0, 100.0),
    width=st.floats(1e-3, 100.0),
    fractions=hnp.arrays(np.float64, st.tuples(st.integers(1, 12), st.just(2), st.just(2), st.just(1)),
                         elements=st.floats(0.0, 1.0)),
)
def test_from_array_input_range_maps_onto_unit_interval(low, width, fractions):
    """Floats in a stated `input_range` land in [0, 1] at `(x - low) / (high - low)`."""
    high = low + width
    x = np.clip(low + fractions * width, low, high)
    (out,), _ = collect(gz.data.from_array(x, batch_size=64, shuffle=False, input_range=(low, high)))
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert np.allclose(out, (x - low) / (high - low), atol=1e-6)


@FAST
@given(n=st.integers(1, 40), batch_size=st.integers(1, 16), seed=st.integers(0, 2**31 - 1))
def test_from_array_seeded_order_is_deterministic_and_keeps_labels_aligned(n, batch_size, seed):
    """Same seed, same order; the order is a permutation; each label travels with its image."""
    x = np.arange(n, dtype=np.uint8).reshape(n, 1, 1, 1)
    y = np.arange(n) % 7
    (xa, ya), _ = collect(gz.data.from_array(x, y, batch_size=batch_size, seed=seed, num_classes=7))
    (xb, yb), _ = collect(gz.data.from_array(x, y, batch_size=batch_size, seed=seed, num_classes=7))
    assert np.array_equal(xa, xb) and np.array_equal(ya, yb)
    index = np.round(xa.ravel() * 255.0).astype(int)
    assert sorted(index.tolist()) == list(range(n))
    assert np.array_equal(ya, y[index])


@FAST
@given(
    x=hnp.arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 6)),
                 elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)),
    batch_size=st.integers(1, 8),
)
def test_from_array_vectors_pass_through_in_data_units(x, batch_size):
    (out,), sizes = collect(gz.data.from_array(x, batch_size=batch_size, shuffle=False))
    assert sizes == [min(batch_size, len(x) - i) for i in range(0, len(x), batch_size)]
    assert np.array_equal(out, x.astype(np.float32))


@settings(max_examples=8, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 1437),
    batch_size=st.integers(1, 700),
    drop_remainder=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_load_batches_range_and_seeded_order(n, batch_size, drop_remainder, seed):
    """A named dataset (the offline digits): right batch count and sizes, images in [0, 1],
    the same shuffled order for the same seed, and the same examples as unshuffled."""
    def labels_and_images(shuffle):
        ds = gz.data.load("digits", split=f"train[:{n}]", batch_size=batch_size, with_labels=True, shuffle=shuffle,
                          seed=seed, drop_remainder=drop_remainder)
        arrays, sizes = collect(ds)
        return (*(arrays or (None, None)), sizes)

    x, y, sizes = labels_and_images(True)
    full, rest = divmod(n, batch_size)
    assert sizes == [batch_size] * full + ([] if drop_remainder or rest == 0 else [rest])
    if not sizes:
        return
    assert x.dtype == np.float32 and x.shape[1:] == (16, 16, 1) and x.min() >= 0.0 and x.max() <= 1.0
    x2, y2, _ = labels_and_images(True)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    if not drop_remainder:  # all n examples, in another order
        x0, y0, _ = labels_and_images(False)
        assert sorted(y.tolist()) == sorted(y0.tolist())
        assert np.isclose(x.sum(dtype=np.float64), x0.sum(dtype=np.float64), rtol=1e-9)


# --------------------------------------------------------------------------- Fréchet distance
feature_sets = st.tuples(
    st.integers(0, 2**32 - 1),  # seed
    st.integers(2, 40),  # n (also below d: singular covariances)
    st.integers(1, 8),  # d
    st.floats(1e-2, 1e2),  # scale
)


def _features(seed, n, d, scale, offset=0.0):
    return np.random.default_rng(seed).normal(offset, scale, size=(n, d))


@FAST
@given(a=feature_sets, b=feature_sets)
def test_frechet_distance_is_symmetric_and_non_negative(a, b):
    fa = _features(*a)
    fb = _features(b[0], b[1], a[2], b[3])  # same d
    ab = gz.metrics.frechet_distance_from_features(fa, fb)
    ba = gz.metrics.frechet_distance_from_features(fb, fa)
    assert ab >= 0.0 and ba >= 0.0
    scale = 1.0 + np.trace(np.cov(fa, rowvar=False, ddof=1).reshape(a[2], a[2])) + np.trace(
        np.cov(fb, rowvar=False, ddof=1).reshape(a[2], a[2]))
    assert ab == pytest.approx(ba, rel=1e-6, abs=1e-7 * scale)


@FAST
@given(a=feature_sets, shift=st.floats(-50.0, 50.0))
def test_frechet_distance_of_a_set_with_itself_and_with_its_translate(a, shift):
    """0 against itself; exactly ||c||^2 against itself moved by c (same covariance)."""
    f = _features(*a)
    trace = float(np.trace(np.atleast_2d(np.cov(f, rowvar=False, ddof=1))))
    assert gz.metrics.frechet_distance_from_features(f, f) == pytest.approx(0.0, abs=1e-7 * (1.0 + trace))
    c = np.full(f.shape[1], shift)
    moved = gz.metrics.frechet_distance_from_features(f, f + c)
    assert moved == pytest.approx(float(c @ c), rel=1e-6, abs=1e-6 * (1.0 + trace))


# --------------------------------------------------------------------------- Inception Score
probability_rows = st.tuples(st.integers(1, 60), st.integers(1, 12)).flatmap(
    lambda nk: hnp.arrays(np.float64, nk, elements=st.floats(0.0, 1.0))
).map(lambda p: np.where(p.sum(axis=1, keepdims=True) > 0, p, 1.0))  # an all-zero row becomes uniform


@FAST
@given(p=probability_rows, data=st.data())
def test_inception_score_lies_between_1_and_the_number_of_classes(p, data):
    p = p / p.sum(axis=1, keepdims=True)  # any non-negative rows, normalised (zeros allowed)
    splits = data.draw(st.integers(1, len(p)))
    mean, std = gz.metrics.inception_score_from_probabilities(p, splits=splits)
    k = p.shape[1]
    assert 1.0 - 1e-9 <= mean <= k * (1.0 + 1e-9)
    assert std >= 0.0
    same = np.tile(p[:1], (len(p), 1))  # every prediction the same distribution: no information
    assert gz.metrics.inception_score_from_probabilities(same, splits=splits)[0] == pytest.approx(1.0)


# --------------------------------------------------------------------------- KID, precision/recall, coverage
@FAST
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(2, 30), d=st.integers(1, 6))
def test_kid_with_whole_sets_is_symmetric_and_order_free(seed, m, d):
    """With subsets as large as both sets, each subset is a reordering of the whole set, and
    the unbiased MMD^2 does not depend on the order nor on which side is called real."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(m, d)), rng.normal(0.5, 1.5, size=(m, d))
    ab = gz.metrics.kid_from_features(a, b, subsets=3, subset_size=m, seed=seed % 1000)
    ba = gz.metrics.kid_from_features(b, a, subsets=2, subset_size=m, seed=seed % 997)
    assert ab[0] == pytest.approx(ba[0], rel=1e-9, abs=1e-9) and ab[1] == pytest.approx(0.0, abs=1e-9)
    # The float64 closed form of the unbiased estimate.
    k = lambda x, y: (x @ y.T / d + 1.0) ** 3  # noqa: E731
    kxx, kyy, kxy = k(a, a), k(b, b), k(a, b)
    ref = ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2.0 * kxy.mean()
    assert ab[0] == pytest.approx(ref, rel=1e-9, abs=1e-9)


@FAST
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(5, 40), d=st.integers(1, 5), k=st.integers(1, 4))
def test_precision_recall_are_shares_and_a_set_covers_itself(seed, n, d, k):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(n, d)), rng.normal(1.0, 2.0, size=(n, d))
    p, r = gz.metrics.precision_recall_from_features(a, b, k=k)
    assert 0.0 <= p <= 1.0 and 0.0 <= r <= 1.0
    assert gz.metrics.precision_recall_from_features(a, a, k=k) == (1.0, 1.0)


@FAST
@given(p=probability_rows)
def test_mode_coverage_counts_and_kl_bounds(p):
    p = p / p.sum(axis=1, keepdims=True)
    c = gz.metrics.mode_coverage_from_probabilities(p)
    k = p.shape[1]
    assert sum(c["counts"]) == len(p) and 1 <= c["classes_covered"] <= k
    # KL(share || uniform) = log K - H(share), between 0 and log K.
    assert -1e-12 <= c["class_kl"] <= math.log(k) + 1e-12
    assert 1.0 / k - 1e-12 <= c["mean_confidence"] <= 1.0 + 1e-12
