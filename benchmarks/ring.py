"""Mode collapse on the ring of 8 Gaussians: which vector GAN / WGAN-GP settings cover it.

The benchmark of the unrolled-GAN paper (Metz et al., 2017): 8 Gaussians on a circle of
radius 2, standard deviation 0.02. Each setting trains for `--steps` fit steps (one fit step
is one discriminator update; WGAN-GP updates its generator every `n_critic`-th step) at
batch 100 on 100,000 fixed samples, for each seed, and every `--eval-every` steps scores
2,500 samples with `gz.metrics.mixture_mode_coverage` (the VEEGAN/PacGAN protocol: a
sample is high quality within 3 sigma of its nearest mode; a mode is covered with >= 1.25 %
of the samples there; reverse KL of the mode histogram against uniform).

Prints one row per setting and seed: modes covered, high-quality %, reverse KL at the last
step, the first evaluated step at which the target (8/8 modes, >= 90 % high quality) was
met, and CPU-seconds of training (process time, all threads; wall time on a shared
machine is inflated by other jobs). Then the protocol.

    nice -n 5 python benchmarks/ring.py                              # every setting, seeds 0 1 2
    nice -n 5 python benchmarks/ring.py --settings gan-default gan-pac2 --seeds 0
    nice -n 5 python benchmarks/ring.py --json out.json --plot docs/assets/ring/samples.png \\
        --plot-settings gan-current gan-pac2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_genzoo as gz  # noqa: E402

CENTERS = gz.data.ring_centers(8, 2.0)
STD = 0.02
TARGET_MODES, TARGET_HQ = 8, 0.90


def adam(lr, b1, b2=0.999, name="adam"):
    return keras.optimizers.Adam(lr, beta_1=b1, beta_2=b2, name=name)


def mlp_pair(latent_dim, g_units, d_units, seed, packing=1, name="discriminator"):
    g = gz.networks.mlp_generator(latent_dim, (2,), g_units, output_activation=None, seed=seed)
    d = gz.networks.mlp_discriminator((2,), d_units, seed=seed, packing=packing, name=name)
    return g, d


def gan(latent_dim=128, g_units=(256, 512), d_units=(512, 256), lr=2e-4, b1=0.5, b2=0.999, packing=1, g_lr=None,
        prior="normal", decay_steps=None):
    """A GAN setting with explicit networks and optimizers (the defaults: the package's vector
    defaults before the study); `decay_steps` anneals both learning rates to 1% with a cosine."""

    def build(seed):
        kwargs = {}
        kwargs["generator"], kwargs["discriminator"] = mlp_pair(latent_dim, g_units, d_units, seed, packing)
        m = gz.models.GAN(data_shape=(2,), latent_dim=latent_dim, latent_prior=prior, seed=seed, **kwargs)
        d_lr, gen_lr = lr, g_lr or lr
        if decay_steps:
            d_lr = keras.optimizers.schedules.CosineDecay(lr, decay_steps, alpha=0.01)
            gen_lr = keras.optimizers.schedules.CosineDecay(gen_lr, decay_steps, alpha=0.01)
        m.compile(d_optimizer=adam(d_lr, b1, b2, "d_adam"), g_optimizer=adam(gen_lr, b1, b2, "g_adam"))
        return m

    return build


def wgangp(latent_dim=128, g_units=(256, 256), d_units=(256, 256), lr=1e-4, b1=0.0, b2=0.9, n_critic=5, packing=1,
           g_lr=None, prior="normal", gp_weight=10.0, decay_steps=None):
    """A WGAN-GP setting with explicit networks and optimizers (the defaults: the package's
    vector defaults before the study); `decay_steps` (fit steps) anneals both learning rates
    to 1% with a cosine."""
    def build(seed):
        kwargs = {}
        kwargs["generator"], kwargs["discriminator"] = mlp_pair(latent_dim, g_units, d_units, seed, packing, name="critic")
        m = gz.models.WGANGP(data_shape=(2,), latent_dim=latent_dim, latent_prior=prior, n_critic=n_critic,
                             gp_weight=gp_weight, seed=seed, **kwargs)
        d_lr, gen_lr = lr, g_lr or lr
        if decay_steps:  # the critic's optimizer steps every fit step, the generator's every n_critic-th
            d_lr = keras.optimizers.schedules.CosineDecay(lr, decay_steps, alpha=0.01)
            gen_lr = keras.optimizers.schedules.CosineDecay(gen_lr, decay_steps // n_critic, alpha=0.01)
        m.compile(d_optimizer=adam(d_lr, b1, b2, "d_adam"), g_optimizer=adam(gen_lr, b1, b2, "g_adam"))
        return m

    return build


def package_default(cls):
    """The package's own defaults: only the data shape and the seed, `compile()` with no arguments."""

    def build(seed):
        m = cls(data_shape=(2,), seed=seed)
        m.compile()
        return m

    return build


SETTINGS = {
    # The package's vector defaults since this study (they are gan-ring and wgangp-ring-lr1e3-gp1-nc2-cos).
    "gan-default": package_default(gz.models.GAN),
    "wgangp-default": package_default(gz.models.WGANGP),
    "wgan-default": package_default(gz.models.WGAN),
    # The package's vector defaults before this study: G 256-512 / D 512-256, latent 128, Adam 2e-4 (0.5, 0.999).
    "gan-current": gan(),  # (named when these were the current defaults)
    "gan-current-pac2": gan(128, (256, 512), (512, 256), packing=2),
    # the unrolled-GAN paper's sizes: G 2x128 ReLU, D 1x128, latent 256, Adam 1e-4
    "gan-unrolled": gan(256, (128, 128), (128,), lr=1e-4, b1=0.5),
    # this study: latent 2, G and D 3x256, Adam 1e-3 (0.5, 0.999)
    "gan-ring": gan(2, (256, 256, 256), (256, 256, 256), lr=1e-3, b1=0.5),
    "gan-ring-lr1e4": gan(2, (256, 256, 256), (256, 256, 256), lr=1e-4, b1=0.5),
    "gan-ring-pac2": gan(2, (256, 256, 256), (256, 256, 256), lr=1e-3, b1=0.5, packing=2),
    # gan-ring with both learning rates annealed to 1e-5 over 10,000 steps (as WGAN-GP's)
    "gan-ring-cos": gan(2, (256, 256, 256), (256, 256, 256), lr=1e-3, b1=0.5, decay_steps=10_000),
    # WGAN-GP before this study: G/critic 256-256, latent 128, Adam 1e-4 (0, 0.9), n_critic 5, lambda 10
    "wgangp-current": wgangp(),
    "wgangp-b05": wgangp(lr=1e-4, b1=0.5, b2=0.9),
    "wgangp-mid": wgangp(16, (128, 128, 128), (128, 128), lr=1e-4, b1=0.5, b2=0.9),
    "wgangp-mid-lr3e4": wgangp(16, (128, 128, 128), (128, 128), lr=3e-4, b1=0.5, b2=0.9),
    # this study: latent 2, G and critic 3x256, Adam (0.5, 0.9)
    "wgangp-ring-gp10": wgangp(2, (256, 256, 256), (256, 256, 256), lr=1e-4, b1=0.5, b2=0.9),
    "wgangp-ring-gp0.1": wgangp(2, (256, 256, 256), (256, 256, 256), lr=1e-4, b1=0.5, b2=0.9, gp_weight=0.1),
    "wgangp-ring-lr1e3-gp0.1": wgangp(2, (256, 256, 256), (256, 256, 256), lr=1e-3, b1=0.5, b2=0.9, gp_weight=0.1),
    "wgangp-ring-lr1e3-gp1": wgangp(2, (256, 256, 256), (256, 256, 256), lr=1e-3, b1=0.5, b2=0.9, gp_weight=1.0),
    "wgangp-ring-lr1e3-gp1-nc2": wgangp(2, (256, 256, 256), (256, 256, 256), lr=1e-3, b1=0.5, b2=0.9, gp_weight=1.0,
                                        n_critic=2),
    "wgangp-ring-lr1e3-gp1-cos": wgangp(2, (256, 256, 256), (256, 256, 256), lr=1e-3, b1=0.5, b2=0.9, gp_weight=1.0,
                                        decay_steps=10_000),
    "wgangp-ring-lr1e3-gp1-nc2-cos": wgangp(2, (256, 256, 256), (256, 256, 256), lr=1e-3, b1=0.5, b2=0.9,
                                            gp_weight=1.0, n_critic=2, decay_steps=10_000),
    "wgangp-ring-lr3e4-gp1": wgangp(2, (256, 256, 256), (256, 256, 256), lr=3e-4, b1=0.5, b2=0.9, gp_weight=1.0),
}


class Tracker(keras.callbacks.Callback):
    """Scores 2,500 samples at each epoch end; remembers the first step meeting the target."""

    def __init__(self, steps_per_epoch, n=2500, seed=1234):
        super().__init__()
        self.steps_per_epoch, self.n, self.seed = steps_per_epoch, n, seed
        self.history, self.first_hit = [], None

    def on_epoch_end(self, epoch, logs=None):
        result = gz.metrics.mixture_mode_coverage(self.model, CENTERS, STD, n=self.n, seed=self.seed)
        step = (epoch + 1) * self.steps_per_epoch
        hq, kl = result.details["high_quality_fraction"], result.details["reverse_kl"]
        self.history.append({"step": step, "modes": int(result.value), "hq": hq, "reverse_kl": kl})
        if self.first_hit is None and result.value >= TARGET_MODES and hq >= TARGET_HQ:
            self.first_hit = step
        self.last = result


def run(name, seed, steps, batch, eval_every):
    keras.utils.set_random_seed(seed)
    model = SETTINGS[name](seed)
    n_data = 100_000
    ds = gz.data.ring_of_gaussians(n_data, std=STD, seed=seed, batch_size=batch)
    steps_per_epoch = min(eval_every, n_data // batch)
    tracker = Tracker(steps_per_epoch)
    ds = ds.repeat()
    t0, w0 = time.process_time(), time.perf_counter()
    model.fit(ds, epochs=steps // steps_per_epoch, steps_per_epoch=steps_per_epoch, callbacks=[tracker], verbose=0)
    cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    d = tracker.last.details
    row = {
        "setting": name,
        "family": type(model).__name__,
        "seed": seed,
        "modes": int(tracker.last.value),
        "hq": d["high_quality_fraction"],
        "reverse_kl": d["reverse_kl"],
        "modes_any": d["modes_with_any_sample"],
        "steps": steps,
        "g_steps": steps // model.n_critic,
        "first_hit": tracker.first_hit,
        "cpu_s": cpu,
        "wall_s": wall,
        "history": tracker.history,
        "met": bool(tracker.last.value >= TARGET_MODES and d["high_quality_fraction"] >= TARGET_HQ),
    }
    samples = model.generate(2500, seed=1234)
    return row, tracker.last.protocol, samples


def plot(samples_by_title, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = len(samples_by_title)
    fig, axes = plt.subplots(1, k, figsize=(3.2 * k, 3.4), squeeze=False)
    for ax, (title, x) in zip(axes[0], samples_by_title.items()):
        ax.scatter(CENTERS[:, 0], CENTERS[:, 1], s=250, facecolors="none", edgecolors="tab:red", linewidths=1.0)
        ax.scatter(x[:, 0], x[:, 1], s=2, alpha=0.35, color="black")
        ax.set_xlim(-2.8, 2.8)
        ax.set_ylim(-2.8, 2.8)
        ax.set_aspect("equal")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([-2, 0, 2])
        ax.set_yticks([-2, 0, 2])
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=10_000, help="fit steps (discriminator updates)")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--eval-every", type=int, default=1000)
    p.add_argument("--threads", type=int, default=1, help="TensorFlow intra/inter-op threads")
    p.add_argument("--json", help="append rows (JSON lines) to this file")
    p.add_argument("--save-samples", help="directory for each run's 2,500 final samples (SETTING_seedN.npy)")
    p.add_argument("--plot", help="save a figure of the final samples of --plot-settings (seed = first seed)")
    p.add_argument("--plot-settings", nargs="+", default=[])
    p.add_argument("--plot-from", help="only plot: read SETTING_seedN.npy from this directory (no training)")
    p.add_argument("--table-from", help="only print a markdown table of the rows in this JSON-lines file")
    args = p.parse_args(argv)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    if args.table_from:
        print("| setting | family | seed | modes | HQ % | reverse KL | steps (G steps) | target met at | CPU s |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for line in open(args.table_from):
            r = json.loads(line)
            hit = "-" if r["first_hit"] is None else f"{r['first_hit']:,}"
            print(f"| {r['setting']} | {r['family']} | {r['seed']} | {r['modes']}/8 | {100 * r['hq']:.1f} | "
                  f"{r['reverse_kl']:.3f} | {r['steps']:,} ({r['g_steps']:,}) | {hit} | {r['cpu_s']:.0f} |")
        return 0
    if args.plot_from:
        figures = {}
        for name in args.plot_settings:
            x = np.load(os.path.join(args.plot_from, f"{name}_seed{args.seeds[0]}.npy"))
            r = gz.metrics.mixture_mode_coverage(x, CENTERS, STD)
            figures[f"{name} (seed {args.seeds[0]})\n{r.value}/8 modes, HQ {100 * r.details['high_quality_fraction']:.0f}%"] = x
        plot(figures, args.plot)
        print("figure:", args.plot)
        return 0

    header = f"{'setting':26s} {'seed':>4s} {'modes':>5s} {'HQ %':>6s} {'rev KL':>7s} {'steps':>6s} {'G steps':>7s} " \
             f"{'hit at':>6s} {'CPU s':>7s}"
    print(header, flush=True)
    protocol, figures = None, {}
    for name in args.settings:
        for seed in args.seeds:
            row, protocol, samples = run(name, seed, args.steps, args.batch, args.eval_every)
            hit = "-" if row["first_hit"] is None else str(row["first_hit"])
            print(f"{name:26s} {seed:4d} {row['modes']:5d} {100 * row['hq']:6.1f} {row['reverse_kl']:7.3f} "
                  f"{row['steps']:6d} {row['g_steps']:7d} {hit:>6s} {row['cpu_s']:7.1f}", flush=True)
            if args.json:
                with open(args.json, "a") as f:
                    f.write(json.dumps(row) + "\n")
            if args.save_samples:
                os.makedirs(args.save_samples, exist_ok=True)
                np.save(os.path.join(args.save_samples, f"{name}_seed{seed}.npy"), samples)
            if name in args.plot_settings and seed == args.seeds[0]:
                figures[f"{name} (seed {seed})\n{row['modes']}/8 modes, HQ {100 * row['hq']:.0f}%"] = samples
    print("\nprotocol:", json.dumps(dict(protocol, batch=args.batch, steps=args.steps, data="100,000 fixed samples of "
                                         "8 Gaussians, radius 2, std 0.02", backend=keras.backend.backend(),
                                         threads=args.threads)))
    if args.plot and figures:
        plot(figures, args.plot)
        print("figure:", args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
