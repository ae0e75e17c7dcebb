"""Small helpers shared across the package: image grids, atomic file writes, progress output,
argument and network-shape validation."""

from keras_genzoo.utils.files import atomic_write, remove_stale_temporaries, save_model
from keras_genzoo.utils.images import image_grid, save_image
from keras_genzoo.utils.progress import PlainProgbar, is_terminal, progress_bar
from keras_genzoo.utils.validation import (
    check_choice,
    check_network,
    check_number,
    check_positive_int,
    resolve_data_shape,
)

__all__ = [
    "PlainProgbar",
    "atomic_write",
    "check_choice",
    "check_network",
    "check_number",
    "check_positive_int",
    "image_grid",
    "is_terminal",
    "progress_bar",
    "remove_stale_temporaries",
    "resolve_data_shape",
    "save_image",
    "save_model",
]
