"""Metric results that say how they were measured, and saved reference statistics."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np

from keras_genzoo.utils import atomic_write

#: Protocol fields that must agree between saved reference statistics and a new measurement.
MATCHING_FIELDS = ("extractor", "weights", "input_size", "resize", "feature_dim")


@dataclasses.dataclass(frozen=True)
class MetricResult:
    """A metric's value with its protocol record.

    `float(result)` gives the number; `result.protocol` says how it was measured: metric,
    extractor and its weights, input size and resize method, n_real, n_fake, reference split,
    seed, and a hash of the reference statistics. `details` holds extra values (per-class
    counts, precision and recall, ...).

    Example:

        >>> centers = gz.data.ring_centers()
        >>> samples = gz.data.sample_mixture(800, centers, std=0.02, seed=0)
        >>> result = gz.metrics.mixture_mode_coverage(samples, centers, std=0.02)
        >>> isinstance(result, gz.metrics.MetricResult)
        True
        >>> float(result)
        8.0
        >>> print(result)
        modes covered (of 8) = 8 (none (data space))
        >>> result.protocol["n_fake"], result.details["num_modes"]
        (800, 8)
        >>> sorted(result.to_dict())  # JSON-ready
        ['details', 'metric', 'protocol', 'std', 'value']
    """

    metric: str
    value: float
    std: float | None = None
    protocol: dict = dataclasses.field(default_factory=dict)
    details: dict = dataclasses.field(default_factory=dict)

    def __float__(self):
        return float(self.value)

    def to_dict(self):
        return {
            "metric": self.metric,
            "value": float(self.value),
            "std": None if self.std is None else float(self.std),
            "protocol": dict(self.protocol),
            "details": _jsonable(self.details),
        }

    def __str__(self):
        spread = "" if self.std is None else f" ± {self.std:.4g}"
        return f"{self.metric} = {self.value:.4g}{spread} ({self.protocol.get('extractor', '?')})"


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def statistics_hash(mean, covariance):
    """First 16 hex digits of the SHA-256 of the float64 mean and covariance."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(mean, np.float64).tobytes())
    digest.update(np.ascontiguousarray(covariance, np.float64).tobytes())
    return digest.hexdigest()[:16]


def save_reference(path, stats, protocol):
    """Saves streaming feature statistics with their protocol to an `.npz` (atomically).

    Returns the protocol as saved: `protocol` with `reference_hash` and `n_real` added.

    Example:

        >>> import pathlib, shutil, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> stats = gz.metrics.FeatureStatistics().update(np.random.default_rng(0).normal(size=(50, 3)))
        >>> saved = gz.metrics.save_reference(folder / "reference.npz", stats,
        ...                                   {"extractor": "my_features", "feature_dim": 3})
        >>> saved["n_real"], len(saved["reference_hash"])
        (50, 16)
        >>> shutil.rmtree(folder)
    """
    path = Path(path)
    state = stats.state()
    protocol = dict(protocol, reference_hash=statistics_hash(stats.mean(), stats.covariance()), n_real=stats.count)
    with atomic_write(path) as f:
        np.savez(f, count=state["count"], sum=state["sum"], outer=state["outer"], protocol=json.dumps(protocol))
    return protocol


def load_reference(path, expected_protocol=None):
    """Loads statistics saved by `save_reference`; checks them against `expected_protocol`.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not reference statistics, its hash does not match its
            content, or a field in `MATCHING_FIELDS` differs from `expected_protocol`.

    Example:

        >>> import pathlib, shutil, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "reference.npz"
        >>> stats = gz.metrics.FeatureStatistics().update(np.random.default_rng(0).normal(size=(50, 3)))
        >>> _ = gz.metrics.save_reference(path, stats, {"extractor": "my_features", "feature_dim": 3})
        >>> loaded, protocol = gz.metrics.load_reference(path, expected_protocol={"feature_dim": 3})
        >>> loaded.count, bool(np.allclose(loaded.covariance(), stats.covariance()))
        (50, True)
        >>> gz.metrics.load_reference(path, expected_protocol={"feature_dim": 128})
        Traceback (most recent call last):
        ...
        ValueError: Reference statistics in ... were computed with feature_dim=3, but this ... feature_dim=128: ...
        >>> shutil.rmtree(path.parent)
    """
    from keras_genzoo.metrics.frechet import FeatureStatistics

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Reference statistics not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            stats = FeatureStatistics.from_state(data["count"], data["sum"], data["outer"])
            protocol = json.loads(str(data["protocol"]))
    except (KeyError, ValueError, OSError) as e:
        raise ValueError(f"{path} does not hold reference statistics saved by keras_genzoo: {e}") from e
    actual = statistics_hash(stats.mean(), stats.covariance())
    if protocol.get("reference_hash") != actual:
        raise ValueError(f"{path}: statistics hash {actual} differs from the recorded {protocol.get('reference_hash')}.")
    if expected_protocol is not None:
        for field in MATCHING_FIELDS:
            if field in expected_protocol and protocol.get(field) != expected_protocol[field]:
                raise ValueError(
                    f"Reference statistics in {path} were computed with {field}={protocol.get(field)!r}, "
                    f"but this measurement uses {field}={expected_protocol[field]!r}: the numbers would not be comparable."
                )
    return stats, protocol
