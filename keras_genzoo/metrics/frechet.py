"""The Fréchet distance between two Gaussians fitted to feature sets (FID when the features
come from Inception), in float64.

    FD = ||m_r - m_g||^2 + Tr(C_r + C_g - 2 (C_r C_g)^(1/2))

`Tr((C_r C_g)^(1/2))` is the sum of the square roots of the eigenvalues of `C_r C_g`. Those
are the eigenvalues of the symmetric positive semi-definite matrix `L^T C_g L` where
`C_r = L L^T` (Cholesky), so one Cholesky factorisation and one symmetric eigenvalue
computation (values only) give the trace: real, non-negative, and faster than
`scipy.linalg.sqrtm` (see docs/benchmarks.md, "Metrics"). When `C_r` is singular (fewer
samples than dimensions) the Cholesky factor does not exist; the symmetric square root from
an eigendecomposition, `C_r^(1/2) C_g C_r^(1/2)`, takes its place. Tiny negative
eigenvalues from round-off are clipped to 0, so the result is always finite and non-negative.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg


def trace_sqrt_product(c_r, c_g):
    """`Tr((C_r C_g)^(1/2))` for symmetric positive semi-definite `C_r`, `C_g` (float64)."""
    c_r = np.asarray(c_r, np.float64)
    c_g = np.asarray(c_g, np.float64)
    try:
        lower = scipy.linalg.cholesky(c_r, lower=True, check_finite=False)
        m = lower.T @ c_g @ lower
    except np.linalg.LinAlgError:
        w, v = scipy.linalg.eigh(c_r, check_finite=False)
        root = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
        m = root @ c_g @ root
    m = 0.5 * (m + m.T)
    eigenvalues = scipy.linalg.eigvalsh(m, check_finite=False)
    return float(np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None))))


def frechet_distance_from_stats(mu_r, c_r, mu_g, c_g):
    """The Fréchet distance between N(mu_r, C_r) and N(mu_g, C_g).

    Example:

        >>> # The means differ by (1, 1): ||m_r - m_g||^2 = 2; the covariances agree.
        >>> gz.metrics.frechet_distance_from_stats(np.zeros(2), np.eye(2), np.ones(2), np.eye(2))
        2.0
        >>> # Same means; Tr(I + 4 I - 2 (4 I)^(1/2)) = 2 + 8 - 8.
        >>> gz.metrics.frechet_distance_from_stats(np.zeros(2), np.eye(2), np.zeros(2), 4 * np.eye(2))
        2.0
    """
    mu_r, mu_g = np.asarray(mu_r, np.float64), np.asarray(mu_g, np.float64)
    c_r, c_g = np.asarray(c_r, np.float64), np.asarray(c_g, np.float64)
    if mu_r.shape != mu_g.shape or c_r.shape != c_g.shape or c_r.shape != mu_r.shape * 2:
        raise ValueError(
            f"statistics do not match: means {mu_r.shape} and {mu_g.shape}, covariances {c_r.shape} and {c_g.shape}."
        )
    for name, a in (("mu_r", mu_r), ("C_r", c_r), ("mu_g", mu_g), ("C_g", c_g)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or Inf; expected finite statistics.")
    diff = mu_r - mu_g
    value = float(diff @ diff + np.trace(c_r) + np.trace(c_g) - 2.0 * trace_sqrt_product(c_r, c_g))
    return max(value, 0.0)


class FeatureStatistics:
    """Streaming float64 mean and covariance of `(n, d)` feature batches.

    Keeps the count, the sum and the sum of outer products, so batches can be added one at
    a time and memory stays `O(d^2)` whatever the number of samples.

    Example:

        >>> rng = np.random.default_rng(0)
        >>> stats = gz.metrics.FeatureStatistics()
        >>> for _ in range(3):
        ...     _ = stats.update(rng.normal(size=(100, 4)))  # update() returns the statistics
        >>> stats.count, stats.dim
        (300, 4)
        >>> stats.mean().shape, stats.covariance().shape
        ((4,), (4, 4))
    """

    def __init__(self, dim=None):
        self.count = 0
        self.dim = dim
        self._sum = None
        self._outer = None

    def update(self, features):
        f = np.asarray(features, np.float64)
        if f.ndim != 2:
            raise ValueError(f"features must be (n, d), got shape {f.shape}.")
        if not np.all(np.isfinite(f)):
            raise ValueError("features contain NaN or Inf; expected finite numbers.")
        if self.dim is None:
            self.dim = f.shape[1]
        if f.shape[1] != self.dim:
            raise ValueError(f"features have dimension {f.shape[1]}, expected {self.dim}.")
        if self._sum is None:
            self._sum = np.zeros(self.dim)
            self._outer = np.zeros((self.dim, self.dim))
        self.count += f.shape[0]
        self._sum += f.sum(axis=0)
        self._outer += f.T @ f
        return self

    def mean(self):
        self._require(1)
        return self._sum / self.count

    def covariance(self):
        """Unbiased (n - 1) sample covariance."""
        self._require(2)
        mu = self.mean()
        cov = (self._outer - self.count * np.outer(mu, mu)) / (self.count - 1)
        return 0.5 * (cov + cov.T)

    def _require(self, n):
        if self.count < n:
            raise ValueError(f"need at least {n} feature vectors (n, d), have {self.count}.")

    def state(self):
        return {"count": self.count, "sum": self._sum, "outer": self._outer}

    @classmethod
    def from_state(cls, count, sum, outer):  # noqa: A002 - mirrors state()
        stats = cls(dim=len(sum))
        stats.count, stats._sum, stats._outer = int(count), np.asarray(sum, np.float64), np.asarray(outer, np.float64)
        return stats


class FrechetDistance:
    """Streaming Fréchet distance: feed real and generated feature batches, then `result()`.

    Example:

        >>> rng = np.random.default_rng(0)
        >>> fd = gz.metrics.FrechetDistance()
        >>> for _ in range(4):  # e.g. the features of one batch of images at a time
        ...     _ = fd.update_real(rng.normal(size=(250, 8)))
        ...     _ = fd.update_fake(rng.normal(loc=1.0, size=(250, 8)))
        >>> round(fd.result())  # close to ||m_r - m_g||^2 = 8
        8
    """

    def __init__(self):
        self.real = FeatureStatistics()
        self.fake = FeatureStatistics()

    def update_real(self, features):
        self.real.update(features)
        return self

    def update_fake(self, features):
        self.fake.update(features)
        return self

    def result(self):
        return frechet_distance_from_stats(self.real.mean(), self.real.covariance(), self.fake.mean(), self.fake.covariance())


def frechet_distance_from_features(f_real, f_fake):
    """Fréchet distance between two `(n, d)` feature arrays (float64 arithmetic).

    Example:

        >>> f_real = np.random.default_rng(0).normal(size=(500, 4))
        >>> round(gz.metrics.frechet_distance_from_features(f_real, f_real), 6)
        0.0
        >>> round(gz.metrics.frechet_distance_from_features(f_real, f_real + 2.0), 6)  # shift 2 in 4 dims
        16.0
    """
    shapes = (np.shape(f_real), np.shape(f_fake))
    if any(len(s) != 2 for s in shapes) or shapes[0][1] != shapes[1][1]:
        raise ValueError(f"features must be (n, d) arrays with the same d, got {shapes[0]} and {shapes[1]}.")
    return FrechetDistance().update_real(f_real).update_fake(f_fake).result()
