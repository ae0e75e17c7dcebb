"""Sampling steps, speed and guidance of diffusion and flow-matching models, with every number's protocol.

    python benchmarks/sampling.py flow_fashion_mnist                 # a zoo entry
    python benchmarks/sampling.py runs/flow_fashion_mnist            # a genzoo run directory or .keras file
    python benchmarks/sampling.py diffusion_fashion_mnist --num-samples 2000 --backends tensorflow,jax

For one model it measures, on the dataset's test split with the shipped evaluator
(`--dataset`, default fashion_mnist):

1. **FD against sampling steps.** `model.generate(n, seed=0, steps=s)` (labels cycling 0..K-1
   for a conditional model, at `--guidance`) against the first n test images. Flow matching:
   Euler at 1, 2, 4, 8, 16, 32, 64 steps; diffusion: DDIM (eta 0) at 10, 20, 50, 100 steps and
   DDPM's ancestral sampler at its full chain (1,000 steps; `--ddpm-steps`). Each row also
   gives the sampling throughput of that run (images per second on this machine).
2. **Images per second on each backend** (`--backends`) at the model's default steps: each
   backend in its own process loads the model, generates one warm-up batch (compilation), then
   times `generate(--speed-samples)`.
3. **Guidance** (conditional models): FD, conditional accuracy and intra-class FD at the
   guidance scales 0, 1, 2, 4 and the model's default steps.

Writes `benchmarks/results/sampling_<name>.json` and, with `--figure`, a PNG of FD against
steps (and against guidance) for the docs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

FLOW_STEPS = (1, 2, 4, 8, 16, 32, 64)
DDIM_STEPS = (10, 20, 50, 100)
GUIDANCE = (0.0, 1.0, 2.0, 4.0)
BACKENDS = ("tensorflow", "jax", "torch")


def load(source):
    """A model from a zoo name, a run directory or a .keras file, and a name for the results."""
    from keras_genzoo import runs, zoo

    if source in zoo.available():
        return zoo.load(source), source
    path = Path(source)
    return runs.load_source(path), path.stem if path.suffix == ".keras" else path.name


def labels_for(model, n):
    return (np.arange(n) % model.num_classes).astype(np.int32) if model.is_conditional else None


def timed_generate(model, n, **kwargs):
    """`(images, images per second)`; one small call first so that compilation is not timed."""
    model.generate(min(n, 8), seed=1, labels=None if kwargs.get("labels") is None else kwargs["labels"][:min(n, 8)],
                   **{k: v for k, v in kwargs.items() if k != "labels"})
    start = time.perf_counter()
    images = model.generate(n, seed=0, **kwargs)
    return images, n / (time.perf_counter() - start)


def fd_against_steps(model, real, dataset, n, guidance, ddpm_steps):
    from keras_genzoo import metrics

    family = type(model).__name__
    settings = ([("euler", s) for s in FLOW_STEPS] if family == "FlowMatching"
                else [("ddim", s) for s in DDIM_STEPS] + [("ddpm", ddpm_steps)])
    rows = []
    for sampler, steps in settings:
        kwargs = {"steps": steps, "sampler": sampler, "labels": labels_for(model, n)}
        if guidance is not None:
            kwargs["guidance"] = guidance
        fake, speed = timed_generate(model, n, **kwargs)
        fd = metrics.frechet_distance(real, fake, extractor=dataset, n=n, verbose=0)
        rows.append({"sampler": sampler, "steps": steps, "fd": fd.value, "images_per_second": speed})
        print(f"  {sampler:5s} {steps:5d} steps: FD {fd.value:8.2f}   {speed:8.1f} images/s", flush=True)
    return rows


def guidance_sweep(model, real, real_labels, dataset, n):
    from keras_genzoo import metrics

    rows = []
    labels = labels_for(model, n)
    for w in GUIDANCE:
        fake = model.generate(n, seed=0, labels=labels, guidance=w)
        fd = metrics.frechet_distance(real, fake, extractor=dataset, n=n, verbose=0).value
        accuracy = metrics.conditional_accuracy(fake, labels, classifier=dataset).value
        intra = metrics.intra_class_frechet_distance(real, real_labels.astype(np.int32), fake, labels,
                                                     extractor=dataset).value
        rows.append({"guidance": w, "fd": fd, "conditional_accuracy": accuracy, "intra_class_fd": intra})
        print(f"  guidance {w:3.1f}: FD {fd:7.2f}  accuracy {accuracy:.4f}  intra-class FD {intra:7.2f}", flush=True)
    return rows


def backend_speed(source, backend, n):
    """Images per second of `generate(n)` at the default steps, measured in a `backend` process."""
    code = ("import sys, json; sys.path.insert(0, sys.argv[1]); "
            "from benchmarks.sampling import load, labels_for, timed_generate; "
            "model, _ = load(sys.argv[2]); n = int(sys.argv[3]); "
            "_, speed = timed_generate(model, n, labels=labels_for(model, n)); "
            "print(json.dumps({'images_per_second': speed, 'steps': model.sampling_steps}))")
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT), source, str(n)], capture_output=True, text=True,
                         env=env, timeout=7200)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def figure(result, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = 2 if result.get("guidance") else 1
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 3.6), squeeze=False)
    ax = axes[0, 0]
    for sampler in sorted({r["sampler"] for r in result["steps"]}):
        rows = [r for r in result["steps"] if r["sampler"] == sampler]
        ax.plot([r["steps"] for r in rows], [r["fd"] for r in rows], "o-", label=sampler)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("sampling steps")
    ax.set_ylabel(f"FD ({result['protocol']['extractor']} features)")
    ax.set_title(f"{result['name']}: FD against steps")
    ax.legend()
    ax.grid(alpha=0.3)
    if panels == 2:
        ax = axes[0, 1]
        rows = result["guidance"]
        ax.plot([r["guidance"] for r in rows], [r["fd"] for r in rows], "o-", label="FD")
        ax.plot([r["guidance"] for r in rows], [r["intra_class_fd"] for r in rows], "s-", label="intra-class FD")
        ax.set_xlabel("guidance scale w")
        ax.set_ylabel("FD")
        twin = ax.twinx()
        twin.plot([r["guidance"] for r in rows], [100 * r["conditional_accuracy"] for r in rows], "^--", color="C2",
                  label="conditional accuracy")
        twin.set_ylabel("conditional accuracy (%)")
        ax.set_title("guidance sweep")
        ax.legend(loc="upper center")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"Wrote {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="a zoo entry name, a genzoo run directory or a .keras file")
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--guidance", type=float, default=None, help="guidance of the steps sweep (conditional)")
    parser.add_argument("--ddpm-steps", type=int, default=1000)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--speed-samples", type=int, default=500)
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: steps, speed, guidance")
    parser.add_argument("--figure", type=Path, default=None, help="write the FD figure here (PNG)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    from keras_genzoo.zoo import cards

    model, name = load(args.source)
    skip = set(filter(None, args.skip.split(",")))
    real, real_labels = cards.test_images(args.dataset, args.num_samples)
    result = {"name": name, "model": type(model).__name__, "protocol": {
        "extractor": args.dataset, "reference": f"{args.dataset}:test (first {len(real)} images)",
        "n": args.num_samples, "samples": "model.generate(n, seed=0), labels cycling 0..K-1 when conditional",
        "steps_guidance": args.guidance, "machine": cards.machine()}}
    if "steps" not in skip:
        print(f"{name}: FD against sampling steps ({args.num_samples} samples)")
        result["steps"] = fd_against_steps(model, real, args.dataset, args.num_samples, args.guidance, args.ddpm_steps)
    if "guidance" not in skip and model.is_conditional:
        print(f"{name}: guidance sweep at {model.sampling_steps} steps")
        result["guidance"] = guidance_sweep(model, real, real_labels, args.dataset, args.num_samples)
    if "speed" not in skip:
        result["speed"] = {}
        for backend in filter(None, args.backends.split(",")):
            result["speed"][backend] = backend_speed(args.source, backend, args.speed_samples)
            print(f"  {backend}: {result['speed'][backend]}", flush=True)
    out = args.out or ROOT / "benchmarks" / "results" / f"sampling_{name}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"Wrote {out}")
    if args.figure and "steps" in result:
        figure(result, args.figure)


if __name__ == "__main__":
    main()
