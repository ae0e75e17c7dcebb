"""The code of docs/tutorials/distributed.md, run as one script.

    python docs/snippets/distributed.py                     # the page's budget: 5 epochs on 60,000 images
    GENZOO_DOCS_FAST=1 python docs/snippets/distributed.py  # CI: a few steps on a slice

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page. The
machine running this usually has no GPU, so `get_strategy("mirrored")` mirrors over the one
CPU device, and the JAX block runs in a subprocess with KERAS_BACKEND=jax and two host CPU
devices made by XLA_FLAGS (tests/test_distribute.py and tests/test_backends.py check that
two replicas compute the same update as one device).
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np

FAST = os.environ.get("GENZOO_DOCS_FAST") == "1"

# --8<-- [start:strategy]
import keras_genzoo as gz

SPLIT, EPOCHS = ("train[:256]", 1) if FAST else ("train", 5)   # CI: two steps on 256 images

strategy = gz.distribute.get_strategy("mirrored")        # or "auto", "one_device", "multi_worker", "tpu"
with strategy.scope():
    model = gz.models.DCGAN(image_shape=(28, 28, 1), sync_batch_norm=True)
    model.compile()                                      # optimizers are built inside the scope
batch = gz.distribute.global_batch_size(128, strategy)   # 128 per replica
history = model.fit(gz.data.load("fashion_mnist", split=SPLIT, batch_size=batch, drop_remainder=True),
                    epochs=EPOCHS, verbose=0)
# --8<-- [end:strategy]
import tensorflow as tf

assert isinstance(strategy, tf.distribute.MirroredStrategy)
assert batch == 128 * strategy.num_replicas_in_sync
assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history
assert isinstance(gz.distribute.get_strategy("auto"), tf.distribute.Strategy)   # no GPUs, no TF_CONFIG: default
try:
    gz.distribute.global_batch_size(0, strategy)
except ValueError as err:
    assert "positive integer" in str(err)
else:
    raise AssertionError("global_batch_size accepted 0")

# --8<-- [start:mixed]
import keras

keras.config.set_dtype_policy("mixed_float16")   # or "mixed_bfloat16"
model = gz.models.DCGAN(image_shape=(28, 28, 1))
model.compile()   # under mixed_float16 each optimizer is wrapped in its own LossScaleOptimizer
# --8<-- [end:mixed]
optimizers = [model.d_optimizer, model.g_optimizer]
assert all(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in optimizers), optimizers
assert optimizers[0] is not optimizers[1]
x = gz.data.load("fashion_mnist", split="train[:32]", batch_size=32, drop_remainder=True)
history = model.fit(x, epochs=1, verbose=0)      # one step: finite losses, float32 samples
assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history
samples = model.generate(4, seed=0)
assert samples.dtype == np.float32 and np.isfinite(samples).all() and samples.shape == (4, 28, 28, 1)
assert all(v.dtype == "float32" for v in model.trainable_variables)
keras.config.set_dtype_policy("float32")

JAX = """
# --8<-- [start:jax]
# KERAS_BACKEND=jax python train.py   (CPU only: XLA_FLAGS=--xla_force_host_platform_device_count=2)
import jax
import keras
import keras_genzoo as gz

keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices()))
model = gz.models.DCGAN(image_shape=(28, 28, 1), seed=0)   # variables replicated on every device
model.compile()
history = model.fit(gz.data.load("fashion_mnist", split=SPLIT, batch_size=128, drop_remainder=True),
                    epochs=EPOCHS, verbose=0)              # each batch is split across the devices
# --8<-- [end:jax]
"""
# Run the JAX block in its own process (the backend is chosen at import) with two host devices.
code = "\n".join(line for line in JAX.strip().splitlines() if "--8<--" not in line)
code = (f"SPLIT, EPOCHS = {SPLIT!r}, {EPOCHS}\n" + code + textwrap.dedent("""
    import json, numpy as np
    print(json.dumps({"backend": keras.backend.backend(), "devices": len(jax.devices()),
                      "finite": bool(all(np.isfinite(v[-1]) for v in history.history.values())),
                      "steps": int(keras.ops.convert_to_numpy(model.critic_steps))}))
    """))
env = dict(os.environ, KERAS_BACKEND="jax", XLA_FLAGS="--xla_force_host_platform_device_count=2",
           JAX_PLATFORMS="cpu")
run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
assert run.returncode == 0, run.stderr[-5000:]
report = json.loads(run.stdout.strip().splitlines()[-1])
print("JAX DataParallel:", report)
assert report == {"backend": "jax", "devices": 2, "finite": True,
                  "steps": EPOCHS * (256 if FAST else 60_000) // 128}, report
