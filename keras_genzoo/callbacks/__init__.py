"""Callbacks to watch generative models train: sample grids, latent interpolations, FID and
mode coverage in the epoch logs, a training-health guard, plain progress lines for logs, and a
backup that resumes an interrupted `fit` exactly where it stopped."""

from keras_genzoo.callbacks.backup import BackupAndRestore
from keras_genzoo.callbacks.ema import GeneratorEMA
from keras_genzoo.callbacks.evaluation import FIDCallback, ModeCoverage
from keras_genzoo.callbacks.grids import (
    LatentInterpolation,
    SampleGrid,
    class_interpolation_grid,
    interpolation_grid,
    interpolation_latents,
)
from keras_genzoo.callbacks.health import TrainingHealth
from keras_genzoo.callbacks.progress import PlainProgress
from keras_genzoo.utils.interpolation import lerp, slerp

__all__ = [
    "BackupAndRestore",
    "FIDCallback",
    "GeneratorEMA",
    "LatentInterpolation",
    "ModeCoverage",
    "PlainProgress",
    "SampleGrid",
    "TrainingHealth",
    "class_interpolation_grid",
    "interpolation_grid",
    "interpolation_latents",
    "lerp",
    "slerp",
]
