"""Training a run: `train` (resumable, backed up, stopped on divergence or a time budget)
and `finish` (curves, interpolation, metrics and the report of the trained model).

A run directory holds:

    config.json            everything needed to rerun (and the command)
    model.keras            the trained model
    history.csv            per-epoch logs (Keras CSVLogger)
    loss_curves.png        the logs as curves
    samples/epoch_XXX.png  fixed-seed sample grids, one per epoch
    interpolation.png/.gif latent interpolation of the final model
    metrics.json           Fréchet distance, Inception Score, mode coverage with protocols
    report.html            one self-contained page with all of the above
    backup/                gz.callbacks.BackupAndRestore state while training (removed at the end)
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import keras

from keras_genzoo import callbacks as gz_callbacks
from keras_genzoo import data, distribute, models
from keras_genzoo.callbacks.base import is_chief
from keras_genzoo.runs.config import prepare_directory, seed_everything
from keras_genzoo.runs.evaluation import evaluate, evaluator_for
from keras_genzoo.runs.report import plot_history, write_report
from keras_genzoo.utils import atomic_write, image_grid, is_terminal, save_image, save_model


class TimeBudget(keras.callbacks.Callback):
    """Stops `fit` after the step during which `seconds` of training have passed."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = float(seconds)
        self.start = None
        self.stopped_at = None

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if time.perf_counter() - self.start > self.seconds and not self.model.stop_training:
            self.model.stop_training = True
            self.stopped_at = batch


class TrainingDiverged(FloatingPointError):
    """Training stopped because a loss or a weight became NaN or Inf; the message names the
    network and where the last good state was kept."""


#: Steps between backups in `train`: a backup costs a few training steps' worth of CPU, so this
#: keeps its share of the training time small, and an interrupted run redoes at most this many
#: steps (identically).
BACKUP_EVERY = 100


def build_model(config):
    """The run's model, built from the family registry with the run's recipe (and compiled)."""
    kwargs = config.model_kwargs()
    return models.registry.create(config.model, kwargs.pop("image_shape"), recipe=config.recipe, **kwargs)


def fit_progress(verbose):
    """`(verbose for fit, extra callbacks)`: Keras' progress bar on a terminal; when stdout is
    a pipe or a file, or `verbose=2`, plain lines from `gz.callbacks.PlainProgress` instead
    (one per epoch, and one every 30 s within long epochs); nothing for `verbose=0`."""
    if not verbose:
        return 0, []
    if verbose == 1 and is_terminal():
        return 1, []
    return 0, [gz_callbacks.PlainProgress(interval=30.0)]


def truncate_history(path, epoch):
    """Drops the rows of epochs `>= epoch` from a `CSVLogger` file (they are trained again)."""
    path = Path(path)
    if not path.exists():
        return
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return
    header, body = rows[0], rows[1:]
    column = header.index("epoch") if "epoch" in header else 0
    kept = [r for r in body if r and r[column].isdigit() and int(r[column]) < epoch]
    if len(kept) == len(body):
        return
    with atomic_write(path, "w") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *kept])


def train(config, out, command="", verbose=1, extra_callbacks=(), backup_every=BACKUP_EVERY):
    """Trains (or resumes) a run into `out`; returns the run directory.

    Training data are images in [0, 1] (`gz.data.load`'s default); progress goes to stdout
    as described in `fit_progress` (`verbose=0`: none).

    The training state is backed up every `backup_every` steps and at the end of every epoch
    (`gz.callbacks.BackupAndRestore` in `out/backup`). A run interrupted at any point, even
    killed, continues when started again with the same configuration, exactly as if it had
    not stopped: same batches, same weights, the same epochs in `history.csv`. A directory
    holding a different run is refused.

    Raises:
        TrainingDiverged: a loss or a weight became NaN/Inf; the message names the network.
            The last good state is saved as `out/model.keras` and the backup is kept.
    """
    out = prepare_directory(out, config, command)
    backup_dir = out / "backup"
    resumed = gz_callbacks.BackupAndRestore.latest_record(backup_dir)
    truncate_history(out / "history.csv", resumed["epoch"] if resumed else 0)
    policy = config.dtype_policy()
    previous_policy = keras.config.dtype_policy()
    if policy is not None:
        keras.config.set_dtype_policy(policy)
    try:
        seed_everything(config)
        strategy = distribute.get_strategy(config.strategy)
        info = data.info(config.dataset)
        # Images in [0, 1], the range every model's fit takes (each maps them to its own range).
        train_ds = data.load(
            config.dataset, split=config.train_split, batch_size=config.resolved_batch_size(),
            seed=config.seed, drop_remainder=True, with_labels=models.registry.get(config.model).conditional,
        )
        if config.steps_per_epoch:
            train_ds = train_ds.repeat()
        with strategy.scope():
            model = build_model(config)
        evaluator = evaluator_for(config.dataset)
        # First, so that a divergence found at an epoch's end stops the run before other callbacks use the model.
        health = gz_callbacks.TrainingHealth(check_weights_every=backup_every, raise_error=True)
        cbs = [health, gz_callbacks.SampleGrid(out / "samples", num_samples=64, seed=config.seed)]
        if evaluator and config.fid_every > 0:
            real = data.load(config.dataset, split="test", batch_size=500, shuffle=False)
            cbs.append(gz_callbacks.FIDCallback(real, every_n_epochs=config.fid_every, num_samples=config.eval_samples,
                                                extractor=evaluator, seed=config.seed, fill_value=float("nan")))
        chief = is_chief(strategy)  # on a multi-worker job only the chief writes files
        if chief:
            cbs.append(keras.callbacks.CSVLogger(str(out / "history.csv"), append=True))
        cbs += list(extra_callbacks)
        if config.max_train_seconds:
            cbs.append(TimeBudget(config.max_train_seconds))
        # Last, so that an epoch's end (its history row, sample grid) is backed up once done.
        backup = gz_callbacks.BackupAndRestore(backup_dir, save_freq=backup_every, delete_checkpoint=True)
        cbs.append(backup)
        fit_verbose, progress = fit_progress(verbose)
        start = time.perf_counter()
        try:
            model.fit(train_ds, epochs=config.epochs, steps_per_epoch=config.steps_per_epoch, verbose=fit_verbose,
                      callbacks=cbs + progress)
        except FloatingPointError as e:
            keep_last_good(model, backup, out, str(e), chief)
        if backup.diverged:
            keep_last_good(model, backup, out, health.message or backup.diverged, chief)
        seconds = time.perf_counter() - start
        if chief:
            save_model(model, out / "model.keras")  # atomic: a kill mid-save leaves no half-written file
            finish(model, config, out, info, seconds, verbose=verbose)
    finally:
        keras.config.set_dtype_policy(previous_policy)
    return out


def keep_last_good(model, backup, out, message, chief=True):
    """After a divergence: loads the last finite backup into `model`, saves it as
    `out/model.keras` and raises `TrainingDiverged`."""
    record = backup.latest_record(backup.backup_dir)
    if record is None:
        raise TrainingDiverged(f"{message} No finite backup was written before it; {out / 'model.keras'} not written.")
    model.load_weights(str(Path(backup.backup_dir) / record["weights"]))
    where = f"epoch {record['epoch'] + 1}, step {record['step']}" if record["step"] else f"the end of epoch {record['epoch']}"
    if chief:
        save_model(model, out / "model.keras")
    raise TrainingDiverged(
        f"{message} The last good state ({where}) is saved in {out / 'model.keras'}, and its backup is kept in "
        f"{backup.backup_dir}."
    )


def finish(model, config, out, info, seconds, verbose=1):
    """Writes curves, interpolation, metrics and the report of a trained run."""
    plot_history(out / "history.csv", out / "loss_curves.png")
    grid, images = gz_callbacks.interpolation_grid(model, num_pairs=8, steps=10, seed=config.seed)
    save_image(grid, out / "interpolation.png")
    frames = [image_grid(images[:, s], rows=1) for s in range(images.shape[1])]
    save_image(frames + frames[::-1][1:-1], out / "interpolation.gif")
    result = evaluate(model, config.dataset, ("fid", "is", "coverage"), config.eval_samples, seed=config.seed,
                      verbose=bool(verbose))
    result["train_seconds"] = round(seconds, 1)
    with atomic_write(out / "metrics.json", "w") as f:
        f.write(json.dumps(result, indent=2) + "\n")
    write_report(out)
