"""tf.distribute and mixed precision (on CPU: two logical devices in a subprocess)."""

import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_genzoo as gz

SCRIPTS = Path(__file__).parent / "scripts"


def run_script(name, *args):
    out = subprocess.run([sys.executable, str(SCRIPTS / name), *args], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize(
    "family", ["GAN", "DCGAN", "WGAN", "WGANGP", "VAE", "DCGAN_EMA", "ConditionalGAN", "ACGAN", "ConditionalVAE"]
)
def test_one_mirrored_step_equals_one_single_device_step(family):
    # One process per model: MirroredStrategy objects created one after another in a
    # process can collide on collective-op keys.
    (r,) = run_script("mirrored_equivalence.py", family)
    assert r["moved"] > 5e-5, r  # the step changed the weights, so equality means something
    assert r["max_weight_diff"] < 1e-5, r
    assert r["max_log_diff"] < 1e-4, r  # reported metrics are global means, not one replica's


def test_replicas_draw_different_noise_reproducibly():
    (r,) = run_script("replica_noise.py")
    assert not np.allclose(r["replica_0"], r["replica_1"])
    assert r["again"] == [r["replica_0"], r["replica_1"]]
    # A critic cycle per call decides the generator phase with tf.cond, which replicas refuse.
    assert "steps_per_execution=5 with n_critic=5 needs a single replica, but the strategy has 2" in r["fused_error"]


def test_get_strategy_and_global_batch():
    assert gz.distribute.get_strategy("default").num_replicas_in_sync == 1
    one = gz.distribute.get_strategy("one_device")
    assert gz.distribute.global_batch_size(64, one) == 64
    with pytest.raises(ValueError, match="strategy must be one of"):
        gz.distribute.get_strategy("horovod")
    with pytest.raises(ValueError, match="needs TF_CONFIG"):
        gz.distribute.get_strategy("multi_worker")
    with pytest.raises(ValueError, match="per_replica_batch_size must be a positive integer"):
        gz.distribute.global_batch_size(0)


MIXED_PRECISION_MODELS = {
    "DCGAN": lambda: gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=8, ema_decay=0.9, seed=0),
    "VAE": lambda: gz.models.VAE(image_shape=(8, 8, 1), latent_dim=2, base_filters=8, seed=0),
    "ConditionalGAN": lambda: gz.models.ConditionalGAN(image_shape=(8, 8, 1), num_classes=3, latent_dim=4,
                                                       base_filters=8, seed=0),
    "ACGAN": lambda: gz.models.ACGAN(image_shape=(8, 8, 1), num_classes=3, latent_dim=4, base_filters=8, seed=0),
    "ConditionalVAE": lambda: gz.models.ConditionalVAE(image_shape=(8, 8, 1), num_classes=3, latent_dim=2,
                                                       base_filters=8, seed=0),
}


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("family", list(MIXED_PRECISION_MODELS))
def test_mixed_precision_trains_finite_with_float32_outputs(policy, family):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        model = MIXED_PRECISION_MODELS[family]()
        rng = np.random.default_rng(0)
        x = rng.uniform(0, 1, (32, 8, 8, 1)).astype("float32")
        conditional = hasattr(model, "num_classes")
        if conditional:
            ds = gz.data.from_array(x, rng.integers(0, 3, 32).astype("int32"), batch_size=8, image_range=(0, 1))
        else:
            ds = gz.data.from_array(x, batch_size=8, image_range=(0, 1))
        model.compile()
        history = model.fit(ds, epochs=2, verbose=0).history
        assert all(np.isfinite(v).all() for v in history.values()), history
        adversarial = hasattr(model, "d_optimizer")
        optimizers = [model.d_optimizer, model.g_optimizer] if adversarial else [model.optimizer]
        is_scaled = [isinstance(o, keras.optimizers.LossScaleOptimizer) for o in optimizers]
        assert all(is_scaled) if policy == "mixed_float16" else not any(is_scaled)
        samples = model.generate(6, seed=0, labels=[0, 1, 2, 0, 1, 2] if conditional else None)
        assert samples.dtype == np.float32 and samples.shape == (6, 8, 8, 1) and np.isfinite(samples).all()
        assert all(np.isfinite(v.numpy()).all() for v in model.trainable_variables)
    finally:
        keras.config.set_dtype_policy(previous)


def test_callbacks_under_mirrored_strategy(tmp_path):
    (r,) = run_script("callbacks_mirrored.py", str(tmp_path))
    assert r["files"] == ["epoch_001.png", "epoch_002.png"]
    assert len(r["fid"]) == 2 and all(v > 0 for v in r["fid"])
    assert r["steps"] == 8  # 256 examples in global batches of 64: 4 steps per epoch


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_multi_worker_fit_with_two_processes(tmp_path):
    """Two worker processes on 127.0.0.1 train together (keras-team/keras#20585 worked around
    in keras_genzoo.trainers.tensorflow.Trainer.log_values): both finish with identical weights and logs, and
    only the chief writes images."""
    import os

    workers = [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]
    procs = []
    for index in range(2):
        env = dict(os.environ, TF_CONFIG=json.dumps({"cluster": {"worker": workers},
                                                     "task": {"type": "worker", "index": index}}))
        procs.append(subprocess.Popen([sys.executable, str(SCRIPTS / "multi_worker.py"), str(index), str(tmp_path)],
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    try:
        outputs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            p.kill()
    for p, (_, err) in zip(procs, outputs):
        assert p.returncode == 0, err[-3000:]
    chief, other = (json.loads((tmp_path / f"worker{i}.json").read_text()) for i in range(2))
    assert chief["weights_sha256"] == other["weights_sha256"]
    assert chief["history"] == other["history"]
    assert chief["critic_steps"] == other["critic_steps"] > 0
    assert chief["g_updates"] == chief["critic_steps"] // 2
    assert chief["files"] == ["epoch_001.png", "epoch_002.png"] and other["files"] == []


@pytest.mark.parametrize("cls", [gz.models.WGAN, gz.models.VAE])
def test_fit_under_one_device_strategy(cls):
    strategy = gz.distribute.get_strategy("one_device")
    with strategy.scope():
        model = cls(data_shape=(3,), latent_dim=2, seed=0)
        model.compile()
    x = np.random.default_rng(0).uniform(0, 1, (64, 3)).astype("float32")
    history = model.fit(gz.data.from_array(x, batch_size=16), epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in history.values())
    assert int(model.optimizer.iterations.numpy() if cls is gz.models.VAE else model.d_optimizer.iterations.numpy()) == 4
