"""The `genzoo` command: train, sample, interpolate and evaluate from the shell.

Usage errors (bad arguments, an unusable --out) exit with code 2 and a one-line message
naming the argument; other failures exit with 1. A traceback is shown only with --debug.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

import click

from keras_genzoo.version import __version__

# Datasets and models are listed statically so that `--help` and argument errors stay fast
# (no TensorFlow import); tests check these lists against the package's own.
DATASETS = ("celeb_a", "cifar10", "digits", "fashion_mnist", "mnist")
MODEL_NAMES = ("autoencoder", "vae", "gan", "dcgan", "wgan", "wgangp")
STRATEGIES = ("auto", "default", "one_device", "mirrored", "multi_worker", "tpu")
PRECISIONS = ("none", "float16", "bfloat16")
POSITIVE = click.IntRange(min=1)


class _GenzooGroup(click.Group):
    """Maps errors to exit codes: usage problems 2, failures 1 (traceback only with --debug)."""

    def invoke(self, ctx):
        from keras_genzoo import runs

        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except runs.RunError as e:
            raise click.UsageError(str(e), ctx) from e
        except Exception as e:  # noqa: BLE001 - the command line reports any failure in one line
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {type(e).__name__}: {e}", err=True)
            ctx.exit(1)


def _command_line():
    return "genzoo " + " ".join(shlex.quote(a) for a in sys.argv[1:])


@click.group(cls=_GenzooGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="genzoo")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def main(ctx, debug):
    """keras-genzoo: train, sample and evaluate deep generative models."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@main.command()
def datasets():
    """List the named datasets, their shapes and which source each would load from here."""
    from keras_genzoo import data

    rows = [("name", "shape", "classes", "examples", "source here")]
    for name in data.names():
        info = data.info(name)
        rows.append(
            (
                name,
                "x".join(map(str, info.image_shape)),
                str(info.num_classes or "-"),
                ", ".join(f"{k} {v}" for k, v in info.num_examples.items()),
                info.source or "not available offline (needs a tfds download)",
            )
        )
    _table(rows)


@main.command()
def models():
    """List the model families with their default hyper-parameters and their paper."""
    from keras_genzoo import runs

    rows = [("model", "batch", "n_critic", "optimizers", "paper")]
    for name, cls in runs.MODELS.items():
        shape = (16, 16, 1)
        model = cls(image_shape=shape, latent_dim=2)
        model.compile()
        if hasattr(model, "d_optimizer"):
            opts = f"{_describe(model.d_optimizer)} (D), {_describe(model.g_optimizer)} (G)"
            n_critic = str(model.n_critic)
        else:
            opts, n_critic = _describe(model.optimizer), "-"
        extra = []
        for attr in ("clip_value", "gp_weight", "beta"):
            if hasattr(model, attr):
                extra.append(f"{attr}={getattr(model, attr)}")
        rows.append((name, str(cls.default_batch_size), n_critic, opts + (", " + ", ".join(extra) if extra else ""),
                     runs.PAPERS[name]))
    _table(rows)


def _describe(optimizer):
    config = optimizer.get_config()
    parts = [f"lr={float(config['learning_rate']):g}"]
    for key in ("beta_1", "beta_2", "rho"):
        if key in config:
            parts.append(f"{key}={config[key]:g}")
    return f"{type(optimizer).__name__}({', '.join(parts)})"


def _table(rows):
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])


@main.command()
@click.argument("model", type=click.Choice(MODEL_NAMES, case_sensitive=False))
@click.option("--dataset", type=click.Choice(DATASETS), default="fashion_mnist", show_default=True)
@click.option("--epochs", type=POSITIVE, default=5, show_default=True)
@click.option("--steps-per-epoch", type=POSITIVE, default=None, help="Default: one pass over the data.")
@click.option("--batch-size", type=POSITIVE, default=None, help="Default: the model's paper default.")
@click.option("--latent-dim", type=POSITIVE, default=None, help="Default: 2 for AE/VAE, 128 for GANs.")
@click.option("--base-filters", type=POSITIVE, default=None, help="Width of the conv networks.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--strategy", type=click.Choice(STRATEGIES), default="auto", show_default=True)
@click.option("--mixed-precision", type=click.Choice(PRECISIONS), default="none", show_default=True)
@click.option("--fid-every", type=click.IntRange(min=0), default=1, show_default=True,
              help="Measure FID every K epochs during training (0: never).")
@click.option("--eval-samples", type=click.IntRange(min=10), default=1000, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Run directory.")
def train(model, out, **options):
    """Train MODEL and write a run directory (resumes an interrupted run in the same --out)."""
    from keras_genzoo import runs

    config = runs.RunConfig(model=model.lower(), **options)
    run = runs.train(config, out, command=_command_line())
    click.echo(f"Run written to {run}; report: {run / 'report.html'}")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/demo"), show_default=True)
@click.option("--epochs", type=POSITIVE, default=None, help="Default: the demo's budget (under 5 minutes on 2 cores).")
def demo(out, epochs):
    """The README's main job: train a small DCGAN on an embedded dataset and write a report."""
    from keras_genzoo import data, runs

    dataset = "fashion_mnist" if data.info("fashion_mnist").source else "digits"
    source = data.info(dataset).source
    # Budgets measured on 2 CPU cores: 3 epochs of full-width DCGAN (1,404 steps at batch 128)
    # give recognisable clothes in about 3 minutes; half-width networks at 450 steps did not.
    if dataset == "fashion_mnist":
        config = runs.RunConfig(model="dcgan", dataset=dataset, epochs=epochs or 3, fid_every=3, eval_samples=2000)
    else:
        config = runs.RunConfig(model="dcgan", dataset=dataset, epochs=epochs or 40, latent_dim=32, batch_size=64,
                                fid_every=10, eval_samples=1000)
    click.echo(f"genzoo demo: DCGAN on {dataset} ({source}), {config.epochs} epochs -> {out}")
    run = runs.train(config, out, command=_command_line())
    result = json.loads((run / "metrics.json").read_text())
    for name, r in result.get("metrics", {}).items():
        click.echo(f"  {r['metric']}: {r['value']:.4g}")
    click.echo(f"Report: {run / 'report.html'}")


@main.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("-n", "num", type=POSITIVE, default=64, show_default=True, help="Number of samples.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--labels", type=str, default=None, help="Comma-separated class labels (conditional models).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("grid.png"), show_default=True)
def sample(source, num, seed, labels, out):
    """Save a grid of samples from SOURCE (a .keras file or a run directory)."""
    from keras_genzoo import runs

    model = runs.load_source(source)
    if labels is not None:
        raise click.BadParameter(f"{type(model).__name__} is not a conditional model; it takes no labels.",
                                 param_hint="--labels")
    click.echo(f"Wrote {runs.sample_grid(model, num, seed, out)}")


@main.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--pairs", type=POSITIVE, default=8, show_default=True)
@click.option("--steps", type=click.IntRange(min=2), default=10, show_default=True)
@click.option("--method", type=click.Choice(["slerp", "lerp"]), default="slerp", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("interpolation.png"),
              show_default=True)
def interpolate(source, pairs, steps, method, seed, out):
    """Save a latent-interpolation grid from SOURCE (a .keras file or a run directory)."""
    from keras_genzoo import callbacks, runs
    from keras_genzoo.utils import save_image

    model = runs.load_source(source)
    grid, _ = callbacks.interpolation_grid(model, num_pairs=pairs, steps=steps, method=method, seed=seed)
    click.echo(f"Wrote {save_image(grid, out)}")


@main.command(name="eval")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--dataset", type=click.Choice(DATASETS), required=True)
@click.option("--metrics", "metric_names", default="fid,is,coverage", show_default=True,
              help="Comma-separated: fid, is, kid, precision_recall, coverage.")
@click.option("--num-samples", type=click.IntRange(min=10), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Also write JSON here.")
def evaluate(source, dataset, metric_names, num_samples, seed, out):
    """Evaluate SOURCE against DATASET's test split with the shipped evaluator."""
    from keras_genzoo import runs
    from keras_genzoo.utils import atomic_write

    names = tuple(n.strip() for n in metric_names.split(",") if n.strip())
    unknown = [n for n in names if n not in runs.METRIC_NAMES]
    if not names or unknown:
        raise click.BadParameter(f"unknown metrics {unknown or names}; choose from {', '.join(runs.METRIC_NAMES)}.",
                                 param_hint="--metrics")
    model = runs.load_source(source)
    result = runs.evaluate(model, dataset, names, num_samples, seed=seed, verbose=True)
    if not result["metrics"]:
        click.echo(result["note"])
    rows = [("metric", "value", "protocol")]
    for r in result["metrics"].values():
        value = f"{r['value']:.4g}" + ("" if r["std"] is None else f" ± {r['std']:.2g}")
        p = r["protocol"]
        rows.append((r["metric"], value, f"{p['extractor']}, n_real={p.get('n_real', '-')}, n_fake={p.get('n_fake')}"))
    _table(rows)
    if out is not None:
        with atomic_write(out, "w") as f:
            f.write(json.dumps(result, indent=2) + "\n")
        click.echo(f"Wrote {out}")


# ============================================================================ genzoo zoo ...
# The pretrained zoo (keras_genzoo/zoo). This block is owned by the zoo; other commands live above.


def _zoo_name(ctx, param, value):
    """Checks NAME against the registry: an unknown name is a usage error (exit 2) listing the choices."""
    from keras_genzoo.zoo import hub

    names = hub.available()
    if value not in names:
        raise click.BadParameter(f"unknown zoo entry {value!r}; choose from: {', '.join(names) or '(none)'}.",
                                 ctx=ctx, param=param)
    return value


def _format_metric(m):
    if not isinstance(m, dict) or m.get("value") is None:
        return "-"
    value = f"{m['value']:.4g}"
    return value + ("" if m.get("std") is None else f" ± {m['std']:.2g}")


@main.group()
def zoo():
    """The pretrained zoo: list, show, sample from and evaluate its entries."""


@zoo.command(name="list")
def zoo_list():
    """List the entries with their headline numbers (from the registry; nothing is loaded)."""
    from keras_genzoo.zoo import hub

    rows = [("name", "family", "dataset", "FD", "classes", "size", "origin")]
    for name, record in hub.read_registry()["entries"].items():
        summary = record.get("summary", {})
        size = sum(f["bytes"] for f in record["files"].values())
        fd = summary.get("fd")
        rows.append((name, str(record.get("family")), str(record.get("dataset")),
                     "-" if fd is None else f"{fd:.4g}", str(summary.get("classes_covered", "-")),
                     f"{size / 1e6:.2f} MB", record.get("origin", "local")))
    _table(rows)


@zoo.command(name="show")
@click.argument("name", callback=_zoo_name)
@click.option("--json", "as_json", is_flag=True, help="Print the whole card as JSON.")
def zoo_show(name, as_json):
    """Print the card of NAME: data, model, training command and measured metrics."""
    from keras_genzoo import zoo as gz_zoo

    card = gz_zoo.card(name)
    if as_json:
        click.echo(json.dumps(card, indent=2))
        return
    training = card.get("training", {})
    click.echo(f"{name}: {card.get('class')} ({card.get('family')}) on {card.get('dataset')} "
               f"[{card.get('split')}]")
    click.echo(f"  parameters: {card.get('parameters', {}).get('total')}   files: "
               + ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in card.get("file_bytes", {}).items()))
    click.echo(f"  reproduce: {training.get('command')}")
    click.echo(f"  trained: {training.get('steps')} steps, {training.get('wall_clock_seconds')} s wall-clock")
    rows = [("metric", "value", "protocol")]
    for key, m in card.get("metrics", {}).items():
        p = m.get("protocol", {})
        rows.append((m.get("metric", key), _format_metric(m),
                     ", ".join(f"{k}={p[k]}" for k in ("extractor", "n_real", "n_fake", "n", "split", "seed") if k in p)))
    _table(rows)
    for note in card.get("notes", []):
        click.echo(f"  note: {note}")


@zoo.command(name="sample")
@click.argument("name", callback=_zoo_name)
@click.option("-n", "num", type=POSITIVE, default=64, show_default=True, help="Number of samples.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--labels", type=str, default=None, help="Comma-separated class labels (conditional entries).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("grid.png"), show_default=True)
def zoo_sample(name, num, seed, labels, out):
    """Save a grid of NUM samples of zoo entry NAME."""
    import numpy as np

    from keras_genzoo import zoo as gz_zoo
    from keras_genzoo.utils import image_grid, save_image

    model = gz_zoo.load(name)
    kwargs = {}
    num_classes = getattr(model, "num_classes", None)
    if labels is not None:
        if not num_classes:
            raise click.BadParameter(f"{name} is not a conditional model; it takes no labels.", param_hint="--labels")
        try:
            values = [int(v) for v in labels.split(",") if v.strip()]
        except ValueError:
            raise click.BadParameter(f"expected comma-separated integers, got {labels!r}.", param_hint="--labels")
        if not values or any(not 0 <= v < num_classes for v in values):
            raise click.BadParameter(f"labels must lie in 0..{num_classes - 1}, got {labels!r}.", param_hint="--labels")
        kwargs["labels"] = np.resize(np.asarray(values), num)
    elif num_classes:
        kwargs["labels"] = np.arange(num) % num_classes
    images = model.generate(num, seed=seed, **kwargs)
    cols = int(np.ceil(np.sqrt(num)))
    click.echo(f"Wrote {save_image(image_grid(images, cols=cols), out)}")


@zoo.command(name="eval")
@click.argument("name", callback=_zoo_name)
@click.option("--num-samples", type=click.IntRange(min=100), default=10000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Also write JSON here.")
def zoo_eval(name, num_samples, seed, out):
    """Re-measure NAME's metrics (the card's protocol) and print them next to the card's."""
    from keras_genzoo import zoo as gz_zoo
    from keras_genzoo.utils import atomic_write
    from keras_genzoo.zoo import cards

    card = gz_zoo.card(name)
    model = gz_zoo.load(name)
    measured, notes = cards.sample_metrics(model, card["dataset"], card["family"], n=num_samples, seed=seed)
    measured.update(cards.objective_metrics(model, card["dataset"], card["family"]))
    rows = [("metric", "measured now", "card", "protocol")]
    for key, m in measured.items():
        p = m["protocol"]
        rows.append((m["metric"], _format_metric(m), _format_metric(card.get("metrics", {}).get(key)),
                     ", ".join(f"{k}={p[k]}" for k in ("extractor", "n_real", "n_fake", "n", "seed") if k in p)))
    _table(rows)
    for note in notes:
        click.echo(f"note: {note}")
    if out is not None:
        with atomic_write(out, "w") as f:
            f.write(json.dumps({"name": name, "metrics": measured, "notes": notes}, indent=2) + "\n")
        click.echo(f"Wrote {out}")


@zoo.command(name="export")
@click.argument("name", callback=_zoo_name)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="SavedModel directory.")
def zoo_export(name, out):
    """Write NAME's generator/decoder as a TensorFlow SavedModel: serve(noise[, labels]) -> images in [0, 1]."""
    from keras_genzoo import zoo as gz_zoo

    click.echo(f"Wrote {gz_zoo.export(name, out)}")
# ============================================================================ end of genzoo zoo


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
