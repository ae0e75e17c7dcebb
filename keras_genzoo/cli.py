"""The `genzoo` command: train, sample, interpolate and evaluate from the shell.

Usage errors (bad arguments, unknown model or dataset names, an unusable --out) exit with
code 2 and a one-line message naming the argument and the choices; other failures exit
with 1. A traceback is shown only with --debug.

Output for machines: when stdout is not a terminal, progress is printed as plain lines
(no carriage returns or colour codes). Every command takes `--quiet` (no progress and no
messages; listings and tables are still printed) and `--json` (stdout holds exactly one
JSON document; progress, if any, goes to stderr).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shlex
import sys
from pathlib import Path

import click

from keras_genzoo.version import __version__

from keras_genzoo.models import registry
from keras_genzoo.runs.config import PRECISIONS

# Datasets are listed statically (tests check the list against the package's own); model
# families come from the family registry.
DATASETS = ("celeb_a", "cifar10", "digits", "fashion_mnist", "mnist")
MODEL_NAMES = registry.names()
RECIPES = tuple(sorted({r for family in registry.FAMILIES.values() for r in family.recipes}))
STRATEGIES = ("auto", "default", "one_device", "mirrored", "multi_worker", "tpu")
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


class Output:
    """Where a command's words go under `--quiet` / `--json`."""

    def __init__(self, quiet, as_json):
        self.quiet, self.as_json = quiet, as_json

    @property
    def verbose(self):
        """The `verbose` for training and metrics: 0 under --quiet, else 1 (plain lines off a terminal)."""
        return 0 if self.quiet else 1

    def say(self, message):
        """A human message: on stdout, unless --quiet or --json."""
        if not (self.quiet or self.as_json):
            click.echo(message)

    def table(self, rows):
        """A table: on stdout unless --json."""
        if not self.as_json:
            _table(rows)

    @contextlib.contextmanager
    def work(self):
        """Runs the command's work; under --json anything printed to stdout goes to stderr."""
        if self.as_json:
            with contextlib.redirect_stdout(sys.stderr):
                yield
        else:
            yield

    def result(self, payload):
        """Under --json, prints `payload` as one JSON document on stdout."""
        if self.as_json:
            click.echo(json.dumps(payload, indent=2, default=str))


def output_options(command):
    """Adds --quiet and --json to a command, which then receives an `output: Output` argument."""

    @click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document on stdout.")
    @click.option("--quiet", "-q", is_flag=True, help="No progress and no messages (listings and tables still print).")
    @functools.wraps(command)
    def wrapper(*args, quiet, as_json, **kwargs):
        return command(*args, output=Output(quiet, as_json), **kwargs)

    return wrapper


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
@output_options
def datasets(output):
    """List the named datasets, their shapes and which source each would load from here."""
    from keras_genzoo import data

    rows = [("name", "shape", "classes", "examples", "source here")]
    records = []
    for name in data.names():
        info = data.info(name)
        records.append({"name": name, "image_shape": list(info.image_shape), "num_classes": info.num_classes,
                        "class_names": list(info.class_names), "num_examples": info.num_examples,
                        "source": info.source, "description": info.description})
        rows.append(
            (
                name,
                "x".join(map(str, info.image_shape)),
                str(info.num_classes or "-"),
                ", ".join(f"{k} {v}" for k, v in info.num_examples.items()),
                info.source or "not available offline (needs a tfds download)",
            )
        )
    output.table(rows)
    output.result({"datasets": records})


@main.command()
@output_options
def models(output):
    """List the model families with their default hyper-parameters and their paper."""

    rows = [("model", "batch", "n_critic", "optimizers", "recipes", "paper")]
    records = []
    for name, family in registry.FAMILIES.items():
        model = registry.create(name, (16, 16, 1))  # each family's default latent size
        options = type(model).options()
        optimizers = {attr: _describe(opt) for attr, opt in model.optimizers().items()}
        roles = model.optimizer_roles()
        if len(roles) == 1:
            opts = optimizers[next(iter(roles.values()))]
        else:  # e.g. "Adam(...) (D), Adam(...) (G)"
            opts = ", ".join(f"{optimizers[attr]} ({role[0].upper()})" for role, attr in roles.items())
        n_critic = str(model.n_critic) if "n_critic" in options else "-"
        extra, settings = [], {}
        for attr in ("clip_value", "gp_weight", "beta"):
            if attr in options:
                extra.append(f"{attr}={getattr(model, attr)}")
                settings[attr] = float(getattr(model, attr))
        rows.append((name, str(family.batch_size), n_critic, opts + (", " + ", ".join(extra) if extra else ""),
                     ",".join(family.recipes), family.paper))
        records.append({"model": name, "default_batch_size": family.batch_size,
                        "n_critic": None if n_critic == "-" else int(n_critic), "optimizers": optimizers,
                        **settings, "recipes": list(family.recipes), "paper": family.paper})
    output.table(rows)
    output.result({"models": records})


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
@click.argument("model", metavar="MODEL", type=click.Choice(MODEL_NAMES, case_sensitive=False))
@click.option("--recipe", type=click.Choice(RECIPES), default="paper", show_default=True,
              help="Hyper-parameter set from the family registry (genzoo models lists each family's).")
@click.option("--dataset", type=click.Choice(DATASETS), default="fashion_mnist", show_default=True)
@click.option("--epochs", type=POSITIVE, default=5, show_default=True)
@click.option("--steps-per-epoch", type=POSITIVE, default=None, help="Default: one pass over the data.")
@click.option("--batch-size", type=POSITIVE, default=None, help="Default: the model's paper default.")
@click.option("--latent-dim", type=POSITIVE, default=None, help="Default: 2 for AE/VAE, 128 for GANs.")
@click.option("--base-filters", type=POSITIVE, default=None, help="Width of the conv networks.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--strategy", type=click.Choice(STRATEGIES), default="auto", show_default=True)
@click.option("--mixed-precision", type=click.Choice(tuple(PRECISIONS)), default="none", show_default=True)
@click.option("--fid-every", type=click.IntRange(min=0), default=1, show_default=True,
              help="Measure FID every K epochs during training (0: never).")
@click.option("--eval-samples", type=click.IntRange(min=10), default=1000, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Run directory.")
@click.option("--backup-every", type=POSITIVE, default=100, show_default=True,
              help="Back up the training state every N steps (and at every epoch's end); a rerun resumes from it.")
@output_options
def train(model, out, output, backup_every, **options):
    """Train MODEL and write a run directory (resumes an interrupted run in the same --out)."""
    from keras_genzoo import runs

    config = runs.RunConfig(model=model.lower(), **options)
    with output.work():
        run = runs.train(config, out, command=_command_line(), verbose=output.verbose, backup_every=backup_every)
    output.say(f"Run written to {run}; report: {run / 'report.html'}")
    output.result(_run_summary(run))


def _run_summary(run):
    metrics_path = run / "metrics.json"
    result = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    return {"run": str(run), "report": str(run / "report.html"), "model": str(run / "model.keras"),
            "metrics": {name: {"metric": r["metric"], "value": r["value"], "std": r.get("std")}
                        for name, r in result.get("metrics", {}).items()},
            "train_seconds": result.get("train_seconds")}


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/demo"), show_default=True)
@click.option("--epochs", type=POSITIVE, default=None, help="Default: the demo's budget (under 5 minutes on 2 cores).")
@output_options
def demo(out, epochs, output):
    """The README's main job: train a small DCGAN on an embedded dataset and write a report."""
    from keras_genzoo import data, runs

    dataset = "fashion_mnist" if data.info("fashion_mnist").source else "digits"
    source = data.info(dataset).source
    # The registry's demo recipe: the fast DCGAN recipe (docs/benchmarks.md, "Recipes") with the
    # generator's weights averaged. The training-time cap keeps a slower machine within a few
    # minutes end to end; the demo's measured time and quality are in docs/benchmarks.md.
    if dataset == "fashion_mnist":
        config = runs.RunConfig(model="dcgan", recipe="demo", dataset=dataset, epochs=epochs or 5, fid_every=0,
                                eval_samples=2000, max_train_seconds=None if epochs else 180.0)
    else:
        config = runs.RunConfig(model="dcgan", dataset=dataset, epochs=epochs or 40, latent_dim=32, batch_size=64,
                                fid_every=10, eval_samples=1000)
    output.say(f"genzoo demo: DCGAN ({config.recipe} recipe) on {dataset} ({source}), {config.epochs} epochs -> {out}")
    with output.work():
        run = runs.train(config, out, command=_command_line(), verbose=output.verbose)
    summary = _run_summary(run)
    numbers = ", ".join(f"{r['metric']} {r['value']:.4g}" for r in summary["metrics"].values())
    output.say(f"genzoo demo done: {numbers}; trained {summary.get('train_seconds')} s; report {run / 'report.html'}")
    output.result(dict(summary, dataset=dataset, source=source, epochs=config.epochs))


LABELS_HELP = ("Class labels of a conditional model, comma-separated: one for every sample, or one per sample "
               "(default: every class in turn).")


def parse_labels(text, model, n):
    """The `--labels` of `genzoo sample` and `genzoo zoo sample`: comma-separated class indices,
    one for all `n` samples or one per sample, checked by the model (`model.checked_labels`).
    Returns None when `text` is None (a conditional model then cycles through its classes).

    Raises:
        click.BadParameter: `text` is not comma-separated integers, `model` is not conditional,
            or the labels are not one or `n` indices in `[0, model.num_classes)`.
    """
    if text is None:
        return None
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values:
        raise click.BadParameter(f"expected comma-separated integers (one label, or one per sample), got {text!r}.",
                                 param_hint="--labels")
    try:
        return model.checked_labels(values[0] if len(values) == 1 else values, n)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--labels") from None


def sampling_options(command):
    """Adds `--steps`, `--guidance` and `--sampler` (diffusion and flow-matching models) to a command."""
    command = click.option("--sampler", type=str, default=None,
                           help="Diffusion: ddim (default) or ddpm; flow matching: euler (default) or heun.")(command)
    command = click.option("--guidance", type=click.FloatRange(min=0), default=None,
                           help="Classifier-free guidance scale of a conditional diffusion or flow model "
                                "(default: none).")(command)
    return click.option("--steps", type=POSITIVE, default=None,
                        help="Sampling steps of a diffusion or flow-matching model (default: the model's).")(command)


def parse_sampling(model, steps=None, guidance=None, sampler=None):
    """The `generate` keyword arguments of `--steps`, `--guidance` and `--sampler` for `model`.

    Raises:
        click.BadParameter: an option the model's sampling does not take (only diffusion and flow
            matching have steps, guidance and samplers), an unknown sampler, or guidance for a
            model without classes.
    """
    given = {"steps": steps, "guidance": guidance, "sampler": sampler}
    kwargs = {k: v for k, v in given.items() if v is not None}
    samplers = getattr(model, "samplers", None)
    for key in kwargs:
        if samplers is None:
            raise click.BadParameter(f"{type(model).__name__} samples in one pass through its network: it takes no "
                                     f"{key} (diffusion and flow-matching models do).", param_hint=f"--{key}")
    if sampler is not None and sampler not in samplers:
        raise click.BadParameter(f"{type(model).__name__}'s samplers are {', '.join(map(repr, samplers))}; got "
                                 f"{sampler!r}.", param_hint="--sampler")
    if guidance is not None:
        try:
            model.checked_guidance(guidance)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--guidance") from None
    return kwargs


@main.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("-n", "num", type=POSITIVE, default=64, show_default=True, help="Number of samples.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--labels", type=str, default=None, help=LABELS_HELP)
@sampling_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("grid.png"), show_default=True)
@output_options
def sample(source, num, seed, labels, steps, guidance, sampler, out, output):
    """Save a grid of samples from SOURCE (a .keras file or a run directory)."""
    from keras_genzoo import runs

    with output.work():
        model = runs.load_source(source)
        labels = parse_labels(labels, model, num)
        options = parse_sampling(model, steps, guidance, sampler)
        path = runs.sample_grid(model, num, seed, out, labels=labels, **options)
    output.say(f"Wrote {path}")
    output.result({"path": str(path), "n": num, "seed": seed, "model": type(model).__name__, **options})


@main.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--pairs", type=POSITIVE, default=8, show_default=True)
@click.option("--steps", type=click.IntRange(min=2), default=10, show_default=True)
@click.option("--method", type=click.Choice(["slerp", "lerp"]), default="slerp", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("interpolation.png"),
              show_default=True)
@output_options
def interpolate(source, pairs, steps, method, seed, out, output):
    """Save a latent-interpolation grid from SOURCE (a .keras file or a run directory)."""
    from keras_genzoo import callbacks, runs
    from keras_genzoo.utils import save_image

    with output.work():
        model = runs.load_source(source)
        grid, _ = callbacks.interpolation_grid(model, num_pairs=pairs, steps=steps, method=method, seed=seed)
        path = save_image(grid, out)
    output.say(f"Wrote {path}")
    output.result({"path": str(path), "pairs": pairs, "steps": steps, "method": method, "seed": seed})


@main.command(name="eval")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--dataset", type=click.Choice(DATASETS), required=True)
@click.option("--metrics", "metric_names", default="fid,is,coverage", show_default=True,
              help="Comma-separated: fid, is, kid, precision_recall, coverage.")
@click.option("--num-samples", type=click.IntRange(min=10), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Also write JSON here.")
@output_options
def evaluate(source, dataset, metric_names, num_samples, seed, out, output):
    """Evaluate SOURCE against DATASET's test split with the shipped evaluator."""
    from keras_genzoo import runs
    from keras_genzoo.utils import atomic_write

    names = tuple(n.strip() for n in metric_names.split(",") if n.strip())
    unknown = [n for n in names if n not in runs.METRIC_NAMES]
    if not names or unknown:
        raise click.BadParameter(f"unknown metrics {unknown or names}; choose from {', '.join(runs.METRIC_NAMES)}.",
                                 param_hint="--metrics")
    with output.work():
        model = runs.load_source(source)
        result = runs.evaluate(model, dataset, names, num_samples, seed=seed, verbose=bool(output.verbose))
    if not result["metrics"]:
        output.say(result["note"])
    rows = [("metric", "value", "protocol")]
    for r in result["metrics"].values():
        value = f"{r['value']:.4g}" + ("" if r["std"] is None else f" ± {r['std']:.2g}")
        p = r["protocol"]
        rows.append((r["metric"], value, f"{p['extractor']}, n_real={p.get('n_real', '-')}, n_fake={p.get('n_fake')}"))
    output.table(rows)
    if out is not None:
        with atomic_write(out, "w") as f:
            f.write(json.dumps(result, indent=2) + "\n")
        output.say(f"Wrote {out}")
    output.result(result)


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
@click.option("--labels", type=str, default=None, help=LABELS_HELP)
@sampling_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("grid.png"), show_default=True)
def zoo_sample(name, num, seed, labels, steps, guidance, sampler, out):
    """Save a grid of NUM samples of zoo entry NAME."""
    from keras_genzoo import runs
    from keras_genzoo import zoo as gz_zoo

    model = gz_zoo.load(name)
    path = runs.sample_grid(model, num, seed, out, labels=parse_labels(labels, model, num),
                            **parse_sampling(model, steps, guidance, sampler))
    click.echo(f"Wrote {path}")


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
    measured, notes = cards.sample_metrics(model, card["dataset"], n=num_samples, seed=seed)
    measured.update(cards.objective_metrics(model, card["dataset"]))
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
