"""Run by tests/test_backends.py under one Keras backend (KERAS_BACKEND is set by the caller).

    python backend_step.py OUT.npz

For each family: the same initial weights (set from numpy), the same data, the same injected
noise and plain SGD (so that tiny float differences are not amplified by Adam's normalisation);
three fit steps with n_critic = 2 for the critics. Saves every trainable weight after training,
the logs, and the generator/decoder output on fixed latents.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

import keras_genzoo as gz  # noqa: E402
from tiny_families import FAMILIES, InjectedNoise, labels_for  # noqa: E402


def data_for(model):
    rng = np.random.default_rng(0)
    if model.is_image_model:
        return rng.uniform(0, 1, (24,) + model.data_shape).astype("float32")
    return rng.normal(size=(24,) + model.data_shape).astype("float32")


def main(out):
    results = {}
    for name, make in FAMILIES.items():
        base = make()
        model = type(f"Injected{name}", (InjectedNoise, type(base)), {}).from_config(base.get_config())
        rng = np.random.default_rng(1)
        for v in model.trainable_variables:
            v.assign((rng.normal(size=v.shape) * 0.3).astype("float32"))
        if getattr(model, "network_ema", None) is not None:  # the average starts from the weights set here
            for average, v in zip(model.network_ema.variables, model.network.variables):
                average.assign(ops.convert_to_numpy(v))  # a copy: JAX must not see one buffer twice
        if hasattr(model, "d_optimizer") or isinstance(model, gz.models.AdversarialModel):
            model.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
        else:
            model.compile(optimizer=keras.optimizers.SGD(0.001))
        x = data_for(model)
        history = model.fit(x, labels_for(model, len(x)), batch_size=8, epochs=1, shuffle=False, verbose=0).history
        for i, v in enumerate(model.trainable_variables):
            results[f"{name}/w{i}"] = ops.convert_to_numpy(v)
        for key, values in history.items():
            results[f"{name}/log/{key}"] = np.asarray(values, np.float64)
        z = np.random.default_rng(2).normal(size=(5, model.latent_dim)).astype("float32")
        results[f"{name}/generate"] = model.generate(5, z=z, labels=labels_for(model, 5))
        if getattr(model, "network_ema", None) is not None:
            for i, v in enumerate(model.network_ema.variables):
                results[f"{name}/ema{i}"] = ops.convert_to_numpy(v)
    np.savez(out, **results)
    print("backend", keras.backend.backend(), "families", len(FAMILIES))


if __name__ == "__main__":
    main(sys.argv[1])
