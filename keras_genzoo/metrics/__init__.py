"""Evaluation: Fréchet distance (FID), Inception Score, KID, precision/recall, mode
coverage, conditional accuracy and intra-class FD, measured through the shipped
evaluators, InceptionV3 or any `keras.Model`.

Every function returns a `MetricResult`: `float(result)` is the number and
`result.protocol` records how it was measured.
"""

from keras_genzoo.metrics.conditional import (
    conditional_accuracy,
    conditional_accuracy_from_probabilities,
    intra_class_frechet_distance,
)
from keras_genzoo.metrics.extractors import FeatureExtractor, get_extractor
from keras_genzoo.metrics.fid import compute_reference_statistics, frechet_distance
from keras_genzoo.metrics.frechet import (
    FeatureStatistics,
    FrechetDistance,
    frechet_distance_from_features,
    frechet_distance_from_stats,
)
from keras_genzoo.metrics.mixtures import mixture_mode_coverage, mixture_mode_histogram
from keras_genzoo.metrics.protocol import MetricResult, load_reference, save_reference
from keras_genzoo.metrics.scores import (
    inception_score,
    inception_score_from_probabilities,
    kernel_inception_distance,
    kid_from_features,
    mode_coverage,
    mode_coverage_from_probabilities,
    precision_recall,
    precision_recall_from_features,
)

__all__ = [
    "FeatureExtractor",
    "FeatureStatistics",
    "FrechetDistance",
    "MetricResult",
    "compute_reference_statistics",
    "conditional_accuracy",
    "conditional_accuracy_from_probabilities",
    "frechet_distance",
    "frechet_distance_from_features",
    "frechet_distance_from_stats",
    "get_extractor",
    "inception_score",
    "inception_score_from_probabilities",
    "kernel_inception_distance",
    "intra_class_frechet_distance",
    "kid_from_features",
    "load_reference",
    "mixture_mode_coverage",
    "mixture_mode_histogram",
    "mode_coverage",
    "mode_coverage_from_probabilities",
    "precision_recall",
    "precision_recall_from_features",
    "save_reference",
]
