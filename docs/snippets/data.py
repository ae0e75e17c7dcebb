"""The code of docs/data.md, run as one script (CI: GENZOO_DOCS_FAST=1 python docs/snippets/data.py).

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page.
"""

# --8<-- [start:load]
import keras_genzoo as gz

ds = gz.data.load("fashion_mnist", split="train", batch_size=128)                 # images in [0, 1]
ds_xy = gz.data.load("fashion_mnist", batch_size=128, with_labels=True)           # (images, labels)
digits = gz.data.load("digits", batch_size=64, seed=0)                            # same order every run
small = gz.data.load("fashion_mnist", split="train[:5000]", batch_size=128)       # a slice

images = next(iter(ds))
print(images.shape, images.dtype.name, float(images.numpy().min()), float(images.numpy().max()))
# (128, 28, 28, 1) float32 0.0 1.0
# --8<-- [end:load]
assert tuple(images.shape) == (128, 28, 28, 1)
assert images.numpy().min() >= 0.0 and images.numpy().max() <= 1.0  # every model takes [0, 1]
x, y = next(iter(ds_xy))
assert tuple(y.shape) == (128,) and 0 <= int(y.numpy().min()) and int(y.numpy().max()) <= 9
assert next(iter(digits)).numpy().min() >= 0.0
assert sum(int(b.shape[0]) for b in small) == 5000

# --8<-- [start:info]
fm = gz.data.info("fashion_mnist")
print(fm.image_shape, fm.num_classes, fm.num_examples)
print(fm.source)          # where load() would read it on this machine
print(gz.data.names())    # every name load() accepts
# --8<-- [end:info]
assert fm.image_shape == (28, 28, 1) and fm.num_examples["test"] == 10000
assert set(gz.data.names()) >= {"fashion_mnist", "mnist", "cifar10", "celeb_a", "digits"}

# --8<-- [start:errors]
try:
    gz.data.load("fashion_mnist", source="sklearn")   # scikit-learn only bundles digits
except (ValueError, FileNotFoundError) as err:
    print(type(err).__name__, err)
# --8<-- [end:errors]
else:
    raise AssertionError("loading fashion_mnist from scikit-learn should fail")

# --8<-- [start:arrays]
import pathlib
import numpy as np
from PIL import Image

rng = np.random.default_rng(0)
x_uint8 = rng.integers(0, 256, size=(100, 28, 28, 1), dtype=np.uint8)
y = rng.integers(0, 10, size=100)
x_float01 = x_uint8 / 255.0
x_float = rng.normal(size=(100, 28, 28, 1)).clip(-3, 3)
points = rng.normal(size=(1000, 2)).astype("float32")

for label in ("cats", "dogs"):            # a folder of images, one sub-folder per class
    folder = pathlib.Path("photos") / label
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(3):
        Image.fromarray(rng.integers(0, 256, size=(80, 60, 3), dtype=np.uint8)).save(folder / f"{i}.png")

ds = gz.data.from_array(x_uint8, y, batch_size=64)                 # (N, H, W, C) uint8 in [0, 255]
ds = gz.data.from_array(x_float01, batch_size=64)                  # floats must lie in [0, 1] ...
ds = gz.data.from_array(x_float, input_range=(-3, 3))              # ... or in the range you state
ds = gz.data.from_array(points, batch_size=256)                    # vectors (N, d), kept in data units
ds = gz.data.from_directory("photos/", image_size=(64, 64))        # folder of images (sub-folders = classes)
# --8<-- [end:arrays]
batch = next(iter(ds))
assert tuple(batch.shape) == (6, 64, 64, 3), batch.shape
assert batch.numpy().min() >= 0.0 and batch.numpy().max() <= 1.0

# --8<-- [start:nocoerce]
for bad in (x_uint8[..., 0],                      # no channel axis
            x_uint8.astype("int32"),              # integers other than uint8
            x_float):                             # floats outside [0, 1] with no input_range
    try:
        gz.data.from_array(bad)
    except ValueError as err:
        print(err)
# --8<-- [end:nocoerce]
    else:
        raise AssertionError(f"from_array accepted {bad.dtype} {bad.shape}")
