"""Adds a trained model to the zoo: writes its preset folder, measures its card, updates the registry.

    python scripts/zoo_add.py vae_fashion_mnist runs/vae_fashion_mnist
    python scripts/zoo_add.py NAME model.keras --family vae --dataset fashion_mnist --command "genzoo train ..."

SOURCE is a `genzoo train` run directory (config.json, model.keras, history.csv, metrics.json)
or a `.keras` file (then --family, --dataset and --command say what the run directory would).
Every number on the card is measured here or read from the run's own files; none is typed in:

- sample metrics on --num-samples samples (default 10,000) against as many test images, with
  the dataset's shipped evaluator: Fréchet distance, KID, Inception Score, class coverage
  and the KL divergence of the predicted-class histogram to uniform; conditional accuracy
  and intra-class FD for conditional entries when the package has those metrics;
- the family's test objective: negative ELBO (VAEs), reconstruction loss and MSE (autoencoders);
- the spread of FD over 5 seeds at 1,000 samples, which the zoo tests check re-measurements against;
- parameter counts, file sizes, training steps (the optimizers' iteration counts), wall-clock
  time, the exact command, and the machine.

The training state (optimizer slots) is included when the entry stays within --budget-mb
with it (--training-state auto), always (yes) or never (no).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402

import keras_genzoo as gz  # noqa: E402
from keras_genzoo.utils import atomic_write  # noqa: E402
from keras_genzoo.zoo import cards, hub, publish  # noqa: E402

def read_run(source):
    """`(model path, run config or {}, command, train seconds, last history row)` of a run directory or file."""
    source = Path(source)
    if source.is_dir():
        config = json.loads((source / "config.json").read_text())
        metrics = json.loads((source / "metrics.json").read_text()) if (source / "metrics.json").exists() else {}
        history = []
        if (source / "history.csv").exists():
            with open(source / "history.csv") as f:
                history = list(csv.DictReader(f))
        run = dict(config["config"], **{k: config[k] for k in ("model_kwargs", "learning_rate") if k in config})
        return source / "model.keras", run, config.get("command"), metrics, history
    return source, {}, None, {}, []


def history_summary(history):
    """The run's per-epoch training logs (history.csv without validation columns), four significant
    digits: the card keeps this summary so that loss curves can be drawn from the zoo."""
    columns = [k for k in (history[0] if history else {}) if k != "epoch" and not k.startswith("val_")]
    out = {}
    for k in columns:
        values = [row.get(k, "") for row in history]
        if any(v in ("", "NA", "nan", None) for v in values):
            continue  # logged only on some epochs (e.g. fid): the card's metrics have the final number
        out[k] = [float(f"{float(v):.4g}") for v in values]
    return out


def refresh_history(name, source, registry):
    """Writes the run's per-epoch summary into an existing entry's card and re-registers its hashes
    (no re-measurement)."""
    _, _, _, _, history = read_run(source)
    preset_dir = Path(registry).parent / "presets" / name
    card_path = preset_dir / hub.METADATA_FILE
    card = json.loads(card_path.read_text())
    card["training"]["history"] = history_summary(history)
    with atomic_write(card_path, "w") as f:
        f.write(publish.json_text(card))
    old = hub.read_registry(registry)["entries"][name]
    publish.register(name, preset_dir, registry=registry, origin=old["origin"], summary=old["summary"])
    hub.load(name, registry=registry)
    print(f"{name}: history of {len(history)} epochs, {sorted(card['training']['history'])}")
    return 0


def summary_of(metrics):
    out = {}
    for key, field in (("fd", "fd"), ("kid", "kid"), ("is", "is"), ("test_negative_elbo", "test_negative_elbo"),
                       ("test_reconstruction_loss", "test_reconstruction_loss"),
                       ("conditional_accuracy", "conditional_accuracy"), ("intra_class_fd", "intra_class_fd")):
        if key in metrics:
            out[field] = round(float(metrics[key]["value"]), 6)
    if "coverage" in metrics:
        out["classes_covered"] = int(metrics["coverage"]["value"])
        out["class_kl"] = round(float(metrics["coverage"]["details"]["class_kl"]), 6)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="entry name, <family>_<dataset>")
    parser.add_argument("source", type=Path, help="a genzoo run directory or a .keras file")
    parser.add_argument("--family", default=None)
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--command", default=None, help="the command that reproduces the model (for .keras files)")
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0, help="seed of the measurement samples")
    parser.add_argument("--registry", type=Path, default=hub.REGISTRY_PATH)
    parser.add_argument("--origin", default="local", help="'local' or the https/file/hf URL users fetch from")
    parser.add_argument("--training-state", choices=("auto", "yes", "no"), default="auto")
    parser.add_argument("--history-only", action="store_true",
                        help="only write the run's per-epoch history summary into the existing entry's card")
    parser.add_argument("--budget-mb", type=float, default=4.0, help="size budget per entry (MB, 10^6 bytes)")
    args = parser.parse_args(argv)

    if args.history_only:
        return refresh_history(args.name, args.source, args.registry)
    start = time.process_time()
    model_path, run, command, run_metrics, history = read_run(args.source)
    model = keras.models.load_model(model_path)
    family = args.family or run.get("model") or gz.models.registry.family_of(model)
    dataset = args.dataset or run.get("dataset")
    command = args.command or command
    if not (family and dataset and command):
        parser.error("--family, --dataset and --command are needed when SOURCE is not a run directory.")
    if not args.name.startswith(family + "_"):
        parser.error(f"zoo names are <family>_<dataset>; {args.name!r} does not start with {family + '_'!r}.")
    info = gz.data.info(dataset)
    steps = hub.optimizer_iterations(model)
    averaged = getattr(model, "generator_ema", None) is not None
    ema_decay = getattr(model, "ema_decay", None)
    if averaged:
        # Ship what `generate` samples from: the averaged generator in place of the raw one.
        model = model.averaged_copy()

    print(f"measuring {args.name} on {args.num_samples} samples ...", flush=True)
    sample, notes = cards.sample_metrics(model, dataset, n=args.num_samples, seed=args.seed)
    objective = cards.objective_metrics(model, dataset)
    spread = cards.fd_spread(model, dataset, n=min(1000, args.num_samples)) if "fd" in sample else None
    metrics = {**sample, **objective}
    if averaged:
        notes = notes + [
            f"the generator holds the moving average (decay {ema_decay:g}) "
            "of the trained generator's weights (Yazıcı et al. 2019), which the trained model sampled from; the raw "
            "generator and the optimizers' state are not shipped, so `with_optimizers=True` is not available"]
    model_config = {k: v for k, v in model.get_config().items() if k not in model.sub_model_names}
    card = {
        "name": args.name,
        "family": family,
        "class": type(model).__name__,
        "dataset": dataset,
        "split": f"train ({info.num_examples.get('train')} images)" if info.num_examples.get("train") else "train",
        "image_shape": list(info.image_shape),
        "num_classes": info.num_classes,
        "preprocessing": cards.PREPROCESSING,
        "config": model_config,
        "run_config": run,
        "training": {
            "command": command,
            "steps": max(steps.values()) if steps else None,
            "epochs": len(history) or run.get("epochs"),
            "batch_size": run.get("batch_size") or getattr(type(model), "default_batch_size", None),
            "seed": run.get("seed"),
            "wall_clock_seconds": run_metrics.get("train_seconds"),
            "cpu_seconds": run_metrics.get("cpu_seconds"),
            "wall_clock_note": "measured on a shared 2-core machine while other jobs ran: an upper bound",
            "final_epoch_logs": {k: float(v) for k, v in (history[-1] if history else {}).items()
                                 if k != "epoch" and v not in ("", "NA", "nan")},
            "machine": cards.machine(),
            "history": history_summary(history),
        },
        "metrics": metrics,
        "remeasure": {"fd_at_1000": spread},
        "notes": notes,
        "keras_genzoo_version": gz.__version__,
    }
    preset_dir = Path(args.registry).parent / "presets" / args.name
    want_state = args.training_state != "no" and model.compiled
    files, state = publish.save_preset(model, preset_dir, card, with_training_state=want_state)
    total = sum(f["bytes"] for f in files.values()) + (sum(f["bytes"] for f in state.values()) if state else 0)
    budget = args.budget_mb * 1e6
    if state and total > budget and args.training_state == "auto":
        card["notes"] = notes + [
            f"training state not shipped: with it the entry would take {total / 1e6:.2f} MB, over the "
            f"{args.budget_mb:g} MB budget per entry; retrain with the command above to continue training"]
        files, state = publish.save_preset(model, preset_dir, card, with_training_state=False)
        total = sum(f["bytes"] for f in files.values())
    if total > budget:
        print(f"warning: {args.name} takes {total / 1e6:.2f} MB, over the {args.budget_mb:g} MB budget", file=sys.stderr)
    record = publish.register(args.name, preset_dir, registry=args.registry, origin=args.origin,
                              summary=summary_of(metrics))
    print(json.dumps({"name": args.name, "summary": record["summary"], "bytes": total,
                      "training_state": bool(state), "cpu_seconds": round(time.process_time() - start, 1)}, indent=2))
    # The loaded entry must reproduce itself before the script reports success.
    hub.load(args.name, registry=args.registry)
    if state:
        hub.load(args.name, with_optimizers=True, registry=args.registry)
    return 0


if __name__ == "__main__":
    sys.exit(main())
