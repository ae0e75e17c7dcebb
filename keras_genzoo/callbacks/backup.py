"""`BackupAndRestore`: Keras' fault-tolerance callback, with a resume in the middle of an epoch
that continues exactly where the interrupted run stopped.

`keras.callbacks.BackupAndRestore` (Keras 3.15) records the step within the epoch but never
reads it back: a run interrupted in the middle of an epoch restarts that epoch from its first
batch, after weights that already saw part of it, and a dataset that reshuffles every epoch
starts again from its first epoch's order in the new process. This callback keeps the same
arguments and adds what an exact resume needs:

- the position in the data: the epoch, the step within it, how many iterators the run has
  made over the dataset and how many batches it drew from the current one. On resume the
  run starts at the interrupted epoch, the dataset is made to give that epoch's order (by
  opening as many iterators as the interrupted run had opened: a `tf.data` shuffle with a seed
  draws each iterator's order from a counter), the consumed batches are drawn and skipped, and
  the first steps of the epoch are replayed as no-ops, so that batch indices, progress and the
  step count seen by other callbacks are those of the uninterrupted run;
- the running means of the epoch's metrics (the epoch's logged losses average every step);
- every variable the model saves (weights, both optimizers' slots and iteration counts, the
  critic-phase counter, the seed generator's state, `generator_ema`), via `save_weights`.

Each backup is a new weights file plus a small JSON record naming it, written with an atomic
rename: a process killed while saving leaves the previous backup intact. A state holding NaN
or Inf is never written: the callback stops training instead and keeps the last finite backup.
"""

from __future__ import annotations

import contextlib
import json
import numbers
import os
import shutil
import time
import uuid
import warnings
import weakref
from pathlib import Path

import keras
import numpy as np

from keras_genzoo.callbacks.health import describe_nonfinite, nonfinite_parts
from keras_genzoo.utils.files import atomic_write

FORMAT = "keras_genzoo.BackupAndRestore/1"
RECORD = "backup.json"
PREVIOUS = "backup.prev.json"
_WEIGHTS_GLOB = "backup-*.weights.h5"


def _read_record(path):
    with open(path) as f:
        record = json.load(f)
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ValueError(f"{path} is not a backup written by keras_genzoo.callbacks.BackupAndRestore.")
    return record


class BackupAndRestore(keras.callbacks.Callback):
    """Backs up the training state and restores it when `fit` is started again after an
    interruption; a resume in the middle of an epoch continues exactly as if training had
    not stopped (same batches, same weights, same epoch logs).

    A drop-in for `keras.callbacks.BackupAndRestore`: same arguments, same use. Start the
    same `fit` (same model configuration, data pipeline, seeds and callbacks) with the same
    `backup_dir`, and training continues from the last backup.

    Args:
        backup_dir: directory holding the backup; used by this callback only.
        save_freq: `"epoch"` (back up at the end of every epoch) or an integer: back up every
            that many batches, and at the end of every epoch.
        double_checkpoint: keep the previous backup too; if the latest cannot be read, the
            previous one is restored.
        delete_checkpoint: delete `backup_dir` when `fit` completes (it is kept when training
            was stopped because the state became non-finite).

    The resume is bit-identical to the uninterrupted run (tested on CPU with every family, on
    TensorFlow with `tf.config.experimental.enable_op_determinism()` and on JAX) when the data is a `tf.data`
    pipeline whose order depends only on its seed (`gz.data.load(..., seed=...)`,
    `gz.data.from_array(..., seed=...)`), read either one pass per epoch or as a repeated stream
    with `steps_per_epoch`. With the PyTorch backend a repeated stream cannot be fast-forwarded
    (Keras hands the step a batch, not the iterator); the callback then warns. Put this callback
    after the callbacks whose end-of-epoch work (e.g. `CSVLogger`) must not run twice.

    Attributes:
        restored: the backup record training resumed from (`epoch`, `step`, ...), or None.
        diverged: the message, when a non-finite state was refused and training stopped.
        saves, save_seconds: backups written by this `fit` and the seconds spent writing them.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed: expected the directory to keep the backup in.")
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, numbers.Integral) or save_freq < 1
        ):
            raise ValueError(f"save_freq must be 'epoch' or a positive integer (batches between backups), got {save_freq!r}.")
        self.backup_dir = str(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = bool(double_checkpoint)
        self.delete_checkpoint = bool(delete_checkpoint)
        self.restored = None
        self.diverged = None
        self.saves = 0
        self.save_seconds = 0.0
        self._reset()

    # ------------------------------------------------------------------ reading backups
    @staticmethod
    def latest_record(backup_dir):
        """The record of the backup a `fit` would resume from (`{"epoch", "step", ...}`), or
        None when `backup_dir` holds no readable backup."""
        for name in (RECORD, PREVIOUS):
            path = Path(backup_dir) / name
            try:
                record = _read_record(path)
            except (OSError, ValueError):
                continue
            if (Path(backup_dir) / record["weights"]).is_file():
                return record
        return None

    # ------------------------------------------------------------------ fit hooks
    def _reset(self):
        self._epoch = 0
        self._step = 0  # batches done in the current epoch
        self._since_save = 0
        self._iterator = None  # the data iterator in use (a strong reference, so ids stay unique)
        self._iterator_index = None  # its place among the iterators opened on the data (0, 1, ...)
        self._index_from = None  # for an iterator opened lazily: the count of iterators before its first step
        self._position = 0  # batches drawn from the current iterator
        self._persists = None  # whether one iterator spans epochs (observed at an epoch boundary)
        self._log = None  # the count of iterators opened on the data
        self._first_epoch = None
        self._first_call = False
        self._adopt = False
        self._plan = None
        self._pending_skip = 0
        self._noop_calls = 0
        self._noop_logs = {}
        self._last_call_noop = False
        self._warned = set()

    def on_train_begin(self, logs=None):
        self._reset()
        self.restored = None
        self.diverged = None
        self.saves, self.save_seconds = 0, 0.0
        self.model._initial_epoch = None
        self._log = _IteratorLog.track(getattr(self.model, "fit_data", None))
        self._wrap_train_function()
        self._restore()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._step, self._first_call = epoch, 0, True
        if self._first_epoch is None:
            self._first_epoch = epoch
        plan, self._plan = self._plan, None
        if plan is None or plan["epoch"] != epoch:
            return
        step = plan["step"]
        if step > 0:
            self._restore_metrics(plan)
            self._noop_logs = {k: float(np.asarray(keras.ops.convert_to_numpy(v))) for k, v in
                               self.model.get_metrics_result().items()}
        continues = step > 0 or plan.get("next_epoch_new_iterator") is False
        target = plan["iterator_index"] if continues else plan["iterators_created"]
        self._pending_skip = plan["position"] - step if continues else 0
        self._position = 0
        self._adopt = True
        self._persists = plan.get("persists")
        self._replay_iterators(target)
        spe = self._steps_per_execution()
        if step % spe:
            raise ValueError(f"The backup is at step {step}, not a multiple of steps_per_execution={spe}.")
        self._noop_calls = step // spe

    def on_train_batch_end(self, batch, logs=None):
        if self._last_call_noop or self.diverged is not None or self.save_freq == "epoch":
            return
        self._since_save += self._steps_per_execution()
        if self._since_save >= self.save_freq:
            self._since_save = 0
            self._save(self._epoch, self._step)

    def on_epoch_end(self, epoch, logs=None):
        if self.diverged is None:
            self._save(epoch + 1, 0)

    def on_train_end(self, logs=None):
        self._unwrap_train_function()
        self.model._initial_epoch = None
        self._iterator = None
        if self.delete_checkpoint and self.diverged is None and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)

    # ------------------------------------------------------------------ saving
    def _steps_per_execution(self):
        # `self._model`, not `self.model`: on JAX, reading `Callback.model` syncs the training
        # state into the variables, which inside a step would hand the step's donated buffers to them.
        return int(getattr(self._model, "steps_per_execution", 1) or 1)

    def _sync(self):
        sync = getattr(self.model, "jax_state_sync", None)  # JAX: fit carries the state outside the variables
        if callable(sync):
            sync()

    def _next_iterator_is_new(self):
        """At the end of an epoch: whether Keras will open a new iterator for the next one."""
        if self._persists is not None:
            return not self._persists
        cardinality = _cardinality(getattr(self.model, "fit_data", None))
        if cardinality is None:
            return True
        if cardinality == -1:  # infinite: a repeated stream read with steps_per_epoch
            return False
        if cardinality >= 0:
            return self._position >= cardinality
        return True  # unknown length: Keras reads it to the end each epoch

    def _save(self, epoch, step):
        self._sync()
        bad = nonfinite_parts(self.model)
        if bad:
            return self._refuse(bad, epoch, step)
        start = time.perf_counter()
        folder = Path(self.backup_dir)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"backup-e{epoch}-s{step}-{uuid.uuid4().hex[:8]}.weights.h5"
        self.model.save_weights(str(folder / name), overwrite=True)
        record = {
            "format": FORMAT,
            "epoch": int(epoch),
            "step": int(step),
            "weights": name,
            "iterator_index": self._current_index(),
            "iterators_created": None if self._log is None else self._log.count,
            "position": int(self._position),
            "persists": self._persists,
            "next_epoch_new_iterator": self._next_iterator_is_new() if step == 0 else None,
            "metrics": [
                [v.path, np.asarray(keras.ops.convert_to_numpy(v.value)).tolist()] for v in self.model.metrics_variables
            ]
            if step > 0
            else [],
            "backend": keras.backend.backend(),
            "keras_version": keras.__version__,
        }
        current = folder / RECORD
        if self.double_checkpoint and current.exists():
            with atomic_write(folder / PREVIOUS, "w") as f:
                f.write(current.read_text())
        with atomic_write(current, "w") as f:  # the commit point: the new weights file is now the backup
            f.write(json.dumps(record) + "\n")
        self._remove_unreferenced(folder)
        self.saves += 1
        self.save_seconds += time.perf_counter() - start

    def _remove_unreferenced(self, folder):
        keep = set()
        for name in (RECORD, PREVIOUS):
            with contextlib.suppress(OSError, ValueError, KeyError):
                keep.add(_read_record(folder / name)["weights"])
        for path in folder.glob(_WEIGHTS_GLOB):
            if path.name not in keep:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def _refuse(self, bad, epoch, step):
        where = f"epoch {epoch + 1}, step {step}" if step else f"the end of epoch {epoch}"
        kept = self.latest_record(self.backup_dir)
        kept_text = (
            f"the backup of epoch {kept['epoch'] + 1}, step {kept['step']} in {self.backup_dir} is kept"
            if kept else "no finite backup exists yet"
        )
        self.diverged = f"BackupAndRestore: {describe_nonfinite(bad)} at {where}; not backed up ({kept_text}); training stopped."
        warnings.warn(self.diverged, RuntimeWarning, stacklevel=2)
        self.model.stop_training = True

    # ------------------------------------------------------------------ restoring
    def _restore(self):
        errors = []
        folder = Path(self.backup_dir)
        for name in (RECORD, PREVIOUS):
            path = folder / name
            if not path.exists():
                continue
            try:
                record = _read_record(path)
                self._load_weights(folder / record["weights"])
            except (OSError, ValueError, KeyError) as e:
                errors.append(f"{path.name}: {type(e).__name__}: {e}")
                continue
            self.restored = record
            self._plan = record
            self.model._initial_epoch = record["epoch"]
            return
        if errors:
            raise OSError(f"Could not restore the backup in {self.backup_dir}: " + "; ".join(errors))

    def _load_weights(self, path):
        if not self.model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built before you call `fit()`. "
                f"Model {self.model.name} is unbuilt. Build it by calling it on a batch of data."
            )
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            optimizer.build(self.model.trainable_variables)
        if not path.is_file():
            raise FileNotFoundError(f"the weights file {path.name} is missing")
        self.model.load_weights(str(path))

    def _restore_metrics(self, record):
        saved = dict((path, value) for path, value in record.get("metrics", []))
        variables = self.model.metrics_variables
        missing = [v.path for v in variables if v.path not in saved]
        if missing:
            self._warn_once("metrics", f"BackupAndRestore: the backup holds no value for the metrics {missing}; "
                                       "their means restart in the resumed epoch.")
        for v in variables:
            if v.path in saved:
                v.assign(np.asarray(saved[v.path], dtype=keras.backend.standardize_dtype(v.dtype)))

    def _replay_iterators(self, target):
        """Opens iterators on the data until `target` have been opened in this run: the next
        one Keras opens then gets the order the interrupted run had at this point."""
        if target is None or self._log is None:
            if target:
                self._warn_once(
                    "replay",
                    f"BackupAndRestore: resuming at epoch {self._epoch + 1}, but the data given to fit is not a tf.data "
                    "pipeline of a keras_genzoo model, whose epochs this callback can replay: if it reshuffles every "
                    "epoch, the resumed epochs may see their examples in another order than the uninterrupted run.",
                )
            return
        data = self._log.dataset()
        if self._log.count > target:
            self._warn_once("replay", f"BackupAndRestore: the data was opened {self._log.count} times before the "
                                      f"resumed epoch, more than the {target} of the interrupted run; its order may differ.")
        while data is not None and self._log.count < target:
            iter(data)  # a seeded shuffle draws each new iterator's order from a counter

    def _warn_once(self, key, message):
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, RuntimeWarning, stacklevel=3)

    # ------------------------------------------------------------------ the step function
    def _wrap_train_function(self):
        self._unwrap_train_function()
        function = self.model.train_function
        if function is None:
            return

        def train_function(*args):
            return self._call(function, args)

        train_function._gz_backup_original = function
        self.model.train_function = train_function

    def _unwrap_train_function(self):
        function = getattr(self.model, "train_function", None)
        original = getattr(function, "_gz_backup_original", None)
        if original is not None:
            self.model.train_function = original

    def _current_index(self):
        if self._iterator_index is None and self._index_from is not None and self._log is not None:
            if self._log.count > self._index_from:  # opened lazily during the first step (JAX)
                self._iterator_index = self._index_from
        return self._iterator_index

    def _call(self, function, args):
        source = args[-1]  # TF and JAX: the data iterator; PyTorch: the batch itself
        pullable = hasattr(source, "__next__")
        first = self._first_call
        self._first_call = False
        new = source is not self._iterator if pullable else first
        if new:
            if self._adopt:
                self._adopt = False
            else:
                self._position = 0
                if first and self._epoch != self._first_epoch:
                    self._persists = False
            self._iterator = source if pullable else None
            self._iterator_index = self._log.index_of(source) if self._log is not None else None
            self._index_from = self._log.count if self._log is not None else None
        elif first and self._epoch != self._first_epoch:
            self._persists = True
        if self._pending_skip:
            if pullable:
                for _ in range(self._pending_skip):
                    next(source)
                self._position += self._pending_skip
            else:
                self._warn_once(
                    "skip",
                    f"BackupAndRestore: cannot skip {self._pending_skip} batches of the data stream on the "
                    f"{keras.backend.backend()} backend; the resumed run reads other batches than the uninterrupted one.",
                )
            self._pending_skip = 0
        spe = self._steps_per_execution()
        self._position += spe
        self._step += spe
        if self._noop_calls:
            self._noop_calls -= 1
            self._last_call_noop = True
            if pullable:
                for _ in range(spe):
                    next(source)
            self._current_index()
            logs = dict(self._noop_logs)
            return (logs, args[0]) if len(args) == 2 else logs
        self._last_call_noop = False
        out = function(*args)
        self._current_index()
        return out


class _IteratorLog:
    """Counts the iterators opened on one `tf.data.Dataset` and remembers the place of each:
    a seeded `shuffle(..., reshuffle_each_iteration=True)` gives the n-th iterator opened on a
    dataset the n-th order of its seed, so this count is the dataset's state. Keras opens
    iterators inside `fit` (one or two per epoch, depending on the Keras version and backend),
    so the count is taken where they are opened: `tf.data.Dataset.__iter__`, wrapped once."""

    _logs = {}  # id(dataset) -> _IteratorLog
    _installed = False

    def __init__(self, dataset):
        self._dataset = weakref.ref(dataset)
        self.count = 0
        self._index = {}  # id(iterator) -> place; a live iterator's id is unique, a newer one wins

    def dataset(self):
        return self._dataset()

    def index_of(self, iterator):
        return self._index.get(id(iterator))

    @classmethod
    def track(cls, data):
        """A fresh count for `data` if it is a `tf.data.Dataset`, else None."""
        import tensorflow as tf

        if not isinstance(data, tf.data.Dataset):
            return None
        cls._install(tf.data.Dataset)
        for key in [k for k, log in cls._logs.items() if log.dataset() is None]:
            del cls._logs[key]
        log = cls(data)
        cls._logs[id(data)] = log
        return log

    @classmethod
    def _install(cls, dataset_class):
        if cls._installed:
            return
        original = dataset_class.__iter__

        def __iter__(self):
            iterator = original(self)
            log = cls._logs.get(id(self))
            if log is not None and log.dataset() is self:
                log._index[id(iterator)] = log.count
                log.count += 1
                if len(log._index) > 16:
                    del log._index[next(iter(log._index))]
            return iterator

        __iter__.__wrapped__ = original
        dataset_class.__iter__ = __iter__
        cls._installed = True


def _cardinality(data):
    """The number of batches of a `tf.data.Dataset` (-1 infinite, -2 unknown), None for other data."""
    import tensorflow as tf

    if not isinstance(data, tf.data.Dataset):
        return None
    return int(data.cardinality().numpy())
