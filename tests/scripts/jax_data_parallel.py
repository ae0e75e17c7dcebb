"""Run by tests/test_backends.py with KERAS_BACKEND=jax and two host CPU devices
(XLA_FLAGS=--xla_force_host_platform_device_count=2): for every family, two fit steps under
`keras.distribution.DataParallel` over both devices must give the same weights as on one
device, with the same data and seeds. Prints one JSON line per family."""

import json
import os
import sys

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

from tiny_families import FAMILIES, labels_for  # noqa: E402

MAKERS = FAMILIES


def train(name, distribution):
    keras.distribution.set_distribution(distribution)
    try:
        model = MAKERS[name]()
        model.compile()
        shape = model.data_shape
        rng = np.random.default_rng(0)
        x = (rng.uniform(0, 1, (16,) + shape) if len(shape) == 3 else rng.normal(size=(16,) + shape)).astype("float32")
        initial = [keras.ops.convert_to_numpy(v) for v in model.trainable_variables]
        model.fit(x, labels_for(model, len(x)), batch_size=8, epochs=1, shuffle=False, verbose=0)
        return initial, [keras.ops.convert_to_numpy(v) for v in model.trainable_variables]
    finally:
        keras.distribution.set_distribution(None)


assert len(jax.devices("cpu")) == 2, jax.devices()
for name in sys.argv[1:] or MAKERS:
    init_1, one = train(name, None)
    init_2, two = train(name, keras.distribution.DataParallel(devices=jax.devices("cpu")))
    print(json.dumps({
        "family": name,
        "same_init": max(float(np.abs(a - b).max()) for a, b in zip(init_1, init_2)),
        "moved": max(float(np.abs(a - b).max()) for a, b in zip(init_1, one)),
        "max_weight_diff": max(float(np.abs(a - b).max()) for a, b in zip(one, two)),
    }))
