"""Small helpers shared across the package: image grids, atomic file writes, progress output."""

from keras_genzoo.utils.files import atomic_write, remove_stale_temporaries, save_model
from keras_genzoo.utils.images import image_grid, save_image
from keras_genzoo.utils.progress import PlainProgbar, is_terminal, progress_bar

__all__ = [
    "PlainProgbar",
    "atomic_write",
    "image_grid",
    "is_terminal",
    "progress_bar",
    "remove_stale_temporaries",
    "save_image",
    "save_model",
]
