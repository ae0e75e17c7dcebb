"""docs/gen_figures.py: the tutorials' trained-result figures come from zoo entries, by one command.

Runs the script's core on the zoo's AE/VAE pair (few test images) and on a temporary registry
holding a tiny untrained conditional GAN, which exercises the lerp/slerp and per-class figures
that wait for GAN entries in the real zoo.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib

import numpy as np
import pytest
from PIL import Image

import keras_genzoo as gz

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("gen_figures", ROOT / "docs" / "gen_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _png(path):
    with Image.open(path) as image:
        image.load()
        return np.asarray(image)


@pytest.mark.skipif(not {"autoencoder_fashion_mnist", "vae_fashion_mnist"} <= set(gz.zoo.available()),
                    reason="the zoo has no autoencoder_fashion_mnist / vae_fashion_mnist pair")
def test_ae_vae_figures_from_the_zoo(tmp_path):
    lines = []
    numbers = _script().generate_all(tmp_path, n=300, only=["autoencoder_fashion_mnist", "vae_fashion_mnist",
                                                           "dcgan_nowhere"], log=lines.append)
    assert any("not in the zoo" in line and "dcgan_nowhere" in line for line in lines), lines
    for name in ("autoencoder_fashion_mnist_samples", "vae_fashion_mnist_samples", "fashion_mnist_ae_vae_prior"):
        grid = _png(tmp_path / f"{name}.png")
        assert grid.shape[:2] == (8 * 57 + 1, 8 * 57 + 1), grid.shape   # 8 x 8 cells of 28 px scaled x2, borders
    assert _png(tmp_path / "fashion_mnist_ae_vae_latent.png").shape[1] > 500
    assert _png(tmp_path / "fashion_mnist_ae_vae_reconstructions.png").shape[:2] == (3 * 57 + 1, 16 * 57 + 1)
    assert _png(tmp_path / "vae_fashion_mnist_manifold.png").shape[:2] == (12 * 57 + 1, 12 * 57 + 1)
    assert json.loads((tmp_path / "figures.json").read_text()) == numbers

    pair = numbers["ae_vae"]["fashion_mnist"]
    assert pair["test_images"] == 300
    # Both reconstruct test images closely; the autoencoder, with no KL term, more closely.
    mse = pair["reconstruction_mse"]
    assert mse["autoencoder"] < mse["VAE"] < 0.05, mse
    ae, vae = pair["autoencoder"], pair["VAE"]
    # The KL term holds the VAE's codes near the prior's scale; the autoencoder's are unconstrained.
    assert all(0.5 < s < 2.0 for s in vae["code_std_on_axes"]), vae
    assert ae["mean_code_norm"] > 2 * vae["mean_code_norm"], (ae, vae)
    # Prior samples: the VAE's decodings cover (nearly) every class, the autoencoder's do not.
    assert vae["prior_samples"]["classes_covered"] >= 8 > ae["prior_samples"]["classes_covered"], (ae, vae)
    # Deterministic: the same command writes the same numbers.
    again = _script().generate_all(tmp_path / "again", n=300, only=["vae_fashion_mnist", "autoencoder_fashion_mnist"],
                                   log=lambda _: None)
    assert again["ae_vae"] == numbers["ae_vae"]


def test_gan_figures_from_a_registry(tmp_path):
    from keras_genzoo.zoo import register, save_preset

    model = gz.models.ConditionalGAN(image_shape=(28, 28, 1), num_classes=10, latent_dim=32, base_filters=4, seed=0)
    model.generate(2, seed=0, labels=[0, 1])   # builds the networks
    registry = tmp_path / "registry.json"
    preset = tmp_path / "presets" / "cgan_fashion_mnist"
    history = {"d_loss": [1.3, 1.2, 1.25], "g_loss": [0.9, 1.0, 1.1], "d_real": [0.2, 0.3, 0.3],
               "d_fake": [-0.2, -0.3, -0.3]}
    save_preset(model, preset, {"name": "cgan_fashion_mnist", "family": "cgan", "dataset": "fashion_mnist",
                                "training": {"steps": 30, "history": history}})
    register("cgan_fashion_mnist", preset, registry=registry)

    lines = []
    out = tmp_path / "figures"
    numbers = _script().generate_all(out, n=100, registry=registry, log=lines.append)
    assert not any("no GAN entry" in line or "no conditional entry" in line for line in lines), lines
    assert any("autoencoder" not in line for line in lines)

    grid = _png(out / "cgan_fashion_mnist_lerp_slerp.png")
    assert grid.shape[:2] == (8 * 57 + 1, 9 * 57 + 1), grid.shape   # 4 lerp rows + 4 slerp rows, 9 steps
    norms = numbers["lerp_slerp"]["cgan_fashion_mnist"]["midpoint_norm"]
    # Between two independent Gaussian draws in 32-d, the straight line dips to ~|z| / sqrt(2) at
    # its midpoint; slerp keeps the norm near sqrt(32).
    sqrt_d = np.sqrt(32)
    assert 0.85 * sqrt_d < norms["slerp"] < 1.15 * sqrt_d, norms
    assert norms["lerp"] < 0.85 * norms["slerp"], norms
    assert (out / "cgan_fashion_mnist_lerp_slerp_norms.png").stat().st_size > 5_000

    rows = _png(out / "cgan_fashion_mnist_per_class.png")
    assert rows.shape[:2] == (10 * 57 + 1, 10 * 57 + 1), rows.shape
    per_class = numbers["per_class"]["cgan_fashion_mnist"]
    assert per_class["classes"] == 10 and 0.0 <= per_class["evaluator_agrees"] <= 1.0 and per_class["n"] == 1000

    # The loss curves come from the per-epoch summary on the card, not from a training run.
    assert numbers["training"]["cgan_fashion_mnist"]["g_loss"] == {"first": 0.9, "last": 1.1, "epochs": 3}
    curves = _png(out / "cgan_fashion_mnist_training.png")
    assert curves.shape[1] > 1.5 * curves.shape[0], curves.shape   # two panels side by side


def test_vae_page_quotes_the_committed_figures_json():
    """The numbers the AE/VAE tutorial quotes are the ones gen_figures.py wrote next to the figures."""
    numbers = json.loads((ROOT / "docs" / "assets" / "figures" / "figures.json").read_text())
    page = " ".join((ROOT / "docs" / "tutorials" / "vae.md").read_text(encoding="utf-8").split())
    pair = numbers["ae_vae"]["fashion_mnist"]
    ae, vae = pair["autoencoder"], pair["VAE"]
    quoted = [
        "standard deviations {:.1f} and {:.1f}".format(*ae["code_std_on_axes"]),
        "mean code norm {:.1f}".format(ae["mean_code_norm"]),
        "deviations {:.2f} and {:.2f}".format(*vae["code_std_on_axes"]),
        "average {:.2f}".format(vae["mean_code_norm"]),
        "{:,} test images".format(pair["test_images"]),
        "{:,} draws".format(vae["prior_samples"]["n"]),
        "autoencoder {:.4f}, VAE {:.4f}".format(pair["reconstruction_mse"]["autoencoder"],
                                               pair["reconstruction_mse"]["VAE"]),
    ]
    for name, model in (("autoencoder_fashion_mnist", ae), ("vae_fashion_mnist", vae)):
        s = model["prior_samples"]
        quoted.append(f"| `{name}` | {100 * s['confident_share']:.1f}% | {s['mean_confidence']:.3f} | "
                      f"{s['classes_covered']} of 10 |")
    quoted.append(f"| real test images, for scale | {100 * pair['real_test_confident_share']:.1f}% |")
    missing = [q for q in quoted if q not in page]
    assert not missing, f"docs/tutorials/vae.md does not quote figures.json; rerun docs/gen_figures.py and update: {missing}"


def test_dcgan_page_quotes_the_committed_figures_json():
    numbers = json.loads((ROOT / "docs" / "assets" / "figures" / "figures.json").read_text())
    page = " ".join((ROOT / "docs" / "tutorials" / "dcgan.md").read_text(encoding="utf-8").split())
    vae = numbers["lerp_slerp"]["vae_fashion_mnist"]
    quoted = "(norm {:.2f} on average against {:.2f} at the ends)".format(vae["midpoint_norm"]["lerp"],
                                                                        vae["endpoint_norm"])
    assert quoted in page, f"docs/tutorials/dcgan.md does not quote figures.json: {quoted}"
    assert (ROOT / "docs" / "assets" / "figures" / "vae_fashion_mnist_lerp_slerp.png").exists()


@pytest.mark.parametrize("family", ["diffusion", "flow"])
def test_trajectory_and_encode_interpolate_figures(family, tmp_path):
    """The denoising trajectory ends where `generate` does with the same noise; the encode strip
    has the real images at its ends and the decoded slerp path between them."""
    script = _script()
    extra = {"num_classes": 10, "sampling_guidance": 2.0} if family == "flow" else {}
    model = gz.models.create(family, image_shape=(28, 28, 1), recipe="fast", base_filters=4, seed=0, **extra)
    rng = np.random.default_rng(0)
    model.set_weights([w + 0.05 * rng.standard_normal(w.shape).astype(w.dtype) if w.dtype.kind == "f" else w
                       for w in model.get_weights()])  # away from the zero-initialised output
    numbers = script.trajectory(family, model, tmp_path, rows=2, columns=4)
    assert numbers["max_abs_difference_from_generate"] < 1e-5, numbers
    assert numbers["sampler"] == ("DDIM, 3 steps" if family == "diffusion" else "Euler, 3 steps")
    assert _png(tmp_path / f"{family}_trajectory.png").shape[:2] == (2 * 57 + 1, 4 * 57 + 1)
    strip = script.encode_interpolate(family, model, "fashion_mnist", tmp_path, num=3, pairs=2)
    assert 0.0 <= strip["reconstruction_mean_abs_error"] < 1.0
    assert _png(tmp_path / f"{family}_encode_interpolate.png").shape[:2] == (2 * 57 + 1, 5 * 57 + 1)
