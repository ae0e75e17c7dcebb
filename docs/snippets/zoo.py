"""The code of docs/tutorials/zoo.md (using the pretrained zoo), run as one script.

    python docs/snippets/zoo.py                     # writes docs/assets/zoo_tutorial/
    GENZOO_DOCS_FAST=1 python docs/snippets/zoo.py  # CI: fewer images, files in the working directory

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page. The
page's examples use `vae_fashion_mnist`; the loop over `gz.zoo.available()` works with
whatever entries the registry holds.
"""

# --8<-- [start:budget]
import os

FAST = os.environ.get("GENZOO_DOCS_FAST") == "1"   # CI measures on fewer images and steps
N, STEPS = (1_000, 2) if FAST else (10_000, 50)
# --8<-- [end:budget]
from pathlib import Path

ASSETS = Path(".") if FAST else Path(__file__).resolve().parents[1] / "assets" / "zoo_tutorial"
ASSETS.mkdir(parents=True, exist_ok=True)
os.chdir(ASSETS)   # the shell commands below write their files here

# --8<-- [start:available]
import numpy as np
import keras_genzoo as gz

print(gz.zoo.available())          # names are "<family>_<dataset>"
# --8<-- [end:available]
assert "vae_fashion_mnist" in gz.zoo.available()
assert all("_" in name for name in gz.zoo.available())

# --8<-- [start:card]
card = gz.zoo.card("vae_fashion_mnist")
print(card["class"], card["dataset"], card["split"], "latent_dim", card["config"]["latent_dim"])
print(card["training"]["command"])                  # the command that reproduces the entry
fd = card["metrics"]["fd"]
print(f"FD {fd['value']:.1f} on", fd["protocol"]["n_fake"], "samples against", fd["protocol"]["reference_split"])
# --8<-- [end:card]
assert card["class"] == "VAE" and card["training"]["command"].startswith("genzoo train vae")
assert fd["protocol"]["extractor"] == "fashion_mnist"

# --8<-- [start:load]
vae = gz.zoo.load("vae_fashion_mnist")                # files hash-checked, model rebuilt in safe mode
images = vae.generate(16, seed=0)                     # float32 in [0, 1], (16, 28, 28, 1)
again = gz.models.VAE.from_preset("vae_fashion_mnist").generate(16, seed=0)
print(images.shape, np.array_equal(images, again))   # the same model either way: True
gz.utils.save_image(gz.utils.image_grid(images, cols=8), "vae_samples.png")
# --8<-- [end:load]
assert images.shape == (16, 28, 28, 1) and np.array_equal(images, again)

# --8<-- [start:errors]
for attempt in (lambda: gz.models.DCGAN.from_preset("vae_fashion_mnist"),   # wrong class
                lambda: gz.zoo.load("vae_mnist")):                           # no such entry
    try:
        attempt()
    except gz.zoo.ZooError as err:
        print(type(err).__name__, "-", err)
# --8<-- [end:errors]
    else:
        raise AssertionError("a bad zoo request was accepted")

# --8<-- [start:every]
for name in gz.zoo.available():
    model = gz.zoo.load(name)
    labels = {"labels": np.arange(8) % model.num_classes} if getattr(model, "num_classes", None) else {}
    x = model.generate(8, seed=0, **labels)
    print(f"{name:28s} {type(model).__name__:15s} latent_dim {model.latent_dim:3d}  {x.shape}")
# --8<-- [end:every]
    assert x.shape[0] == 8 and 0.0 <= x.min() and x.max() <= 1.0

# --8<-- [start:use]
x_test, y_test = next(iter(gz.data.load("fashion_mnist", split="test[:8]", batch_size=8, shuffle=False,
                                         with_labels=True)))
z_mean, z_log_var = vae.encode(x_test.numpy())         # the encoder's q(z | x): (8, 16) each
recon = vae.reconstruct(x_test.numpy())                # decode(encode(x)) through the means
path = vae.interpolate(x_test.numpy()[:1], x_test.numpy()[1:2], steps=8)   # (1, 8, 28, 28, 1)
print(z_mean.shape, recon.shape, path.shape)
# --8<-- [end:use]
assert z_mean.shape == (8, 16) and recon.shape == (8, 28, 28, 1) and path.shape == (1, 8, 28, 28, 1)
assert np.mean((recon - x_test.numpy()) ** 2) < 0.05

# --8<-- [start:measure]
real = gz.data.load("fashion_mnist", split=f"test[:{N}]", batch_size=500, shuffle=False)
fid = gz.metrics.frechet_distance(real, vae, extractor="fashion_mnist", n=N)    # the model as the source
print(f"FD now {float(fid):.1f} (n = {N}); card {card['metrics']['fd']['value']:.1f} (n = 10,000)")
# --8<-- [end:measure]
assert 0.5 * fd["value"] < float(fid) < 1.5 * fd["value"], (float(fid), fd["value"])

# --8<-- [start:finetune]
try:
    gz.zoo.load("vae_fashion_mnist", with_optimizers=True)   # only entries that ship their optimizer state
except gz.zoo.ZooError as err:
    print(err)
vae.compile()                                                 # fresh optimizers, then keep training
train = gz.data.load("fashion_mnist", split="train", batch_size=128)
history = vae.fit(train.take(STEPS), epochs=1, verbose=0)
print({k: round(float(v[-1]), 1) for k, v in history.history.items()})
# --8<-- [end:finetune]
assert np.isfinite(history.history["loss"][-1]) and history.history["loss"][-1] < 300

CLI = """
# --8<-- [start:cli]
genzoo zoo list
genzoo zoo show vae_fashion_mnist
genzoo zoo sample vae_fashion_mnist -n 64 --seed 0 --out vae_grid.png
genzoo zoo eval vae_fashion_mnist --num-samples 1000
genzoo zoo export vae_fashion_mnist --out vae_savedmodel
# --8<-- [end:cli]
"""
# The page shows the lines above as shell commands; run each one through the CLI here.
import shlex

from click.testing import CliRunner

from keras_genzoo import cli

for line in CLI.strip().splitlines()[1:-1]:
    args = shlex.split(line)
    assert args[0] == "genzoo", line
    result = CliRunner().invoke(cli.main, args[1:])
    assert result.exit_code == 0, (line, result.output, result.exception)
    print("$", line, "\n" + result.output.rstrip())
assert Path("vae_grid.png").stat().st_size > 1_000 and Path("vae_savedmodel", "saved_model.pb").exists()

# --8<-- [start:savedmodel]
import tensorflow as tf

served = tf.saved_model.load("vae_savedmodel")                 # no keras_genzoo needed to load it
pretrained = gz.zoo.load("vae_fashion_mnist")                  # (the fine-tuned `vae` has moved on)
noise = pretrained.sample_latent(4, seed=0)
out = served.serve(tf.constant(noise))
print(out.shape, np.abs(out.numpy() - pretrained.generate(4, z=noise)).max())   # same images: ~1e-7
# --8<-- [end:savedmodel]
assert out.shape == (4, 28, 28, 1) and np.abs(out.numpy() - pretrained.generate(4, z=noise)).max() < 1e-4
if not FAST:   # the page shows the grids written here, not the SavedModel
    import shutil

    shutil.rmtree("vae_savedmodel")
