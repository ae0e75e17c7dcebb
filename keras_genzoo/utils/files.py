"""File writes that never leave half a file behind.

Each write goes to a temporary file in the target's folder (same file system), which is
renamed over the target with `os.replace` only once it is complete. A process killed in the
middle leaves the previous file (or none) in place, plus at worst a hidden temporary
(`.<name>.<random>.tmp[.keras]`), which `remove_stale_temporaries` clears.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

_TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]+\.tmp(\.keras)?$")


def umask():
    """The process's file-creation mask (read without changing it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary_next_to(path: Path, suffix: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)


def _publish(tmp, path):
    os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes 0600; give the file the usual permissions
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Opens a temporary file next to `path` and renames it over `path` only once writing succeeded."""
    path = Path(path)
    fd, tmp = _temporary_next_to(path, ".tmp")
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        _publish(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_model(model, path):
    """`model.save(path)` done atomically: Keras writes a temporary `.keras` file next to
    `path`, which then replaces `path` in one rename. Returns `path`.

    Raises:
        ValueError: `path` does not end in `.keras` (the only format written this way).
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"save_model writes .keras files; got the path {path} (expected a name ending in .keras).")
    fd, tmp = _temporary_next_to(path, ".tmp.keras")  # Keras insists on the .keras extension
    os.close(fd)
    try:
        model.save(tmp, overwrite=True)
        _publish(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def remove_stale_temporaries(directory):
    """Deletes temporaries that `atomic_write`/`save_model` left in `directory` (not in
    sub-folders) when their process was killed; returns the paths removed."""
    removed = []
    directory = Path(directory)
    if not directory.is_dir():
        return removed
    for p in directory.iterdir():
        if p.is_file() and _TEMPORARY.match(p.name):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
                removed.append(p)
    return removed
