"""What a run shows: the loss curves, sample grids and the self-contained `report.html`."""

from __future__ import annotations

import base64
import csv
import html
import json
from pathlib import Path

import numpy as np

from keras_genzoo.utils import atomic_write, image_grid, save_image


def plot_history(csv_path, png_path):
    """Draws the columns of a `CSVLogger` file as one curve per log against the epoch."""
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


def sample_grid(model, n, seed, out, labels=None, **generate_kwargs):
    """Saves a square grid of `n` samples of `model` (of the classes `labels`, when given; with
    `generate`'s other options, such as the `steps` of diffusion and flow matching) as the image
    `out`; returns its path."""
    if labels is not None:
        generate_kwargs["labels"] = labels
    images = model.generate(n, seed=seed, **generate_kwargs)
    cols = int(np.ceil(np.sqrt(n)))
    return save_image(image_grid(images, cols=cols), out)
