"""Run by tests/test_backends.py: `portable.py save PATH` trains briefly and saves the models and
their outputs on fixed latents; `portable.py load PATH [PATH ...]` loads what each PATH holds
(saved on other backends) and compares, printing one JSON line per PATH."""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_genzoo as gz  # noqa: E402

MAKERS = {
    "dcgan": lambda: gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, seed=0),
    "wgangp": lambda: gz.models.WGANGP(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, n_critic=2, seed=0),
    "vae": lambda: gz.models.VAE(image_shape=(8, 8, 1), latent_dim=2, base_filters=4, seed=0),
}
action, folders = sys.argv[1], sys.argv[2:]
if action == "save":
    z_rng = np.random.default_rng(3)
    for name, make in MAKERS.items():
        path = os.path.join(folders[0], f"{name}.keras")
        model = make()
        model.compile()
        x = np.random.default_rng(0).uniform(0, 1, (32, 8, 8, 1)).astype("float32")
        model.fit(x, batch_size=8, epochs=1, verbose=0)
        model.save(path)
        z = z_rng.normal(size=(6, model.latent_dim)).astype("float32")
        np.save(path + ".z.npy", z)
        np.save(path + ".out.npy", model.generate(6, z=z))
else:
    for folder in folders:
        report = {"backend": keras.backend.backend(), "folder": folder}
        for name in MAKERS:
            path = os.path.join(folder, f"{name}.keras")
            model = keras.models.load_model(path)
            z = np.load(path + ".z.npy")
            diff = float(np.abs(model.generate(6, z=z) - np.load(path + ".out.npy")).max())
            optimizer = model.d_optimizer if hasattr(model, "d_optimizer") else model.optimizer
            report[name] = {"max_abs_diff": diff, "iterations": int(keras.ops.convert_to_numpy(optimizer.iterations))}
        print(json.dumps(report))
