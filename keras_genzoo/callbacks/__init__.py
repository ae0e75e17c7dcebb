"""Callbacks to watch generative models train: sample grids, latent interpolations, FID and
mode coverage in the epoch logs, and a training-health guard."""

from keras_genzoo.callbacks.ema import GeneratorEMA
from keras_genzoo.callbacks.evaluation import FIDCallback, ModeCoverage
from keras_genzoo.callbacks.grids import (
    LatentInterpolation,
    SampleGrid,
    interpolation_grid,
    interpolation_latents,
    lerp,
    slerp,
)
from keras_genzoo.callbacks.health import TrainingHealth

__all__ = [
    "FIDCallback",
    "GeneratorEMA",
    "LatentInterpolation",
    "ModeCoverage",
    "SampleGrid",
    "TrainingHealth",
    "interpolation_grid",
    "interpolation_latents",
    "lerp",
    "slerp",
]
