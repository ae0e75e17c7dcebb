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


def test_plain_progbar_rate_and_format():
    import io

    from keras_genzoo.utils import PlainProgbar, progress_bar

    stream = io.StringIO()
    bar = PlainProgbar(100, unit_name="image", interval=1e9, stream=stream)
    for done in (10, 50, 90):
        bar.update(done)
    assert stream.getvalue() == ""  # nothing before the interval has passed ...
    bar.update(100)
    bar.update(100)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("images: 100/100 (100%) - ")  # ... and one line at the end
    chatty = io.StringIO()
    bar = PlainProgbar(None, interval=0, stream=chatty)
    bar.update(3, values=[("loss", 0.5)])
    assert chatty.getvalue().startswith("steps: 3 - ") and chatty.getvalue().endswith(" - loss: 0.5\n")
    # Off a terminal (pytest captures stdout into a pipe/file) the factory gives plain lines.
    import sys

    assert isinstance(progress_bar(10), PlainProgbar) or sys.stdout.isatty()


def _tiny_model():
    import keras

    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, kernel_initializer="ones")])


def test_save_model_is_atomic(tmp_path):
    import keras

    from keras_genzoo.utils import save_model

    model = _tiny_model()
    path = save_model(model, tmp_path / "m.keras")
    before = path.read_bytes()
    x = np.arange(6, dtype="float32").reshape(3, 2)
    assert np.allclose(keras.models.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))

    class Interrupted(Exception):
        pass

    def half_then_fail(target, **kwargs):
        with open(target, "wb") as f:
            f.write(before[: len(before) // 2])
        raise Interrupted

    model.save = half_then_fail
    with pytest.raises(Interrupted):
        save_model(model, path)
    assert path.read_bytes() == before  # the previous file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]  # and the temporary is gone
    with pytest.raises(ValueError, match=r"expected a name ending in \.keras"):
        save_model(model, tmp_path / "m.h5")


def test_sigkill_during_save_leaves_no_half_written_file(tmp_path):
    """A process killed with SIGKILL in the middle of writing model.keras leaves no
    model.keras at all; the hidden temporary it leaves is cleared by the next run."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from keras_genzoo.utils import remove_stale_temporaries

    import keras_genzoo.utils.files as files

    # The child loads only keras_genzoo/utils/files.py (no TensorFlow: starts in well under a
    # second); its "model" writes the first bytes of a zip, then stalls as a slow disk would.
    child = r"""
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("files", sys.argv[1])
files = importlib.util.module_from_spec(spec)
spec.loader.exec_module(files)
class SlowModel:
    def save(self, target, **kwargs):
        with open(target, "wb") as f:
            f.write(b"PK\x03\x04 half a zip")
            f.flush()
            print("writing", flush=True)
            time.sleep(600)
files.save_model(SlowModel(), sys.argv[2])
"""
    target = tmp_path / "model.keras"
    proc = subprocess.Popen([sys.executable, "-c", child, files.__file__, str(target)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert not target.exists()
    leftovers = list(tmp_path.iterdir())
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".model.keras.") and leftovers[0].stat().st_size > 0
    assert remove_stale_temporaries(tmp_path) == leftovers and list(tmp_path.iterdir()) == []
