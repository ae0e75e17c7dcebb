"""Image grids and atomic writes."""

import numpy as np
import pytest

from keras_genzoo.utils import atomic_write, image_grid, save_image


def test_grid_layout_and_border():
    images = np.zeros((6, 2, 3, 1), np.float32)
    images[5] = 1.0
    grid = image_grid(images, rows=2, cols=3, border=1, min_cell=1)
    assert grid.shape == (2 * 3 + 1, 3 * 4 + 1) and grid.dtype == np.uint8  # grayscale stays 2-D
    assert (grid[0] == 255).all() and (grid[:, 0] == 255).all()
    assert (grid[1:3, 1:4] == 0).all()          # first cell
    assert (grid[4:6, 9:12] == 255).all()       # last cell (value 1.0)


def test_grid_upscales_tiny_images_and_keeps_colour():
    grid = image_grid(np.full((4, 8, 8, 3), 0.5, np.float32), min_cell=32)
    assert grid.shape == (2 * 33 + 1, 2 * 33 + 1, 3)
    assert grid[1, 1].tolist() == [128, 128, 128]


@pytest.mark.parametrize(
    "images,match",
    [
        (np.full((2, 4, 4, 1), 1.5), r"in \[0, 1\]"),
        (np.full((2, 4, 4, 1), np.nan), "NaN"),
        (np.zeros((2, 4, 4, 2)), "C 1 or 3"),
    ],
)
def test_grid_bad_input(images, match):
    with pytest.raises(ValueError, match=match):
        image_grid(images)
    with pytest.raises(ValueError, match="cannot hold"):
        image_grid(np.zeros((5, 4, 4, 1)), rows=2, cols=2)


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "sub" / "a.png"
    with pytest.raises(RuntimeError):
        with atomic_write(target) as f:
            f.write(b"half")
            raise RuntimeError("interrupted")
    assert not target.exists() and list((tmp_path / "sub").iterdir()) == []
    save_image(np.zeros((3, 3), np.uint8), target)
    from PIL import Image

    assert Image.open(target).size == (3, 3)


def test_written_files_get_the_usual_permissions(tmp_path):
    import os

    path = save_image(np.zeros((2, 2), np.uint8), tmp_path / "p.png")
    mask = os.umask(0)
    os.umask(mask)
    assert (path.stat().st_mode & 0o777) == (0o666 & ~mask)
