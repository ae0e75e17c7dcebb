"""Loading the model of a run: from a `.keras` file or a run directory, with errors that say
what is wrong with a damaged file."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import keras

from keras_genzoo.runs.config import RunError


def load_source(source):
    """A model from a `.keras` file or a run directory."""
    path = Path(source)
    if path.is_dir():
        path = path / "model.keras"
    if not path.exists():
        raise RunError(f"{source} is neither a .keras file nor a run directory with model.keras.")
    expected = "expected a complete .keras file saved by model.save()"
    if not zipfile.is_zipfile(path):
        raise RunError(f"could not load a model from {path}: it is not a zip archive (truncated or corrupt); {expected}.")
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()  # reads every member, checking its CRC
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as e:
        raise RunError(f"could not load a model from {path}: the archive is corrupt ({type(e).__name__}: {e}); "
                       f"{expected}.") from e
    if damaged is not None:
        raise RunError(f"could not load a model from {path}: {damaged} in the archive is corrupt (CRC mismatch); "
                       f"{expected}.")
    try:
        return keras.models.load_model(path)
    except Exception as e:  # a foreign or incomplete archive
        raise RunError(f"could not load a model from {path} ({type(e).__name__}: {e}); {expected}.") from e
