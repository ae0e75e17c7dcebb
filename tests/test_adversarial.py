"""GAN, DCGAN, WGAN, WGAN-GP: the training core's schedule, constraints, determinism, saving, errors."""

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_genzoo as gz


def npv(value):
    """A variable or tensor as numpy, on any backend."""
    return keras.ops.convert_to_numpy(value)

SHAPE = (8, 8, 1)  # tiny images keep the suite fast; the conv nets accept any H, W divisible by 4


def image_data(n=64, batch=16, seed=0):
    x = np.random.default_rng(seed).uniform(0, 1, (n,) + SHAPE).astype("float32")
    return gz.data.from_array(x, batch_size=batch, shuffle=False)


def make(cls, **kw):
    kw.setdefault("latent_dim", 4)
    kw.setdefault("seed", 1)
    if cls is gz.models.DCGAN or cls in (gz.models.WGAN, gz.models.WGANGP):
        kw.setdefault("base_filters", 4)
    if cls is gz.models.GAN:
        kw.setdefault("hidden_units", (16, 16))
    m = cls(image_shape=SHAPE, **kw)
    m.compile()
    return m


ALL = [gz.models.GAN, gz.models.DCGAN, gz.models.WGAN, gz.models.WGANGP]


class BatchCounter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1


def test_defaults_follow_the_papers():
    gan, dcgan = make(gz.models.GAN), make(gz.models.DCGAN)
    wgan, wgangp = make(gz.models.WGAN), make(gz.models.WGANGP)
    for m in (gan, dcgan):
        assert m.n_critic == 1 and isinstance(m.d_optimizer, keras.optimizers.Adam)
        assert float(m.d_optimizer.learning_rate) == pytest.approx(2e-4) and m.d_optimizer.beta_1 == 0.5
        assert m.generator_loss_name == "non_saturating"
    assert wgan.n_critic == 5 and wgan.clip_value == 0.01
    assert isinstance(wgan.d_optimizer, keras.optimizers.RMSprop) and float(wgan.g_optimizer.learning_rate) == pytest.approx(5e-5)
    assert wgangp.n_critic == 5 and wgangp.gp_weight == 10.0
    assert float(wgangp.d_optimizer.learning_rate) == pytest.approx(1e-4)
    assert (wgangp.d_optimizer.beta_1, wgangp.d_optimizer.beta_2) == (0.0, 0.9)
    names = [type(layer).__name__ for layer in wgangp.discriminator.layers]
    assert "BatchNormalization" not in names and "LayerNorm" in names  # exact second derivatives
    d_layers = [type(layer).__name__ for layer in dcgan.discriminator.layers]
    assert d_layers[:3] == ["InputLayer", "Conv2D", "LeakyReLU"]  # no batch norm on the first layer
    assert "BatchNormalization" in d_layers
    std = float(np.std(npv(dcgan.generator.get_layer("up_1").kernel)))
    assert 0.015 < std < 0.025  # N(0, 0.02)


@pytest.mark.parametrize("cls", ALL)
def test_fit_reports_metrics_and_generates_in_unit_range(cls):
    m = make(cls)
    history = m.fit(image_data(), epochs=1, verbose=0)
    expected = {"d_loss", "g_loss", "d_real", "d_fake"}
    if cls in (gz.models.WGAN, gz.models.WGANGP):
        expected.add("wasserstein")
    if cls is gz.models.WGANGP:
        expected.add("gradient_penalty")
    assert set(history.history) == expected
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    x = m.generate(5, seed=0)
    assert x.shape == (5,) + SHAPE and x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert np.array_equal(x, m.generate(5, seed=0))
    assert not np.array_equal(x, m.generate(5, seed=1))


def test_n_critic_schedule_one_update_per_fresh_batch():
    m = make(gz.models.WGAN)
    counter = BatchCounter()
    # Ten distinct batches, each read once: ten steps, so ten critic updates each on its own batch.
    m.fit(image_data(n=160, batch=16), epochs=1, verbose=0, callbacks=[counter])
    assert counter.batches == 10
    assert int(npv(m.d_optimizer.iterations)) == 10
    assert int(npv(m.g_optimizer.iterations)) == 2
    assert int(npv(m.critic_steps)) == 10


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="Keras' PyTorch fit refuses steps_per_execution > 1")
@pytest.mark.parametrize("cls", [gz.models.WGAN, gz.models.WGANGP])
def test_steps_per_execution_runs_the_same_updates_as_single_steps(cls):
    # 7 batches an epoch and n_critic 5: calls of 5 or 3 steps end mid-cycle and mid-epoch,
    # so the generator phase must follow the step counter, not the position in the call.
    results = {}
    for spe in (1, 5, 3):
        m = make(cls, ema_decay=0.9)
        m.compile(steps_per_execution=spe)
        history = m.fit(image_data(n=7 * 8, batch=8), epochs=2, verbose=0).history
        results[spe] = (m.get_weights(), history)
        assert int(npv(m.critic_steps)) == 14 and int(npv(m.g_optimizer.iterations)) == 2
    weights, history = results[1]
    for spe in (5, 3):
        for a, b in zip(weights, results[spe][0]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        for key in history:
            np.testing.assert_allclose(history[key], results[spe][1][key], rtol=1e-5, atol=1e-6)


def test_g_loss_is_the_mean_over_generator_updates_only():
    m = make(gz.models.WGAN, n_critic=3)
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append((int(npv(self.model.g_optimizer.iterations)), float(logs["g_loss"])))

    m.fit(image_data(n=64, batch=16), epochs=1, verbose=0, callbacks=[Record()])
    # Steps 1 and 2 update only the critic: g_loss has had no generator update to average.
    assert seen[0] == (0, 0.0) and seen[1] == (0, 0.0)
    assert seen[2][0] == 1 and seen[2][1] != 0.0
    assert seen[3] == (1, seen[2][1])  # step 4 adds no generator update, so the mean stays


def test_wgan_critic_weights_stay_clipped_after_every_step():
    m = make(gz.models.WGAN, clip_value=0.005)
    bounds = []

    class Check(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            bounds.append(max(float(np.max(np.abs(npv(v)))) for v in self.model.discriminator.trainable_variables))

    assert max(float(np.max(np.abs(npv(v)))) for v in m.discriminator.trainable_variables) > 0.005
    m.fit(image_data(), epochs=1, verbose=0, callbacks=[Check()])
    assert len(bounds) == 4 and max(bounds) <= 0.005 + 1e-9


def test_wgan_clips_a_user_critic_too():
    critic = keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten(), keras.layers.Dense(1)])
    m = gz.models.WGAN(image_shape=SHAPE, latent_dim=4, discriminator=critic, base_filters=4, seed=0)
    m.compile()
    m.fit(image_data(n=16), epochs=1, verbose=0)
    assert all(np.max(np.abs(npv(v))) <= 0.01 + 1e-9 for v in critic.trainable_variables)


@pytest.mark.tensorflow_only
def test_gradient_penalty_of_a_linear_critic_is_exact():
    w = np.array([0.3, -1.2, 2.0, 0.5, 0.0, 1.0, -0.7, 0.1], np.float32)
    critic = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    critic.layers[-1].set_weights([w[:, None], np.array([0.4], np.float32)])
    m = gz.models.WGANGP(data_shape=(8,), latent_dim=2, discriminator=critic, seed=0)
    real = tf.random.normal((5, 8), seed=1)
    fake = tf.random.normal((5, 8), seed=2)
    gp = float(m.gradient_penalty(real, fake))
    expected = (np.linalg.norm(w.astype(np.float64)) - 1.0) ** 2
    assert gp == pytest.approx(expected, rel=1e-5)


@pytest.mark.tensorflow_only
def test_gradient_penalty_draws_one_eps_per_example(monkeypatch):
    shapes = []
    original = gz.losses.interpolates

    def spy(real, fake, eps):
        shapes.append(tuple(eps.shape))
        values = np.asarray(eps)
        assert values.min() >= 0.0 and values.max() <= 1.0
        return original(real, fake, eps)

    monkeypatch.setattr(gz.losses, "interpolates", spy)
    m = gz.models.WGANGP(data_shape=(3,), latent_dim=2, seed=0)
    m.gradient_penalty(tf.ones((7, 3)), tf.zeros((7, 3)))
    assert shapes == [(7,)]


@pytest.mark.parametrize("cls", [gz.models.GAN, gz.models.WGANGP])
def test_same_seeds_give_same_weights(cls):
    def run():
        m = make(cls, seed=7)
        m.fit(image_data(), epochs=2, verbose=0)
        return [npv(v) for v in m.generator.weights + m.discriminator.weights]

    a, b = run(), run()
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("cls", ALL)
def test_save_load_round_trip_and_resume(cls, tmp_path):
    m = make(cls)
    m.fit(image_data(n=48), epochs=1, verbose=0)  # 3 steps
    path = tmp_path / "m.keras"
    m.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is cls
    assert np.array_equal(m.generate(6, seed=3), loaded.generate(6, seed=3))
    assert int(npv(loaded.critic_steps)) == 3
    for name in ("d_optimizer", "g_optimizer"):
        a, b = getattr(m, name), getattr(loaded, name)
        assert type(a) is type(b) and int(npv(a.iterations)) == int(npv(b.iterations))
        assert all(np.array_equal(npv(x), npv(y)) for x, y in zip(a.variables, b.variables))
    # Resumed training continues the schedule where it stopped.
    loaded.fit(image_data(n=48), epochs=1, verbose=0)
    assert int(npv(loaded.critic_steps)) == 6
    expected_g = 6 if loaded.n_critic == 1 else 1
    assert int(npv(loaded.g_optimizer.iterations)) == expected_g


def test_vector_data_gan_learns_the_mean():
    rng = np.random.default_rng(0)
    x = rng.normal([4.0, -2.0], 0.5, size=(4096, 2)).astype("float32")
    m = gz.models.GAN(data_shape=(2,), latent_dim=4, hidden_units=(32, 32), seed=0)
    # A larger step than the image default so that 480 steps move the mean from 0 to (4, -2).
    m.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    m.fit(gz.data.from_array(x, batch_size=128, seed=0), epochs=15, verbose=0)
    samples = m.generate(2000, seed=0)
    assert samples.shape == (2000, 2)
    assert np.allclose(samples.mean(axis=0), [4.0, -2.0], atol=0.5), samples.mean(axis=0)


def test_evaluate_reports_losses_without_updating():
    m = make(gz.models.DCGAN)
    before = [npv(v).copy() for v in m.trainable_variables]
    logs = m.evaluate(image_data(), verbose=0, return_dict=True)
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(logs)
    assert all(np.array_equal(a, npv(v)) for a, v in zip(before, m.trainable_variables))


# --------------------------------------------------------------------------- bad input
def test_bad_input_errors():
    with pytest.raises(ValueError, match=r"n_critic must be a positive integer, got 0"):
        gz.models.WGAN(image_shape=SHAPE, n_critic=0)
    with pytest.raises(ValueError, match=r"clip_value must be a number > 0, got 0"):
        gz.models.WGAN(image_shape=SHAPE, clip_value=0)
    with pytest.raises(ValueError, match=r"clip_value must be a number > 0"):
        gz.models.WGAN(image_shape=SHAPE, clip_value=-0.01)
    with pytest.raises(ValueError, match=r"gp_weight must be a number >= 0, got -1"):
        gz.models.WGANGP(image_shape=SHAPE, gp_weight=-1)
    with pytest.raises(ValueError, match="latent_dim must be a positive integer"):
        gz.models.GAN(data_shape=(2,), latent_dim=0)
    with pytest.raises(ValueError, match="divisible by 4"):
        gz.models.DCGAN(image_shape=(30, 30, 1))
    with pytest.raises(ValueError, match="generator_loss must be one of"):
        gz.models.GAN(data_shape=(2,), generator_loss="hinge")
    wrong_g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(9), keras.layers.Reshape((3, 3, 1))])
    with pytest.raises(ValueError, match=r"generator produces outputs of shape \(3, 3, 1\), expected \(8, 8, 1\)"):
        gz.models.GAN(image_shape=SHAPE, latent_dim=4, generator=wrong_g)
    wrong_d = keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten(), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"discriminator produces outputs of shape \(2,\), expected \(1,\)"):
        gz.models.GAN(image_shape=SHAPE, latent_dim=4, discriminator=wrong_d)
    with pytest.raises(ValueError, match="two optimizer instances"):
        opt = keras.optimizers.Adam()
        gz.models.GAN(data_shape=(2,)).compile(d_optimizer=opt, g_optimizer=opt)


def test_data_shape_mismatch_is_reported():
    m = make(gz.models.DCGAN)
    wrong = gz.data.from_array(np.zeros((8, 12, 12, 1), np.uint8), batch_size=4)
    with pytest.raises(ValueError, match=r"built for examples of shape \(8, 8, 1\), but the data has shape \(12, 12, 1\)"):
        m.fit(wrong, epochs=1, verbose=0)


def test_fit_before_compile_is_reported():
    m = gz.models.GAN(data_shape=(2,), latent_dim=2)
    with pytest.raises(ValueError, match=r"must call `compile\(\)`"):
        m.fit(gz.data.from_array(np.zeros((4, 2), np.float32), batch_size=2), verbose=0)


@pytest.mark.tensorflow_only
def test_n_critic_schedule_under_mirrored_strategy():
    """The generator update is dispatched outside the replica function, so MirroredStrategy accepts it."""
    code = textwrap.dedent(
        """
        import os
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import numpy as np, keras_genzoo as gz
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        ds = gz.data.from_array(np.random.default_rng(0).normal(size=(320, 2)).astype("float32"), batch_size=32, shuffle=False)
        with strategy.scope():
            m = gz.models.WGANGP(data_shape=(2,), latent_dim=3, n_critic=5, seed=0)
            m.compile()
        m.fit(ds, epochs=1, verbose=0)
        print(int(m.d_optimizer.iterations.numpy()), int(m.g_optimizer.iterations.numpy()))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["10", "2"]


@pytest.mark.parametrize("cls", [gz.models.DCGAN, gz.models.WGANGP])
def test_conv_models_take_colour_32x32_images(cls):
    m = cls(image_shape=(32, 32, 3), latent_dim=4, base_filters=4, seed=0)
    m.compile()
    x = np.random.default_rng(0).integers(0, 256, (8, 32, 32, 3)).astype(np.uint8)
    m.fit(gz.data.from_array(x, batch_size=4), epochs=1, verbose=0)
    assert m.generate(3, seed=0).shape == (3, 32, 32, 3)


@pytest.mark.parametrize("cls,n_critic", [(gz.models.DCGAN, 1), (gz.models.WGANGP, 2)])
def test_generator_ema_matches_a_float64_recurrence(cls, n_critic):
    """`ema_decay`: after every fit step the averaged generator follows
    avg += [generator step] (1 - min(d, (1 + t) / (10 + t))) (w - avg), t = generator updates - 1,
    computed here in float64 from the generator's weights after each step."""
    decay = 0.5
    m = make(cls, n_critic=n_critic, ema_decay=decay)
    x = np.random.default_rng(0).uniform(0, 1, (16,) + SHAPE).astype("float32")
    avg = [npv(v).astype(np.float64) for v in m.generator.variables]
    assert all(np.array_equal(a, npv(v)) for a, v in zip(avg, m.generator_ema.variables))
    for step in range(1, 6):  # one fit call per step: the weights after each step are visible on every backend
        m.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0)
        if step % n_critic == 0:
            t = step // n_critic - 1
            d = min(decay, (1 + t) / (10 + t))
            avg = [a + (1 - d) * (npv(v).astype(np.float64) - a) for a, v in zip(avg, m.generator.variables)]
    for a, v in zip(avg, m.generator_ema.variables):
        np.testing.assert_allclose(npv(v), a, rtol=1e-5, atol=1e-6)
    assert not all(np.allclose(npv(e), npv(g)) for e, g in zip(m.generator_ema.variables, m.generator.variables))
    # generate samples from the average, the raw generator only trains
    z = m.sample_latent(4, seed=0)
    expected = np.clip((npv(m.generator_ema(z, training=False)) + 1) / 2, 0, 1)
    np.testing.assert_allclose(m.generate(4, z=z), expected, atol=1e-6)
    assert m.generator_ema.trainable_variables == []


def test_generator_ema_is_saved_and_continues_after_loading(tmp_path):
    m = make(gz.models.DCGAN, ema_decay=0.9)
    m.fit(image_data(n=32), epochs=1, verbose=0)
    m.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.ema_decay == 0.9
    for a, b in zip(m.generator_ema.variables, loaded.generator_ema.variables):
        np.testing.assert_array_equal(npv(a), npv(b))
    np.testing.assert_array_equal(m.generate(4, seed=1), loaded.generate(4, seed=1))
    m.fit(image_data(n=32), epochs=1, verbose=0)
    loaded.fit(image_data(n=32), epochs=1, verbose=0)
    for a, b in zip(m.generator_ema.variables, loaded.generator_ema.variables):
        np.testing.assert_allclose(npv(a), npv(b), rtol=1e-6, atol=1e-7)


def test_generator_ema_decay_must_be_in_unit_interval():
    for bad in (1.0, -0.1, "high"):
        with pytest.raises(ValueError, match="decay"):
            make(gz.models.DCGAN, ema_decay=bad)


def test_averaged_copy_samples_like_the_averaged_model():
    m = make(gz.models.DCGAN, ema_decay=0.9)
    m.fit(image_data(n=32), epochs=1, verbose=0)
    copy = m.averaged_copy()
    assert copy.ema_decay is None and copy.generator_ema is None and not copy.compiled
    np.testing.assert_array_equal(copy.generate(5, seed=2), m.generate(5, seed=2))
    assert int(npv(copy.critic_steps)) == 2
    with pytest.raises(ValueError, match="no weight average"):
        copy.averaged_copy()
