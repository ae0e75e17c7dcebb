"""One worker of a two-process MultiWorkerMirroredStrategy job (TF_CONFIG set by the test).

Trains a tiny WGAN-GP (n_critic=2) on 8x8 images with a SampleGrid, and writes a JSON
summary to argv[2]/worker<index>.json. Run by tests/test_distribute.py.
"""

import hashlib
import json
import os
import sys

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_genzoo as gz  # noqa: E402

index, out = int(sys.argv[1]), sys.argv[2]
strategy = gz.distribute.get_strategy("auto")  # TF_CONFIG describes a cluster: multi-worker
assert isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy), type(strategy)
with strategy.scope():
    model = gz.models.WGANGP(image_shape=(8, 8, 1), latent_dim=3, base_filters=4, n_critic=2,
                             sync_batch_norm=True, seed=0)
    model.compile()
x = np.random.default_rng(0).uniform(0, 1, size=(256, 8, 8, 1)).astype("float32")
ds = tf.data.Dataset.from_tensor_slices(x).batch(32, drop_remainder=True)
images = os.path.join(out, f"images{index}")
history = model.fit(ds, epochs=2, verbose=0, callbacks=[gz.callbacks.SampleGrid(images, num_samples=4)])
digest = hashlib.sha256(b"".join(np.asarray(v.numpy()).tobytes() for v in model.trainable_variables)).hexdigest()
summary = {
    "history": {k: [float(np.asarray(a).ravel()[0]) for a in v] for k, v in history.history.items()},
    "weights_sha256": digest,
    "critic_steps": int(model.critic_steps.numpy()),
    "g_updates": int(model.g_optimizer.iterations.numpy()),
    "files": sorted(f for f in os.listdir(images) if not f.startswith(".")),
}
with open(os.path.join(out, f"worker{index}.json"), "w") as f:
    json.dump(summary, f)
