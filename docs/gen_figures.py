"""Writes the tutorials' figures of trained results from the zoo's models, with one command.

    python docs/gen_figures.py                  # every figure whose zoo entries exist -> docs/assets/figures/
    python docs/gen_figures.py --n 2000         # fewer test images for the latent scatter and the scores
    python docs/gen_figures.py --out DIR --registry PATH   # another output folder or zoo registry

Nothing here trains: every figure decodes or encodes with a model from `gz.zoo.load`, so the
tutorials show exactly what a reader gets from the zoo. For each registered entry (see
`gz.zoo.available()`):

- `<entry>_samples.png`: `generate(64, seed=0)` (conditional entries: row `r` is class `r mod K`);
- autoencoder + VAE of one dataset: `<dataset>_ae_vae_latent.png`, the test split's latent
  means coloured by class (projected on each model's two principal axes when the latent space
  has more than two dimensions), `<dataset>_ae_vae_prior.png`, the same N(0, I) draws
  decoded by both, scored by the dataset's evaluator classifier,
  `<dataset>_ae_vae_reconstructions.png` (test images, then both models' reconstructions) and
  `vae_<dataset>_manifold.png`, the VAE's decoder over a grid of the plane of its codes' two
  principal axes;
- entries sampled from a Gaussian prior (gan, dcgan, wgan, wgangp, cgan, acgan, vae, cvae):
  `<entry>_lerp_slerp.png`, the same pairs of prior samples joined by straight lines (lerp,
  top rows) and great circles (slerp, bottom rows), and `<entry>_lerp_slerp_norms.png`, the
  latent norm along each path;
- conditional entries (cgan, acgan, cvae): `<entry>_per_class.png`, one row per class, and the
  share of samples the evaluator assigns to the requested class;
- entries whose card holds the training run's per-epoch logs (`training.history`):
  `<entry>_training.png`, one panel per logged quantity against the epoch.

Entries that are not in the registry yet are skipped with a printed note. The numbers quoted
by the pages are written to `figures.json` next to the images.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

OUT = ROOT / "docs" / "assets" / "figures"
ADVERSARIAL = ("gan", "dcgan", "wgan", "wgangp", "cgan", "acgan")
# families whose generate() decodes draws of a Gaussian prior: lerp versus slerp applies
PRIOR_SAMPLERS = ADVERSARIAL + ("vae", "cvae")
CONDITIONAL = ("cgan", "acgan", "cvae")
SEED = 0


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _test_split(dataset, n):
    """The first `n` test images in [0, 1] and their labels."""
    import keras_genzoo as gz

    ds = gz.data.load(dataset, split=f"test[:{n}]", batch_size=500, shuffle=False, with_labels=True,
                      image_range=(0, 1))
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys).astype(int)


def _probabilities(dataset, images):
    """Class probabilities of the dataset's evaluator classifier, or None if it has none."""
    import keras_genzoo as gz
    from keras_genzoo.metrics import classifiers

    if dataset not in classifiers.EVALUATORS:
        return None
    ex = gz.metrics.get_extractor(dataset)
    return np.concatenate([ex(images[i : i + 500])[1] for i in range(0, len(images), 500)])


def _labels_for(model, n, cols=8):
    """Row `r` of a grid with `cols` columns shows class `r mod K` (conditional models only)."""
    k = getattr(model, "num_classes", None)
    return {"labels": (np.arange(n) // cols) % k} if k else {}


def _principal_axes(codes):
    """`(projection, description, axes)`: `(N, d)` codes projected on their two principal axes
    `axes` `(2, d)` (the codes themselves and the identity when d = 2)."""
    if codes.shape[1] == 2:
        return codes, "latent coordinates", np.eye(2)
    _, _, vt = np.linalg.svd(codes - codes.mean(axis=0), full_matrices=False)
    return codes @ vt[:2].T, "projection on the two principal axes", vt[:2]


# ---------------------------------------------------------------------------- one figure each
def samples(name, model, out):
    """`<name>_samples.png`: an 8 x 8 grid of samples."""
    import keras_genzoo as gz

    images = model.generate(64, seed=SEED, **_labels_for(model, 64))
    path = gz.utils.save_image(gz.utils.image_grid(images, cols=8), out / f"{name}_samples.png")
    return {"file": Path(path).name}


def ae_vae(dataset, ae_name, vae_name, ae, vae, out, n):
    """Latent scatter and prior samples of an autoencoder and a VAE trained on the same data."""
    import keras_genzoo as gz

    plt = _pyplot()
    x, y = _test_split(dataset, n)
    names = gz.data.info(dataset).class_names
    numbers = {"entries": [ae_name, vae_name], "test_images": int(len(x))}

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.8))
    principal = {}   # each model's two principal axes, (2, latent_dim)
    for ax, (label, model) in zip(axes, (("autoencoder", ae), ("VAE", vae))):
        codes = model.encode(x)
        codes = codes[0] if isinstance(codes, tuple) else codes   # the VAE's latent means
        xy, how, principal[label] = _principal_axes(codes)
        sc = ax.scatter(xy[:, 0], xy[:, 1], c=y, cmap="tab10", vmin=-0.5, vmax=9.5, s=3, alpha=0.7)
        ax.add_patch(plt.Circle((0, 0), 2.0, fill=False, ls="--", color="k"))
        ax.set_title(f"{label} ({model.latent_dim}-d latent): {how}", fontsize=9)
        ax.set_aspect("equal")
        numbers[label] = {"code_std_on_axes": [round(float(s), 3) for s in xy.std(axis=0)],
                          "mean_code_norm": round(float(np.linalg.norm(codes, axis=1).mean()), 3),
                          "prior_mean_norm": round(float(np.sqrt(model.latent_dim)), 3)}
    cbar = fig.colorbar(sc, ax=axes, ticks=range(10), fraction=0.025)
    cbar.ax.set_yticklabels(names, fontsize=7)
    fig.savefig(out / f"{dataset}_ae_vae_latent.png", dpi=90, bbox_inches="tight")
    plt.close(fig)

    # Reconstructions: 16 test images (top row), the autoencoder's (middle) and the VAE's (bottom,
    # decoded from the latent means).
    originals = x[:16]
    rows = [originals, ae.reconstruct(originals), vae.reconstruct(originals)]
    gz.utils.save_image(gz.utils.image_grid(np.concatenate(rows), cols=16),
                        out / f"{dataset}_ae_vae_reconstructions.png")
    numbers["reconstruction_mse"] = {label: round(float(np.mean((r - originals) ** 2)), 4)
                                     for label, r in (("autoencoder", rows[1]), ("VAE", rows[2]))}

    # The VAE's decoder over a 12 x 12 grid of the plane of its codes' two principal axes
    # (coordinates -3..3 along each; the other directions at 0).
    ticks = np.linspace(-3, 3, 12)
    plane = np.array([[a, b] for b in ticks[::-1] for a in ticks], np.float32) @ principal["VAE"].astype(np.float32)
    gz.utils.save_image(gz.utils.image_grid(vae.generate(len(plane), z=plane), cols=12),
                        out / f"{vae_name}_manifold.png")

    z = vae.sample_latent(2_000, seed=SEED + 1)
    if ae.latent_dim != vae.latent_dim:
        return numbers | {"note": "latent sizes differ: prior samples not compared"}
    decoded = {"autoencoder": ae.generate(len(z), z=z), "VAE": vae.generate(len(z), z=z)}
    grid = np.concatenate([decoded["autoencoder"][:32], decoded["VAE"][:32]])
    gz.utils.save_image(gz.utils.image_grid(grid, cols=8), out / f"{dataset}_ae_vae_prior.png")
    for label, images in decoded.items():
        p = _probabilities(dataset, images)
        if p is not None:
            numbers[label]["prior_samples"] = {
                "n": len(z),
                "confident_share": round(float(np.mean(p.max(axis=1) >= 0.5)), 3),
                "mean_confidence": round(float(p.max(axis=1).mean()), 3),
                "classes_covered": gz.metrics.mode_coverage_from_probabilities(p)["classes_covered"],
            }
    p_real = _probabilities(dataset, x[: len(z)])
    if p_real is not None:
        numbers["real_test_confident_share"] = round(float(np.mean(p_real.max(axis=1) >= 0.5)), 3)
    return numbers


def lerp_slerp(name, model, out, pairs=4, steps=9):
    """`<name>_lerp_slerp.png`: the same endpoint pairs joined by lerp (top rows) and slerp."""
    import keras_genzoo as gz

    plt = _pyplot()
    paths = {m: gz.callbacks.interpolation_latents(model, num_pairs=pairs, steps=steps, method=m, seed=SEED)
             for m in ("lerp", "slerp")}
    images = {}
    for method, latents in paths.items():
        labels = None
        if getattr(model, "num_classes", None):
            labels = np.arange(pairs) % model.num_classes
        _, images[method] = gz.callbacks.interpolation_grid(model, latents=latents, labels=labels)
    both = np.concatenate([images["lerp"], images["slerp"]]).reshape((-1,) + images["lerp"].shape[2:])
    gz.utils.save_image(gz.utils.image_grid(both, rows=2 * pairs, cols=steps), out / f"{name}_lerp_slerp.png")

    norms = {m: np.linalg.norm(z, axis=-1) for m, z in paths.items()}
    fig, ax = plt.subplots(figsize=(5, 3))
    t = np.linspace(0, 1, steps)
    for method, color in (("lerp", "tab:red"), ("slerp", "tab:blue")):
        ax.plot(t, norms[method].T, color=color, alpha=0.7)
        ax.plot([], [], color=color, label=method)
    ax.axhline(np.sqrt(model.latent_dim), color="k", ls="--", lw=0.8, label="sqrt(latent_dim)")
    ax.set(xlabel="t", ylabel="|z|", title=f"{name}: latent norm along the paths")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / f"{name}_lerp_slerp_norms.png", dpi=90)
    plt.close(fig)
    mid = steps // 2
    return {"pairs": pairs, "steps": steps, "sqrt_latent_dim": round(float(np.sqrt(model.latent_dim)), 3),
            "midpoint_norm": {m: round(float(v[:, mid].mean()), 3) for m, v in norms.items()},
            "endpoint_norm": round(float(norms["lerp"][:, [0, -1]].mean()), 3)}


def per_class(name, model, dataset, out, cols=10, n_check=1_000):
    """`<name>_per_class.png`: row k holds `cols` samples of class k; and the evaluator's agreement."""
    import keras_genzoo as gz

    k = model.num_classes
    images = model.generate(k * cols, seed=SEED, labels=np.repeat(np.arange(k), cols))
    gz.utils.save_image(gz.utils.image_grid(images, rows=k, cols=cols), out / f"{name}_per_class.png")
    numbers = {"classes": k}
    labels = np.arange(n_check) % k
    p = _probabilities(dataset, model.generate(n_check, seed=SEED + 1, labels=labels))
    if p is not None:
        numbers["evaluator_agrees"] = round(float(np.mean(p.argmax(axis=1) == labels)), 3)
        numbers["n"] = n_check
    return numbers


def trajectory(name, model, out, rows=4, columns=9):
    """`<name>_trajectory.png`: row r carries one noise from t = 1 (left) to the image at t = 0
    (right) with the deterministic sampler in `columns - 1` steps (DDIM for diffusion, Euler for
    flow matching), each state x_t shown clipped to [0, 1]; a conditional model's row r has class r
    at its `sampling_guidance`. The last column is checked against `generate` with the same noise."""
    import keras_genzoo as gz
    from keras import ops
    from keras_genzoo.models import diffusion, flow

    steps, states = columns - 1, []
    z = model.sample_latent(rows, seed=SEED)
    labels = np.arange(rows) % model.num_classes if model.is_conditional else None
    guidance = model.resolved_guidance(None)  # the model's sampling_guidance (None if unconditional)

    def recorded(predict):
        def wrapped(x, t):
            states.append(ops.convert_to_numpy(x))
            return predict(x, t)
        return wrapped

    x = ops.reshape(ops.convert_to_tensor(z), (rows,) + tuple(model.data_shape))
    if isinstance(model, gz.models.Diffusion):
        final = diffusion.denoise(recorded(lambda x, t: model.predict_at(x, t, labels, guidance)), x, steps,
                                  model.schedule, model.prediction, unroll=True)
        sampler = f"DDIM, {steps} steps"
    else:
        final = flow.integrate(recorded(lambda x, t: model.velocity(x, t, labels, guidance)), x, steps, "euler",
                               unroll=True)
        sampler = f"Euler, {steps} steps"
    images = ops.convert_to_numpy(model.to_data_space(final))
    generated = model.generate(rows, z=z, steps=steps, labels=labels)
    frames = np.stack([np.clip((s + 1.0) / 2.0, 0.0, 1.0) for s in states] + [images], axis=1)
    path = gz.utils.save_image(gz.utils.image_grid(frames.reshape((-1,) + frames.shape[2:]), cols=columns),
                               out / f"{name}_trajectory.png")
    return {"file": Path(path).name, "sampler": sampler,
            "max_abs_difference_from_generate": float(np.max(np.abs(images - generated)))}


def encode_interpolate(name, model, dataset, out, num=9, pairs=3):
    """`<name>_encode_interpolate.png`: row p starts and ends at the reconstructions of two real
    test images of the same class, encoded to noise by the deterministic ODE run backwards
    (`encode`), the two noises joined by slerp and decoded (`interpolate`); the real images sit
    in the first and last columns. Returns the reconstructions' mean absolute error."""
    import keras_genzoo as gz

    x, y = _test_split(dataset, 500)
    firsts = [int(np.flatnonzero(y == c)[0]) for c in range(pairs)]
    seconds = [int(np.flatnonzero(y == c)[1]) for c in range(pairs)]
    labels = np.arange(pairs) if model.is_conditional else None
    enc = {"labels": np.concatenate([labels, labels])} if model.is_conditional else {}
    z = model.encode(np.concatenate([x[firsts], x[seconds]]), **enc)
    paths = model.interpolate(z[:pairs], z[pairs:], num=num, labels=labels)  # (pairs, num, H, W, C)
    rows = np.concatenate([x[firsts][:, None], paths, x[seconds][:, None]], axis=1)
    path = gz.utils.save_image(gz.utils.image_grid(rows.reshape((-1,) + rows.shape[2:]), cols=num + 2),
                               out / f"{name}_encode_interpolate.png")
    ends = np.concatenate([paths[:, 0], paths[:, -1]])
    error = float(np.mean(np.abs(ends - np.concatenate([x[firsts], x[seconds]]))))
    return {"file": Path(path).name, "reconstruction_mean_abs_error": error}


def training_curves(name, card, out):
    """`<name>_training.png`: the per-epoch training logs kept on the card, one panel per quantity
    (discriminator and generator losses together, the mean logits together). Returns the first
    and last epoch's values, or None when the card has no history."""
    history = (card.get("training") or {}).get("history") or {}
    if not history:
        return None
    groups = [[k for k in ("d_loss", "g_loss") if k in history], [k for k in ("d_real", "d_fake") if k in history]]
    groups = [g for g in groups if g]
    grouped = {k for g in groups for k in g}
    groups += [[k] for k in sorted(history) if k not in grouped]
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(groups), figsize=(3.6 * len(groups), 2.8), squeeze=False)
    for ax, group in zip(axes[0], groups):
        for k in group:
            ax.plot(np.arange(1, len(history[k]) + 1), history[k], label=k)
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
    steps = card["training"].get("steps")
    fig.suptitle(f"{name}: per-epoch means of the training logs" + (f" ({steps:,} steps)" if steps else ""), fontsize=9)
    fig.tight_layout()
    fig.savefig(out / f"{name}_training.png", dpi=90)
    plt.close(fig)
    return {k: {"first": v[0], "last": v[-1], "epochs": len(v)} for k, v in history.items()}


# ---------------------------------------------------------------------------- all of them
def generate_all(out=OUT, n=5_000, registry=None, only=None, log=print):
    """Writes every figure the registry's entries allow into `out`; returns the numbers (also
    written to `out/figures.json`). `only` limits the work to the given entry names and merges
    their numbers into an existing `figures.json`."""
    import keras_genzoo as gz

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = gz.zoo.available(registry)
    if only:
        missing = sorted(set(only) - set(names))
        if missing:
            log(f"note: not in the zoo, skipped: {', '.join(missing)}")
        names = [m for m in names if m in set(only)]
    records = {m: gz.zoo.entry(m, registry) for m in names}
    models = {}

    def model(m):
        if m not in models:
            models[m] = gz.zoo.load(m, registry=registry)
        return models[m]

    numbers = {"samples": {}, "ae_vae": {}, "lerp_slerp": {}, "per_class": {}, "training": {}, "trajectory": {},
               "encode_interpolate": {}}
    for m in names:
        numbers["samples"][m] = samples(m, model(m), out)
        log(f"wrote {m}_samples.png")

    datasets = sorted({r["dataset"] for r in records.values()})
    for dataset in datasets:
        ae_name, vae_name = f"autoencoder_{dataset}", f"vae_{dataset}"
        if ae_name in records and vae_name in records:
            numbers["ae_vae"][dataset] = ae_vae(dataset, ae_name, vae_name, model(ae_name), model(vae_name), out, n)
            log(f"wrote {dataset}_ae_vae_latent.png, _prior.png, _reconstructions.png and {vae_name}_manifold.png")
        elif ae_name in records or vae_name in records:
            log(f"note: {dataset}: the AE-versus-VAE figures need both {ae_name} and {vae_name}; skipped")

    for m, r in records.items():
        if r["family"] in PRIOR_SAMPLERS:
            numbers["lerp_slerp"][m] = lerp_slerp(m, model(m), out)
            log(f"wrote {m}_lerp_slerp.png")
        if model(m).is_conditional:
            numbers["per_class"][m] = per_class(m, model(m), r["dataset"], out)
            log(f"wrote {m}_per_class.png")
        if isinstance(model(m), gz.models.TimeConditionedModel):
            numbers["trajectory"][m] = trajectory(m, model(m), out)
            numbers["encode_interpolate"][m] = encode_interpolate(m, model(m), r["dataset"], out)
            log(f"wrote {m}_trajectory.png and {m}_encode_interpolate.png")
        curves = training_curves(m, gz.zoo.card(m, registry), out)
        if curves is not None:
            numbers["training"][m] = curves
            log(f"wrote {m}_training.png")
    families = {r["family"] for r in records.values()}
    if only:
        pass  # a partial run: the notes below are about the whole zoo
    elif not families & set(ADVERSARIAL):
        log("note: no GAN entry in the zoo yet (gan, dcgan, wgan, wgangp, cgan, acgan): "
            "lerp-versus-slerp figures only for the VAE entries")
    if not only and not families & set(CONDITIONAL):
        log("note: no conditional entry in the zoo yet (cgan, acgan, cvae): per-class figures skipped")

    path = out / "figures.json"
    if only and path.exists():
        # A partial run updates its entries' numbers and keeps everyone else's.
        merged = json.loads(path.read_text())
        for section, entries in numbers.items():
            merged.setdefault(section, {}).update(entries)
        numbers = merged
    path.write_text(json.dumps(numbers, indent=2) + "\n")
    return numbers


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default docs/assets/figures)")
    parser.add_argument("--n", type=int, default=5_000, help="test images for the latent scatter (default 5000)")
    parser.add_argument("--registry", type=Path, default=None, help="another zoo registry file")
    parser.add_argument("--only", nargs="*", default=None, help="only these entries")
    args = parser.parse_args(argv)
    generate_all(args.out, n=args.n, registry=args.registry, only=args.only)


if __name__ == "__main__":
    main()
