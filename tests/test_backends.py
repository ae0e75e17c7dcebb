"""The same training on every Keras backend: TensorFlow, JAX and PyTorch (when installed).

Each backend runs in its own process (Keras picks its backend once per process)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import keras_genzoo as gz

SCRIPTS = Path(__file__).parent / "scripts"
BACKENDS = [b for b in ("tensorflow", "jax", "torch") if importlib.util.find_spec(b if b != "tensorflow" else "tensorflow")]
OTHER_BACKENDS = [b for b in BACKENDS if b != "tensorflow"]


def run(backend, script, *args, env=None):
    environ = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2", **(env or {}))
    out = subprocess.run([sys.executable, str(SCRIPTS / script), *map(str, args)], capture_output=True, text=True,
                         timeout=900, env=environ)
    assert out.returncode == 0, out.stderr[-4000:]
    return out.stdout


@pytest.fixture(scope="module")
def steps_by_backend(tmp_path_factory):
    folder = tmp_path_factory.mktemp("steps")
    results = {}
    for backend in BACKENDS:
        run(backend, "backend_step.py", folder / f"{backend}.npz")
        results[backend] = dict(np.load(folder / f"{backend}.npz"))
    return results


@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_same_steps_give_the_same_weights_on_every_backend(steps_by_backend, backend):
    """Same initial weights, data and injected noise, SGD, three steps (n_critic = 2 for the
    critics): every family ends with the weights TensorFlow gives, to float32 round-off."""
    reference, other = steps_by_backend["tensorflow"], steps_by_backend[backend]
    assert sorted(reference) == sorted(other)
    families = sorted({key.split("/")[0] for key in reference})
    assert families == ["Autoencoder", "DCGAN", "Diffusion", "FlowMatching", "GAN", "VAE", "WGAN", "WGANGP"]
    for key, value in reference.items():
        np.testing.assert_allclose(other[key], value, rtol=1e-5, atol=1e-5, err_msg=f"{backend}: {key}")
    # The critics' schedule: WGAN's g_loss is the mean over its one generator update only.
    assert reference["WGAN/log/g_loss"].shape == (1,)


@pytest.fixture(scope="module")
def portable_reports(tmp_path_factory):
    """Every backend saves once; every backend then loads, in one process, what the others saved:
    `{(source, target): report}`."""
    folders = {}
    for backend in BACKENDS:
        folders[backend] = tmp_path_factory.mktemp(f"saved_{backend}")
        run(backend, "portable.py", "save", folders[backend])
    reports = {}
    for target in BACKENDS:
        sources = [b for b in BACKENDS if b != target]
        lines = [json.loads(line) for line in run(target, "portable.py", "load", *(folders[b] for b in sources))
                 .splitlines() if line.startswith("{")]
        assert [line["folder"] for line in lines] == [str(folders[b]) for b in sources]
        reports.update({(source, target): line for source, line in zip(sources, lines)})
    return reports


@pytest.mark.parametrize("source,target", [(s, t) for s in BACKENDS for t in BACKENDS if s != t])
def test_weights_are_portable_across_backends(portable_reports, source, target):
    report = portable_reports[(source, target)]
    assert report["backend"] == target
    for name in ("dcgan", "wgangp", "vae"):
        assert report[name]["max_abs_diff"] <= 1e-5, report
        assert report[name]["iterations"] == 4, report  # the optimizers' state came along


@pytest.mark.skipif("jax" not in BACKENDS, reason="JAX is not installed (pip install -e '.[jax]')")
def test_jax_data_parallel_equals_one_device():
    lines = [json.loads(line) for line in run("jax", "jax_data_parallel.py").splitlines() if line.startswith("{")]
    assert [r["family"] for r in lines] == ["GAN", "DCGAN", "WGAN", "WGANGP", "Autoencoder", "VAE", "FlowMatching",
                                            "Diffusion"]
    for r in lines:
        assert r["same_init"] == 0.0, r
        assert r["moved"] > 1e-4, r  # training changed the weights, so equality means something
        assert r["max_weight_diff"] <= 1e-5, r


def test_unsupported_backend_is_reported(monkeypatch):
    import keras

    from keras_genzoo import trainers

    monkeypatch.setattr(keras.backend, "backend", lambda: "numpy")
    with pytest.raises(RuntimeError, match=r"trains on the backends \('tensorflow', 'jax', 'torch'\).*'numpy'"):
        gz.models.GAN(data_shape=(2,), latent_dim=2)
    monkeypatch.setattr(keras.backend, "backend", lambda: "tensorflow")
    monkeypatch.setattr(keras, "__version__", "3.1.0")
    with pytest.raises(RuntimeError, match=r"needs Keras >= 3.3, found 3.1.0"):
        trainers.check_backend()


def test_registry_lists_every_family_once():
    names = gz.models.registry.names()
    assert names == ("autoencoder", "vae", "gan", "dcgan", "wgan", "wgangp", "cvae", "cgan", "acgan", "flow", "diffusion")
    classes = [gz.models.registry.get(n).cls for n in names]
    assert len(set(classes)) == len(classes)
    for name in names:
        family = gz.models.registry.get(name)
        assert "paper" in family.recipes and family.paper and family.batch_size >= 1
        assert gz.models.registry.family_of(family.cls) == name
    with pytest.raises(ValueError, match="Unknown model family 'stylegan'; choose from autoencoder, vae"):
        gz.models.registry.get("stylegan")
    with pytest.raises(ValueError, match="dcgan has no recipe 'turbo'; choose from paper"):
        gz.models.registry.create("dcgan", (8, 8, 1), recipe="turbo")


def test_gradient_penalty_gradients_match_finite_differences():
    """The penalty's gradient w.r.t. the critic's weights (a second derivative) against central
    differences in float64. Keras' LayerNormalization on TensorFlow gets this wrong
    (`tf.nn.moments` stops the gradient through the mean); the critics use `networks.LayerNorm`."""
    import keras
    from keras import ops

    from keras_genzoo import trainers

    previous, previous_policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")  # a policy set by an earlier test would win over floatx
    try:
        critic = gz.networks.dcgan_discriminator((8, 8, 1), 4, "layer", seed=0, name="critic")
        rng = np.random.default_rng(1)
        for v in critic.trainable_variables:
            v.assign(rng.normal(size=v.shape) * 0.3)
        x = ops.convert_to_tensor(rng.uniform(-1, 1, (8, 8, 8, 1)))

        def penalty():
            g = trainers.input_gradients(lambda t: critic(t, training=True), x)
            norms = ops.sqrt(ops.sum(ops.reshape(g, (8, -1)) ** 2, axis=1) + 1e-12)
            return ops.mean((norms - 1.0) ** 2)

        bias = critic.trainable_variables[1]  # the first convolution's bias
        import tensorflow as tf

        with tf.GradientTape() as tape:
            value = penalty()
        analytic = tape.gradient(value, bias).numpy()
        base = bias.numpy().copy()
        numeric = []
        for i in range(base.size):
            plus, minus = base.copy(), base.copy()
            plus[i] += 1e-5
            minus[i] -= 1e-5
            bias.assign(plus)
            high = float(penalty())
            bias.assign(minus)
            low = float(penalty())
            numeric.append((high - low) / 2e-5)
        bias.assign(base)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-7)
    finally:
        keras.config.set_floatx(previous)
        keras.config.set_dtype_policy(previous_policy)
