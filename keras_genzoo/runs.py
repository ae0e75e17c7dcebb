"""Training runs that leave a self-describing directory behind: what `genzoo train` and
`genzoo demo` do, usable from Python too.

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

import base64
import csv
import dataclasses
import html
import json
import time
import zipfile
import zlib
from pathlib import Path

import keras
import numpy as np

from keras_genzoo import callbacks as gz_callbacks
from keras_genzoo.callbacks.base import is_chief
from keras_genzoo import data, distribute, metrics, models
from keras_genzoo.metrics import classifiers
from keras_genzoo.utils import atomic_write, image_grid, is_terminal, remove_stale_temporaries, save_image, save_model

# The family registry is the one list of families (CLI choices, configs, docs, tests).
MODELS = {name: family.cls for name, family in models.registry.FAMILIES.items()}
PAPERS = {name: family.paper for name, family in models.registry.FAMILIES.items()}
PRECISIONS = {"none": None, "float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}


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


class RunError(Exception):
    """A run that cannot start or continue, with a message for the user."""


class TrainingDiverged(FloatingPointError):
    """Training stopped because a loss or a weight became NaN or Inf; the message names the
    network and where the last good state was kept."""


#: Steps between backups in `train`. A backup of the DCGAN fast recipe (0.93 M weights, 7.6 MB
#: with both optimizers' slots) costs about 70 ms of CPU against 26 ms for one training step on
#: 2 cores; every 100 steps that is under 3% of the training time, and an interrupted run
#: redoes at most 100 steps (identically).
BACKUP_EVERY = 100


@dataclasses.dataclass
class RunConfig:
    """Everything that defines a training run (written to `config.json`)."""

    model: str = "dcgan"
    recipe: str = "paper"
    dataset: str = "fashion_mnist"
    epochs: int = 5
    batch_size: int | None = None
    latent_dim: int | None = None
    seed: int = 0
    strategy: str = "auto"
    mixed_precision: str = "none"
    fid_every: int = 1
    steps_per_epoch: int | None = None
    base_filters: int | None = None
    eval_samples: int = 1000
    train_split: str = "train"
    max_train_seconds: float | None = None

    def __post_init__(self):
        if self.model not in MODELS:
            raise RunError(f"unknown model {self.model!r}; choose one of: {', '.join(MODELS)}.")
        if self.dataset not in data.names():
            raise RunError(f"unknown dataset {self.dataset!r}; choose one of: {', '.join(data.names())}.")

    def identity(self):
        """The fields that must match to resume a run (epochs may grow)."""
        d = dataclasses.asdict(self)
        d.pop("epochs")
        return d

    def model_kwargs(self):
        info = data.info(self.dataset)
        kwargs = {"image_shape": info.image_shape, "seed": self.seed}
        family = models.registry.get(self.model)
        kwargs.update(family.recipe(self.recipe).model_kwargs)
        if self.latent_dim or "latent_dim" not in kwargs:
            kwargs["latent_dim"] = self.latent_dim or family.default_latent_dim
        if self.base_filters is not None and self.model != "gan":
            kwargs["base_filters"] = self.base_filters
        if family.conditional:
            if not info.num_classes:
                raise RunError(f"{self.model} is conditional, but dataset {self.dataset!r} has no class labels.")
            kwargs["num_classes"] = info.num_classes
        return kwargs

    def resolved_batch_size(self):
        family = models.registry.get(self.model)
        return self.batch_size or family.recipe(self.recipe).batch_size or family.batch_size


def evaluator_for(dataset):
    """The shipped evaluator of `dataset`, or None."""
    return dataset if dataset in classifiers.EVALUATORS else None


def prepare_directory(out, config, command):
    """Creates or re-opens a run directory; refuses one that holds a different run."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise RunError(f"--out {out} is not writable: {e.strerror or e}.") from e
    for folder in (out, out / "samples"):
        remove_stale_temporaries(folder)  # left by a process killed while writing a file
    path = out / "config.json"
    if path.exists():
        try:
            previous = json.loads(path.read_text())["config"]
        except (ValueError, KeyError) as e:
            raise RunError(f"--out {out} holds a config.json that is not a genzoo run ({e}).") from e
        old = RunConfig(**previous).identity()
        if old != config.identity():
            diff = {k: (old.get(k), v) for k, v in config.identity().items() if old.get(k) != v}
            raise RunError(
                f"--out {out} holds a different run (differs in {', '.join(f'{k}: {a!r} -> {b!r}' for k, (a, b) in diff.items())}); "
                "choose another --out."
            )
        if (out / "metrics.json").exists():  # written last, by a run that finished
            raise RunError(
                f"--out {out} holds a finished run (model.keras, metrics.json); training it again or for more "
                "epochs would mix two runs in one directory: choose another --out, or continue in Python "
                "with keras.models.load_model(.../model.keras).fit(...)."
            )
    elif any(p for p in out.iterdir() if not p.name.startswith(".")):
        raise RunError(f"--out {out} is not empty and holds no genzoo run; choose an empty or new directory.")
    with atomic_write(path, "w") as f:
        f.write(json.dumps({"config": dataclasses.asdict(config), "command": command}, indent=2) + "\n")
    return out


def build_model(config):
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
    policy = PRECISIONS[config.mixed_precision]
    previous_policy = keras.config.dtype_policy()
    if policy is not None:
        keras.config.set_dtype_policy(policy)
    try:
        keras.utils.set_random_seed(config.seed)
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
    if callable(getattr(model, "sample_latent", None)):
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


METRIC_NAMES = ("fid", "is", "kid", "precision_recall", "coverage")


def evaluate(model, dataset, names, num_samples, seed=0, verbose=False):
    """Runs the named metrics with the dataset's evaluator; returns a JSON-ready dict."""
    unknown = [n for n in names if n not in METRIC_NAMES]
    if unknown:
        raise RunError(f"unknown metrics {unknown}; choose from {', '.join(METRIC_NAMES)}.")
    evaluator = evaluator_for(dataset)
    if evaluator is None:
        return {"note": f"no shipped evaluator for {dataset!r}: metrics not measured", "metrics": {}}
    real = data.load(dataset, split="test", batch_size=500, shuffle=False)
    split = f"{dataset}:test"
    out = {}
    kw = dict(n=num_samples, seed=seed, verbose=verbose)
    for name in names:
        if name == "fid":
            r = metrics.frechet_distance(real, model, extractor=evaluator, reference_split=split, **kw)
        elif name == "is":
            r = metrics.inception_score(model, classifier=evaluator, splits=10, **kw)
        elif name == "kid":
            r = metrics.kernel_inception_distance(real, model, extractor=evaluator,
                                                  subset_size=min(1000, num_samples), **kw)
        elif name == "precision_recall":
            r = metrics.precision_recall(real, model, extractor=evaluator, **kw)
        else:
            r = metrics.mode_coverage(model, classifier=evaluator, **kw)
        out[name] = r.to_dict()
    if getattr(model, "num_classes", None) is not None:
        # Conditional models: does each sample show the class it was asked for, and how close
        # is each class's distribution to the real class's (intra-class FD)?
        out["conditional_accuracy"] = metrics.conditional_accuracy(
            model, classifier=evaluator, n=num_samples, seed=seed).to_dict()
        labelled = data.load(dataset, split="test", batch_size=500, shuffle=False, with_labels=True)
        out["intra_class_fd"] = metrics.intra_class_frechet_distance(
            labelled, fake=model, extractor=evaluator, n_per_class=max(10, num_samples // model.num_classes),
            seed=seed, reference_split=split).to_dict()
    return {"dataset": dataset, "evaluator": evaluator, "metrics": out}


def plot_history(csv_path, png_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return
    def number(text):
        try:
            return float(text)
        except (TypeError, ValueError):  # CSVLogger writes "NA" for absent values (e.g. val_* without validation)
            return float("nan")

    epochs = [int(r["epoch"]) + 1 for r in rows]
    columns = {k: [number(r[k]) for r in rows] for k in rows[0] if k != "epoch"}
    columns = {k: v for k, v in columns.items() if not all(np.isnan(v))}
    if not columns:
        return
    fig, axes = plt.subplots(1, len(columns), figsize=(3 * len(columns), 2.6), squeeze=False)
    for ax, (key, values) in zip(axes[0], columns.items()):
        ax.plot(epochs, values, marker="o")
        ax.set_title(key)
        ax.set_xlabel("epoch")
    fig.tight_layout()
    with atomic_write(png_path) as f:
        fig.savefig(f, format="png", dpi=90)
    plt.close(fig)


def _embed(path):
    path = Path(path)
    if not path.exists():
        return ""
    kind = "gif" if path.suffix == ".gif" else "png"
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.name)}" src="data:image/{kind};base64,{encoded}">'


def write_report(out):
    """`report.html`: one self-contained page (images embedded) with the run's results."""
    out = Path(out)
    config = json.loads((out / "config.json").read_text())
    result = json.loads((out / "metrics.json").read_text()) if (out / "metrics.json").exists() else {}
    grids = sorted((out / "samples").glob("epoch_*.png"))
    rows = []
    for name, r in result.get("metrics", {}).items():
        value = f"{r['value']:.4g}" + ("" if r.get("std") is None else f" ± {r['std']:.2g}")
        p = r["protocol"]
        protocol = f"{p.get('extractor')} · n_real={p.get('n_real', '–')} · n_fake={p.get('n_fake')} · seed={p.get('seed')}"
        rows.append(f"<tr><td>{html.escape(r['metric'])}</td><td>{value}</td><td>{html.escape(protocol)}</td></tr>")
    note = result.get("note", "")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>genzoo run: {html.escape(config['config']['model'])}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}img{{max-width:100%;image-rendering:pixelated}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}code{{background:#f3f3f3;padding:2px 4px}}</style>
</head><body>
<h1>genzoo run: {html.escape(config['config']['model'])} on {html.escape(config['config']['dataset'])}</h1>
<p>Command: <code>{html.escape(config.get('command', ''))}</code></p>
<p>Training time: {result.get('train_seconds', '–')} s</p>
<h2>Metrics</h2>
<table><tr><th>metric</th><th>value</th><th>protocol</th></tr>{''.join(rows)}</table>
<p>{html.escape(note)}</p>
<h2>Loss curves</h2>{_embed(out / 'loss_curves.png')}
<h2>Samples (last epoch: {html.escape(grids[-1].name if grids else '–')})</h2>{_embed(grids[-1]) if grids else ''}
<h2>Latent interpolation</h2>{_embed(out / 'interpolation.png')}
<h2>Configuration</h2><pre>{html.escape(json.dumps(config['config'], indent=2))}</pre>
</body></html>
"""
    with atomic_write(out / "report.html", "w") as f:
        f.write(page)
    return out / "report.html"


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


def sample_grid(model, n, seed, out, labels=None):
    images = model.generate(n, seed=seed, labels=labels) if labels is not None else model.generate(n, seed=seed)
    cols = int(np.ceil(np.sqrt(n)))
    return save_image(image_grid(images, cols=cols), out)
