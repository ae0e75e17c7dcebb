"""Small helpers shared across the package: image grids and atomic file writes."""

from keras_genzoo.utils.images import atomic_write, image_grid, save_image

__all__ = ["atomic_write", "image_grid", "save_image"]
