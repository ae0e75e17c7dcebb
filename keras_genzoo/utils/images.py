"""Image grids a person can read, saved atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from keras_genzoo.utils.files import atomic_write


def image_grid(images, rows=None, cols=None, border=1, border_value=255, min_cell=32):
    """Tiles images in [0, 1] into one uint8 grid.

    Args:
        images: `(N, H, W, C)` with C in {1, 3} (or `(N, H, W)`), floats in [0, 1].
        rows: grid rows; by default the squarest grid that holds N images.
        cols: grid columns; by default enough for N images in `rows` rows.
        border: pixels of `border_value` between and around cells.
        min_cell: cells smaller than this are upscaled by an integer factor (nearest
            neighbour) so tiny images stay readable.

    Returns:
        `(H', W')` uint8 for grayscale, `(H', W', 3)` for colour.

    Raises:
        ValueError: wrong rank or channel count, values outside [0, 1] or NaN, or a grid too small.
    """
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] not in (1, 3) or x.shape[0] == 0:
        raise ValueError(f"images must be (N, H, W, C) with C 1 or 3 and N >= 1, got shape {x.shape}.")
    finite = np.isfinite(x)
    if not np.all(finite) or x.min() < 0.0 or x.max() > 1.0:
        seen = f"[{x[finite].min():g}, {x[finite].max():g}]" if finite.any() else "no finite values"
        raise ValueError(
            f"images must be finite values in [0, 1], found {seen}"
            + (f" and {int(np.size(x) - finite.sum())} NaN/Inf" if not finite.all() else "") + "."
        )
    n, h, w, c = x.shape
    if rows is None and cols is None:
        cols = int(np.ceil(np.sqrt(n)))
    if rows is None:
        rows = int(np.ceil(n / cols))
    if cols is None:
        cols = int(np.ceil(n / rows))
    if rows * cols < n:
        raise ValueError(f"a {rows}x{cols} grid cannot hold {n} images.")
    scale = max(1, int(np.ceil(min_cell / max(h, w)))) if min(h, w) < min_cell else 1
    x = np.round(x * 255.0).astype(np.uint8)
    if scale > 1:
        x = x.repeat(scale, axis=1).repeat(scale, axis=2)
        h, w = h * scale, w * scale
    grid = np.full((rows * (h + border) + border, cols * (w + border) + border, c), border_value, np.uint8)
    for i in range(n):
        r, q = divmod(i, cols)
        top, left = border + r * (h + border), border + q * (w + border)
        grid[top : top + h, left : left + w] = x[i]
    return grid[..., 0] if c == 1 else grid


def save_image(array, path):
    """Saves a uint8 `(H, W)` or `(H, W, 3)` array as PNG (or GIF for a list of frames), atomically."""
    from PIL import Image

    path = Path(path)
    if isinstance(array, (list, tuple)):
        frames = [Image.fromarray(np.asarray(a)) for a in array]
        with atomic_write(path) as f:
            frames[0].save(f, format="GIF", save_all=True, append_images=frames[1:], duration=120, loop=0)
        return path
    with atomic_write(path) as f:
        Image.fromarray(np.asarray(array)).save(f, format="PNG")
    return path
