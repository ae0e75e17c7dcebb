"""Progress output that suits where it goes: Keras' redrawn bar on a terminal, plain
lines at a modest rate when stdout is a pipe or a file (CI logs, `| tee`).

Keras' `Progbar` redraws itself with carriage returns, backspaces and ANSI colour codes
whenever Python runs on a POSIX system, terminal or not; in a log file that is one very
long line of control characters. `PlainProgbar` has the same `update` method and prints
ordinary lines instead.
"""

from __future__ import annotations

import sys
import time


def is_terminal(stream=None) -> bool:
    """Whether `stream` (default: the current `sys.stdout`) is an interactive terminal."""
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def format_values(values) -> str:
    """`"name: value - name: value"` for the scalar entries of a logs dict (or `(name, value)` pairs)."""
    items = values.items() if isinstance(values, dict) else (values or ())
    parts = []
    for key, value in items:
        try:
            number = float(value)
        except (TypeError, ValueError):
            try:  # rank-1 logs (multi-worker) hold one value per worker
                import numpy as np

                number = float(np.mean(np.asarray(value, dtype=np.float64)))
            except (TypeError, ValueError):
                continue
        parts.append(f"{key}: {number:.4g}")
    return " - ".join(parts)


class PlainProgbar:
    """A drop-in for `keras.utils.Progbar(target, unit_name=...)` that prints plain lines:
    one every `interval` seconds at most, and one when `target` is reached.

    Lines look like `images: 2000/10000 (20%) - 12s`.
    """

    def __init__(self, target, unit_name="step", interval=10.0, stream=None, label=None):
        self.target = target
        self.unit_name = unit_name
        self.interval = float(interval)
        self.stream = stream
        self.label = label or f"{unit_name}s"
        self._start = time.monotonic()
        self._last = self._start
        self._finished = False

    def update(self, current, values=None, finalize=None):
        if self._finished:
            return
        now = time.monotonic()
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if not finalize and now - self._last < self.interval:
            return
        self._last = now
        self._finished = bool(finalize)
        if self.target:
            text = f"{self.label}: {current}/{self.target} ({100 * current / self.target:.0f}%)"
        else:
            text = f"{self.label}: {current}"
        text += f" - {now - self._start:.0f}s"
        extra = format_values(values)
        write_line(text + (f" - {extra}" if extra else ""), self.stream)


def write_line(text, stream=None):
    """Writes one line and flushes, so that piped logs show it at once."""
    stream = sys.stdout if stream is None else stream
    stream.write(text + "\n")
    stream.flush()


def progress_bar(target, unit_name="step"):
    """Keras' `Progbar` when stdout is a terminal, else a `PlainProgbar` (plain lines)."""
    if is_terminal():
        import keras

        return keras.utils.Progbar(target, unit_name=unit_name)
    return PlainProgbar(target, unit_name=unit_name)
