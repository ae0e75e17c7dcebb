"""`BackupAndRestore`: Keras' fault-tolerance callback, with a resume in the middle of an epoch
that continues exactly where the interrupted run stopped.

`keras.callbacks.BackupAndRestore` (Keras 3.15) records the step within the epoch but never
reads it back: a run interrupted in the middle of an epoch restarts that epoch from its first
batch, after weights that already saw part of it, and a dataset that reshuffles every epoch
starts again from its first epoch's order in the new process. This callback keeps the same
arguments and adds what an exact resume needs:

- the position in the data, as the epoch and the step within it. The callback computes nothing
  else: `GenerativeModel.fit` reads a `tf.data` pipeline as one stream whose position at the
  start of an epoch depends on the epoch alone (`keras_genzoo.models.data_stream`). Before
  training starts, `fit` asks the callback (its `resume_epoch(model)`) which epoch to continue
  from; it starts there, with the stream at that epoch's first batch. The steps of the epoch
  done before the backup are then replayed as no-ops that read their batches and train
  nothing, so that the next step reads the batch the uninterrupted run read, and batch indices,
  progress and the step count seen by other callbacks are those of the uninterrupted run;
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
from pathlib import Path

import keras
import numpy as np

from keras_genzoo.callbacks.health import describe_nonfinite, nonfinite_parts
from keras_genzoo.trainers.keras_private import skip_train_call
from keras_genzoo.utils.files import atomic_write

FORMAT = "keras_genzoo.BackupAndRestore/2"
#: Records of earlier versions that hold what a resume reads (`epoch`, `step`, `weights`, `metrics`).
READABLE_FORMATS = (FORMAT, "keras_genzoo.BackupAndRestore/1")
RECORD = "backup.json"
PREVIOUS = "backup.prev.json"
_WEIGHTS_GLOB = "backup-*.weights.h5"


def _read_record(path):
    with open(path) as f:
        record = json.load(f)
    if not isinstance(record, dict) or record.get("format") not in READABLE_FORMATS:
        raise ValueError(f"{path} is not a backup written by keras_genzoo.callbacks.BackupAndRestore.")
    return record


class BackupAndRestore(keras.callbacks.Callback):
    """Backs up the training state and restores it when `fit` is started again after an
    interruption; a resume in the middle of an epoch continues exactly as if training had
    not stopped (same batches, same weights, same epoch logs).

    A drop-in for `keras.callbacks.BackupAndRestore` with the models of the zoo: same
    arguments, same use. Start the same `fit` (same model configuration, data pipeline, seeds
    and callbacks) with the same `backup_dir`, and training continues from the last backup.

    Args:
        backup_dir: directory holding the backup; used by this callback only.
        save_freq: `"epoch"` (back up at the end of every epoch) or an integer: back up every
            that many batches, and at the end of every epoch.
        double_checkpoint: keep the previous backup too; if the latest cannot be read, the
            previous one is restored.
        delete_checkpoint: delete `backup_dir` when `fit` completes (it is kept when training
            was stopped because the state became non-finite).

    The resume is bit-identical to the uninterrupted run (tested on CPU on TensorFlow with
    `tf.config.experimental.enable_op_determinism()`, on JAX and on PyTorch) when the data is a
    `tf.data` pipeline whose order depends only on its seed (`gz.data.load(..., seed=...)`,
    `gz.data.from_array(..., seed=...)`), of known length and read one pass per epoch, or a
    repeated stream read with `steps_per_epoch` (`GenerativeModel.fit` can then position it at
    any epoch, see `data_replayable`). Other data (numpy arrays, generators) resumes at the
    right epoch and step, with a warning that its order may differ. On resume, the batches of
    the epochs before the backup are drawn again and dropped: this takes the time of reading
    the data, not of training on it. Put this callback after the callbacks whose end-of-epoch
    work (e.g. `CSVLogger`) must not run twice.

    Resuming needs a model of the zoo (a `gz.models.GenerativeModel`), whose `fit` asks the
    callback where to continue (`resume_epoch`); with another model, backups are written but
    a `fit` that finds one raises an error.

    Attributes:
        restored: the backup record training resumed from (`epoch`, `step`, ...), or None.
        diverged: the message, when a non-finite state was refused and training stopped.
        saves, save_seconds: backups written by this `fit` and the seconds spent writing them.

    Example:

        >>> import tempfile
        >>> x = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
        >>> data = gz.data.from_array(x, batch_size=4, seed=0)  # 4 steps per epoch
        >>> backup_dir = tempfile.mkdtemp()
        >>> class Crash(keras.callbacks.Callback):  # stands for a killed job
        ...     def on_train_batch_begin(self, batch, logs=None):
        ...         if batch == 2:
        ...             raise KeyboardInterrupt
        >>> model = gz.models.GAN(data_shape=(2,), latent_dim=2, hidden_units=(8,), seed=0)
        >>> model.compile()
        >>> backup = gz.callbacks.BackupAndRestore(backup_dir, save_freq=1)
        >>> try:  # crashes in the middle of the first epoch
        ...     _ = model.fit(data, epochs=2, callbacks=[backup, Crash()], verbose=0)
        ... except KeyboardInterrupt:
        ...     pass
        >>> record = gz.callbacks.BackupAndRestore.latest_record(backup_dir)
        >>> record["epoch"], record["step"]  # epoch 0, after 2 steps
        (0, 2)
        >>> model = gz.models.GAN(data_shape=(2,), latent_dim=2, hidden_units=(8,), seed=0)
        >>> model.compile()
        >>> backup = gz.callbacks.BackupAndRestore(backup_dir)
        >>> history = model.fit(data, epochs=2, callbacks=[backup], verbose=0)
        >>> backup.restored["step"], len(history.history["d_loss"])
        (2, 2)
        >>> import os; os.path.exists(backup_dir)  # deleted once fit completes
        False
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
        self._asked = False  # whether the model's fit asked where to resume (resume_epoch)
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

    # ------------------------------------------------------------------ the model's question
    def resume_epoch(self, model):
        """Asked by `GenerativeModel.fit` before training starts: restores the last backup in
        `backup_dir` into `model`, if there is one, and returns the epoch (0-based) `fit` must
        start at, or None when there is nothing to resume."""
        self._reset()
        self.restored, self.diverged = None, None
        self.saves, self.save_seconds = 0, 0.0
        self._asked = True
        record = self._restore(model)
        if record is None:
            return None
        if (record["epoch"] or record["step"]) and not getattr(model, "data_replayable", False):
            warnings.warn(
                f"BackupAndRestore: resuming at epoch {record['epoch'] + 1}, step {record['step']}, but the data given "
                "to fit is not a tf.data pipeline of known length (or a repeated one read with steps_per_epoch) that "
                "fit can position at an epoch: if it is shuffled, the resumed epochs may see their examples in another "
                "order than the uninterrupted run.",
                RuntimeWarning,
                stacklevel=3,
            )
        return record["epoch"]

    # ------------------------------------------------------------------ fit hooks
    def _reset(self):
        self._epoch = 0
        self._step = 0  # batches done in the current epoch
        self._since_save = 0
        self._steps_per_call = 1
        self._plan = None  # the restored record, until its epoch begins
        self._noop_calls = 0
        self._noop_logs = {}
        self._last_call_noop = False

    def on_train_begin(self, logs=None):
        if not self._asked:
            self._reset()
            self.restored, self.diverged = None, None
            self.saves, self.save_seconds = 0, 0.0
            if self.latest_record(self.backup_dir) is not None:
                raise TypeError(
                    f"BackupAndRestore: {self.backup_dir} holds a backup, but {type(self.model).__name__}.fit did not "
                    "ask where to resume: resuming needs a model of keras_genzoo (gz.models.GenerativeModel), whose "
                    "fit positions its data at the backup's epoch. For other models use keras.callbacks.BackupAndRestore."
                )
        self._steps_per_call = int(getattr(self.model, "steps_per_execution", 1) or 1)
        if self._plan is not None and self._plan["step"] % self._steps_per_call:
            raise ValueError(
                f"The backup is at step {self._plan['step']}, not a multiple of "
                f"steps_per_execution={self._steps_per_call}."
            )
        self._wrap_train_function()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._step = epoch, 0
        plan, self._plan = self._plan, None
        if plan is None or plan["epoch"] != epoch or not plan["step"]:
            return
        # Keras has just reset the metrics: they take back the running means of the steps done.
        self._restore_metrics(plan)
        self._noop_logs = {
            k: float(np.asarray(keras.ops.convert_to_numpy(v))) for k, v in self.model.get_metrics_result().items()
        }
        self._noop_calls = plan["step"] // self._steps_per_call

    def on_train_batch_end(self, batch, logs=None):
        if self._last_call_noop or self.diverged is not None or self.save_freq == "epoch":
            return
        self._since_save += self._steps_per_call
        if self._since_save >= self.save_freq:
            self._since_save = 0
            self._save(self._epoch, self._step)

    def on_epoch_end(self, epoch, logs=None):
        if self.diverged is None:
            self._save(epoch + 1, 0)

    def on_train_end(self, logs=None):
        self._unwrap_train_function()
        self._asked = False
        if self.delete_checkpoint and self.diverged is None and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)

    # ------------------------------------------------------------------ saving
    def _save(self, epoch, step):
        model = self.model  # on JAX, reading `Callback.model` brings fit's state into the variables
        bad = nonfinite_parts(model)
        if bad:
            return self._refuse(bad, epoch, step)
        start = time.perf_counter()
        folder = Path(self.backup_dir)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"backup-e{epoch}-s{step}-{uuid.uuid4().hex[:8]}.weights.h5"
        model.save_weights(str(folder / name), overwrite=True)
        record = {
            "format": FORMAT,
            "epoch": int(epoch),
            "step": int(step),
            "weights": name,
            "metrics": [
                [v.path, np.asarray(keras.ops.convert_to_numpy(v.value)).tolist()] for v in model.metrics_variables
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
    def _restore(self, model):
        errors = []
        folder = Path(self.backup_dir)
        for name in (RECORD, PREVIOUS):
            path = folder / name
            if not path.exists():
                continue
            try:
                record = _read_record(path)
                self._load_weights(model, folder / record["weights"])
                epoch, step = record["epoch"], record["step"]
                if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0 or \
                        isinstance(step, bool) or not isinstance(step, int) or step < 0:
                    raise ValueError(f"epoch {epoch!r} and step {step!r} are not non-negative integers")
            except (OSError, ValueError, KeyError) as e:
                errors.append(f"{path.name}: {type(e).__name__}: {e}")
                continue
            self.restored = record
            self._plan = record
            return record
        if errors:
            raise OSError(f"Could not restore the backup in {self.backup_dir}: " + "; ".join(errors))
        return None

    @staticmethod
    def _load_weights(model, path):
        if not model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built before you call `fit()`. "
                f"Model {model.name} is unbuilt. Build it by calling it on a batch of data."
            )
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            optimizer.build(model.trainable_variables)
        if not path.is_file():
            raise FileNotFoundError(f"the weights file {path.name} is missing")
        model.load_weights(str(path))

    def _restore_metrics(self, record):
        saved = dict((path, value) for path, value in record.get("metrics", []))
        variables = self.model.metrics_variables
        missing = [v.path for v in variables if v.path not in saved]
        if missing:
            warnings.warn(f"BackupAndRestore: the backup holds no value for the metrics {missing}; "
                          "their means restart in the resumed epoch.", RuntimeWarning, stacklevel=3)
        for v in variables:
            if v.path in saved:
                v.assign(np.asarray(saved[v.path], dtype=keras.backend.standardize_dtype(v.dtype)))

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

    def _call(self, function, args):
        self._step += self._steps_per_call
        self._last_call_noop = self._noop_calls > 0
        if self._last_call_noop:  # a step done before the backup: its batches are read, not trained on
            self._noop_calls -= 1
            return skip_train_call(args, dict(self._noop_logs), self._steps_per_call)
        return function(*args)
