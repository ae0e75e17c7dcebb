"""gz.models.Diffusion: schedules, the DDPM objective (v and epsilon), DDIM/DDPM samplers,
guidance, encoding, errors and saving. scripts/test.sh runs this file on TensorFlow, JAX and PyTorch."""

import math

import keras
import numpy as np
import pytest
from keras import ops

import keras_genzoo as gz
from keras_genzoo.models.diffusion import alpha_bar, denoise, split_prediction

SHAPE, K = (8, 8, 1), 3


def make(num_classes=None, perturb=True, **kwargs):
    kwargs = dict(dict(image_shape=SHAPE, num_classes=num_classes, base_filters=4, seed=0), **kwargs)
    model = gz.models.Diffusion(**kwargs)
    if perturb:  # the output convolution starts at zero
        for network in (model.network, model.network_ema):
            if network is not None:
                kernel = network.get_layer("conv_out").kernel
                kernel.assign(np.random.default_rng(1).normal(0, 0.05, kernel.shape).astype("float32"))
                if num_classes:
                    table = network.get_layer("class_embedding").embeddings
                    table.assign(np.random.default_rng(2).normal(0, 1, table.shape).astype("float32"))
    return model


def numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def data(n=16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(n, *SHAPE)).astype("float32"), (np.arange(n) % K).astype("int32")


@pytest.mark.covered_across_backends
@pytest.mark.parametrize("schedule", ["cosine", "linear"])
def test_schedules(schedule):
    t = np.linspace(0, 1, 11)
    values = np.array([float(alpha_bar(float(v), schedule, np)) for v in t])
    np.testing.assert_allclose(numpy(alpha_bar(ops.convert_to_tensor(t.astype("float32")), schedule)), values, rtol=1e-5)
    assert values[0] == 1.0 and np.all(np.diff(values) < 0)
    # at t = 1 almost no signal is left: the cosine schedule reaches the 1e-5 floor, the linear exp(-10.05)
    assert values[-1] == pytest.approx(1e-5 if schedule == "cosine" else math.exp(-10.05), rel=1e-4)
    if schedule == "cosine":
        f = lambda u: math.cos((u + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
        assert values[3] == pytest.approx(f(0.3) / f(0.0), rel=1e-6)
    else:
        assert values[3] == pytest.approx(math.exp(-(0.1 * 0.3 + 0.5 * 19.9 * 0.09)), rel=1e-6)
    with pytest.raises(ValueError, match="schedule must be one of"):
        alpha_bar(0.5, "sigmoid", np)


@pytest.mark.covered_across_backends
@pytest.mark.parametrize("prediction", ["v", "epsilon"])
def test_split_prediction_inverts_the_targets(prediction):
    rng = np.random.default_rng(0)
    x0, eps = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    abar = 0.3
    a, s = math.sqrt(abar), math.sqrt(1 - abar)
    out = a * eps - s * x0 if prediction == "v" else eps
    got_x0, got_eps = split_prediction(out, a * x0 + s * eps, abar, prediction)
    np.testing.assert_allclose(got_x0, x0, atol=1e-12)
    np.testing.assert_allclose(got_eps, eps, atol=1e-12)


@pytest.mark.covered_across_backends
@pytest.mark.parametrize("prediction,schedule", [("v", "cosine"), ("epsilon", "linear")])
def test_objective_against_a_float64_reference(prediction, schedule):
    model = make(K, prediction=prediction, schedule=schedule)
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, size=(4, *SHAPE))
    eps = rng.normal(size=(4, *SHAPE))
    t = np.array([0.0, 0.3, 0.6, 1.0])
    abar = np.array([float(alpha_bar(v, schedule, np)) for v in t])[:, None, None, None]
    x_t = np.sqrt(abar) * x + np.sqrt(1 - abar) * eps
    labels = np.array([0, 1, 2, 1], "int32")
    drop = np.array([0.5, 0.05, 0.9, 0.5], "float32")  # the second becomes the null class
    out = numpy(model.network([x_t.astype("float32"), t.reshape(-1, 1).astype("float32"),
                               np.array([[0], [K], [2], [1]], "int32")])).astype(np.float64)
    target = np.sqrt(abar) * eps - np.sqrt(1 - abar) * x if prediction == "v" else eps
    expected = np.mean((out - target) ** 2)
    batch = {"x": ops.convert_to_tensor(x.astype("float32")), "labels": ops.convert_to_tensor(labels)}
    noise = {"eps": ops.convert_to_tensor(eps.astype("float32")), "t": ops.convert_to_tensor(t.astype("float32")),
             "drop": ops.convert_to_tensor(drop)}
    loss, _ = model.objective(batch, noise)
    assert float(numpy(loss)) == pytest.approx(expected, rel=1e-4)


@pytest.mark.covered_across_backends
@pytest.mark.parametrize("eta", [0.0, 0.5, 1.0])
def test_samplers_land_on_the_image_an_exact_predictor_names(eta):
    """A predictor that knows the image x* (it answers the v of x* at every x_t) takes every
    sampler to x*, whatever the steps and the noise."""
    target = np.linspace(-0.9, 0.9, 6).reshape(1, 6)

    def predict(x, t):  # t: a Python float (eta > 0, a Python loop) or a tensor (eta 0, a compiled loop)
        abar = alpha_bar(t, "cosine")
        eps = (x - ops.sqrt(abar) * target) / ops.sqrt(1 - abar)
        return ops.sqrt(abar) * eps - ops.sqrt(1 - abar) * target

    rng = np.random.default_rng(0)
    start = rng.normal(size=(1, 6)).astype("float32")
    for steps in (1, 3, 20):
        out = denoise(predict, start, steps, "cosine", "v", eta,
                      normal=lambda shape: rng.normal(size=tuple(shape)).astype("float32"))
        np.testing.assert_allclose(numpy(out), target, atol=1e-5)


def test_one_ddim_step_is_the_hand_formula_and_seeds_repeat():
    model = make()
    z = model.sample_latent(3, seed=0)
    x1 = z.reshape(3, *SHAPE).astype(np.float64)
    v = numpy(model.network_ema([x1.astype("float32"), np.ones((3, 1), "float32")])).astype(np.float64)
    abar = 1e-5
    x0 = np.clip(math.sqrt(abar) * x1 - math.sqrt(1 - abar) * v, -1, 1)
    np.testing.assert_allclose(model.generate(3, z=z, steps=1), (x0 + 1) / 2, atol=1e-5)
    a = model.generate(3, seed=1, steps=3)
    np.testing.assert_array_equal(a, model.generate(3, seed=1, steps=3))
    assert not np.array_equal(a, model.generate(3, seed=2, steps=3))
    d = model.generate(3, seed=1, steps=3, sampler="ddpm")
    np.testing.assert_array_equal(d, model.generate(3, seed=1, steps=3, sampler="ddpm"))
    assert not np.allclose(d, a)


def test_guidance_one_is_no_guidance():
    model = make(K)
    a = model.generate(3, labels=[0, 1, 2], seed=0, steps=3)
    np.testing.assert_array_equal(a, model.generate(3, labels=[0, 1, 2], seed=0, steps=3, guidance=1.0))
    assert not np.allclose(a, model.generate(3, labels=[0, 1, 2], seed=0, steps=3, guidance=3.0))


@pytest.mark.covered_across_backends
@pytest.mark.parametrize("prediction", ["v", "epsilon"])
def test_fit_runs_and_logs_a_finite_loss(prediction):
    model = make(K, prediction=prediction, ema_decay=0.9)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    x, y = data()
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0).history
    assert sorted(history) == ["loss"] and np.isfinite(history["loss"][0])
    assert int(numpy(model.train_steps.value)) == 2


def test_encode_then_generate_reconstructs():
    model = make()
    x, _ = data(3)
    x = 0.25 + 0.5 * x  # away from the clipping bounds
    z = model.encode(x, steps=50)
    assert z.shape == (3, int(np.prod(SHAPE)))
    back = model.generate(3, z=z, steps=50)
    assert np.abs(back - x).max() < 0.05


@pytest.mark.covered_across_backends
def test_interpolate_runs_deterministic_ddim():
    model = make()
    z = model.sample_latent(2, seed=1)
    path = model.interpolate(z[0], z[1], num=4, steps=3)
    assert path.shape == (4, *SHAPE)
    np.testing.assert_allclose(path[-1], model.generate(1, z=z[1:], steps=3)[0], atol=1e-5)
    with pytest.raises(ValueError, match="interpolate runs the deterministic sampler"):
        model.interpolate(z[0], z[1], sampler="ddpm")
    with pytest.raises(ValueError, match="interpolate runs the deterministic sampler"):
        model.interpolate(z[0], z[1], eta=0.5)


@pytest.mark.covered_across_backends
def test_bad_inputs_say_what_was_expected():
    model = make(K, perturb=False)
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        model.generate(2, steps=0)
    with pytest.raises(ValueError, match=r"eta must be a number in \[0, 1\]"):
        model.generate(2, eta=1.5)
    with pytest.raises(ValueError, match="eta is DDIM's"):
        model.generate(2, sampler="ddpm", eta=0.5)
    with pytest.raises(ValueError, match="sampler must be one of"):
        model.generate(2, sampler="euler")
    with pytest.raises(ValueError, match=r"labels.*\[0, 3\)"):
        model.generate(2, labels=[0, 5])
    with pytest.raises(ValueError, match="encode needs the images' labels"):
        model.encode(data(2)[0])
    with pytest.raises(ValueError, match="guidance needs a class-conditional Diffusion"):
        make(perturb=False).generate(2, guidance=2.0)
    with pytest.raises(ValueError, match="schedule must be one of"):
        make(schedule="quadratic", perturb=False)
    with pytest.raises(ValueError, match="prediction must be one of"):
        make(prediction="x0", perturb=False)


def test_save_load_round_trip(tmp_path):
    model = make(K, schedule="linear", prediction="epsilon", sampling_steps=3, ema_decay=0.9)
    model.compile()
    x, y = data(8)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    config = model.get_config()
    assert set(config) <= set(type(model).options())
    assert config["schedule"] == "linear" and config["prediction"] == "epsilon" and config["sampling_steps"] == 3
    path = tmp_path / "diffusion.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is gz.models.Diffusion
    np.testing.assert_array_equal(loaded.generate(3, seed=0, sampler="ddpm", guidance=2.0),
                                  model.generate(3, seed=0, sampler="ddpm", guidance=2.0))
    assert gz.models.registry.family_of(loaded) == "diffusion"
