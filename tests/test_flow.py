"""gz.models.FlowMatching: rectified flow, its loss, training, samplers, guidance, encoding,
errors and saving. scripts/test.sh runs this file on TensorFlow, JAX and PyTorch."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_genzoo as gz
from keras_genzoo import losses
from keras_genzoo.models.flow import integrate, interpolant, time_grid

SHAPE, K = (8, 8, 1), 3


def make(num_classes=K, perturb=True, **kwargs):
    kwargs = dict(dict(image_shape=SHAPE, num_classes=num_classes, base_filters=4, seed=0), **kwargs)
    model = gz.models.FlowMatching(**kwargs)
    if perturb:  # the output convolution starts at zero: give the velocity something to say
        for network in (model.network, model.network_ema):
            if network is not None:
                kernel = network.get_layer("conv_out").kernel
                kernel.assign(np.random.default_rng(1).normal(0, 0.05, kernel.shape).astype("float32"))
                if num_classes:  # and the classes a voice of their own
                    table = network.get_layer("class_embedding").embeddings
                    table.assign(np.random.default_rng(2).normal(0, 1, table.shape).astype("float32"))
    return model


def data(n=16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(n, *SHAPE)).astype("float32"), (np.arange(n) % K).astype("int32")


def numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


@pytest.mark.covered_across_backends
def test_loss_against_a_float64_reference():
    rng = np.random.default_rng(0)
    v, x, eps = (rng.normal(size=(4, *SHAPE)) for _ in range(3))
    expected = np.mean((v - (eps - x)) ** 2)
    got = float(numpy(losses.flow_matching_loss(*(ops.convert_to_tensor(a.astype("float32")) for a in (v, x, eps)))))
    assert got == pytest.approx(expected, rel=1e-5)


@pytest.mark.covered_across_backends
@pytest.mark.parametrize("num_classes", [None, K])
def test_objective_against_a_float64_reference_for_given_noise(num_classes):
    model = make(num_classes)
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, size=(4, *SHAPE))
    eps = rng.normal(size=(4, *SHAPE))
    t = np.array([0.0, 0.25, 0.5, 0.9])
    x_t = (1.0 - t[:, None, None, None]) * x + t[:, None, None, None] * eps
    inputs = [x_t.astype("float32"), t.reshape(-1, 1).astype("float32")]
    batch = {"x": ops.convert_to_tensor(x.astype("float32"))}
    noise = {"eps": ops.convert_to_tensor(eps.astype("float32")), "t": ops.convert_to_tensor(t.astype("float32"))}
    if num_classes:
        labels = np.array([0, 1, 2, 1], "int32")
        drop = np.array([0.5, 0.05, 0.9, 0.01], "float32")  # below label_dropout=0.1: the null class
        inputs.append(np.array([[0], [K], [2], [K]], "int32"))
        batch["labels"] = ops.convert_to_tensor(labels)
        noise["drop"] = ops.convert_to_tensor(drop)
    v = numpy(model.network(inputs)).astype(np.float64)
    expected = np.mean((v - (eps - x)) ** 2)
    loss, logs = model.objective(batch, noise)
    assert float(numpy(loss)) == pytest.approx(expected, rel=1e-5)
    assert logs == {}
    np.testing.assert_allclose(numpy(interpolant(*(ops.convert_to_tensor(a.astype("float32")) for a in (x, eps, t)))),
                               x_t, atol=1e-6)


@pytest.mark.covered_across_backends
@pytest.mark.parametrize("time_sampling", ["uniform", "logit_normal"])
def test_fit_runs_updates_the_average_and_logs_a_finite_loss(time_sampling):
    model = make(time_sampling=time_sampling, ema_decay=0.9)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    before = [numpy(v.value).copy() for v in model.network.trainable_variables]
    x, y = data()
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0).history
    assert sorted(history) == ["loss"] and np.isfinite(history["loss"][0])
    assert int(numpy(model.train_steps.value)) == 2 and int(numpy(model.optimizer.iterations.value)) == 2
    after = [numpy(v.value) for v in model.network.trainable_variables]
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    averaged = [numpy(v.value) for v in model.network_ema.trainable_weights or model.network_ema.weights]
    assert any(not np.allclose(a, b) for a, b in zip(averaged, [numpy(v.value) for v in model.network.weights]))


@pytest.mark.covered_across_backends
def test_average_follows_the_warm_up():
    """Step 0 averages with decay min(d, 1/10): avg = 0.1 * initial + 0.9 * updated."""
    model = make(ema_decay=0.999)
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    initial = [numpy(v.value).copy() for v in model.network.variables]
    x, y = data(8)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    for a, w0, w1 in zip(model.network_ema.variables, initial, model.network.variables):
        np.testing.assert_allclose(numpy(a.value), 0.1 * w0 + 0.9 * numpy(w1.value), rtol=1e-5, atol=1e-6)


@pytest.mark.covered_across_backends
def test_time_sampling_densities():
    model = make(time_sampling="logit_normal", perturb=False)
    t = numpy(model.sample_time(4000))
    assert t.min() > 0 and t.max() < 1 and abs(np.median(t) - 0.5) < 0.03
    assert np.mean(np.abs(t - 0.5) < 0.25) > 0.65  # uniform: 0.5
    u = numpy(make(perturb=False).sample_time(4000))
    assert abs(np.mean(np.abs(u - 0.5) < 0.25) - 0.5) < 0.05


def test_same_seed_same_images_and_guidance_one_is_no_guidance():
    model = make()
    a = model.generate(4, labels=[0, 1, 2, 0], seed=3, steps=3)
    assert a.shape == (4, *SHAPE) and a.dtype == np.float32 and a.min() >= 0 and a.max() <= 1
    np.testing.assert_array_equal(a, model.generate(4, labels=[0, 1, 2, 0], seed=3, steps=3))
    assert not np.array_equal(a, model.generate(4, labels=[0, 1, 2, 0], seed=4, steps=3))
    np.testing.assert_array_equal(a, model.generate(4, labels=[0, 1, 2, 0], seed=3, steps=3, guidance=1.0))
    assert not np.allclose(a, model.generate(4, labels=[0, 1, 2, 0], seed=3, steps=3, guidance=3.0))
    # the same seed builds the same network
    other = make()
    np.testing.assert_array_equal(a, other.generate(4, labels=[0, 1, 2, 0], seed=3, steps=3))


def test_sampling_guidance_is_the_default_of_generate_and_of_the_sampling_network():
    model = make(sampling_guidance=2.5, sampling_steps=2)
    assert model.get_config()["sampling_guidance"] == 2.5
    z, labels = model.sample_latent(3, seed=0), [2, 0, 1]
    guided = model.generate(3, z=z, labels=labels)
    np.testing.assert_array_equal(guided, model.generate(3, z=z, labels=labels, guidance=2.5))
    assert not np.allclose(guided, model.generate(3, z=z, labels=labels, guidance=1.0))  # 1: no guidance
    exported = model.sampling_network()([z, np.array(labels, "int32")])
    np.testing.assert_allclose(numpy(exported), guided, atol=1e-5)
    with pytest.raises(ValueError, match="guidance needs a class-conditional FlowMatching.*sampling_guidance=2.0"):
        make(None, perturb=False, sampling_guidance=2.0)


@pytest.mark.covered_across_backends
def test_one_euler_step_and_one_heun_step_are_the_hand_formulas():
    model = make()
    z = model.sample_latent(3, seed=0)
    eps = z.reshape(3, *SHAPE)
    labels = np.array([[2], [0], [1]], "int32")
    net = model.network_ema

    def v(x, t):
        return numpy(net([x.astype("float32"), np.full((3, 1), t, "float32"), labels])).astype(np.float64)

    x0 = eps - v(eps, 1.0)  # x(0) = x(1) + (0 - 1) v(x(1), 1)
    got = model.generate(3, labels=[2, 0, 1], z=z, steps=1)
    np.testing.assert_allclose(got, np.clip((x0 + 1) / 2, 0, 1), atol=1e-5)
    heun = eps - 0.5 * (v(eps, 1.0) + v(eps - v(eps, 1.0), 0.0))
    got = model.generate(3, labels=[2, 0, 1], z=z, steps=1, sampler="heun")
    np.testing.assert_allclose(got, np.clip((heun + 1) / 2, 0, 1), atol=1e-5)
    # guidance w: v_null + w (v_y - v_null)
    null = np.full((3, 1), K, "int32")
    v_null = numpy(net([eps.astype("float32"), np.ones((3, 1), "float32"), null]))
    guided = v_null + 2.5 * (v(eps, 1.0) - v_null)
    got = model.generate(3, labels=[2, 0, 1], z=z, steps=1, guidance=2.5)
    np.testing.assert_allclose(got, np.clip((eps - guided + 1) / 2, 0, 1), atol=1e-5)


@pytest.mark.covered_across_backends
def test_integrate_and_time_grid():
    np.testing.assert_allclose(time_grid(4), [1.0, 0.75, 0.5, 0.25, 0.0])
    np.testing.assert_allclose(time_grid(2, reverse=True), [0.0, 0.5, 1.0])
    # a constant velocity is integrated exactly by both solvers, in both directions
    x = np.zeros((2,), np.float32)
    assert numpy(integrate(lambda x, t: x * 0 + 3.0, x, 5))[0] == pytest.approx(-3.0)
    assert numpy(integrate(lambda x, t: x * 0 + 3.0, x, 5, "heun", reverse=True))[0] == pytest.approx(3.0)
    # the compiled loop (fori_loop, tensor times) and the unrolled one (Python floats) agree
    for sampler in ("euler", "heun"):
        looped = numpy(integrate(lambda x, t: x * t + 1.0, x + 0.5, 7, sampler))
        unrolled = numpy(integrate(lambda x, t: x * t + 1.0, x + 0.5, 7, sampler, unroll=True))
        np.testing.assert_allclose(looped, unrolled, rtol=1e-6)
    with pytest.raises(ValueError, match="sampler must be one of"):
        integrate(lambda x, t: x, x, 2, "rk4")


def test_encode_then_generate_reconstructs():
    model = make()
    x, y = data(4)
    z = model.encode(x, labels=y, steps=16, sampler="heun")
    assert z.shape == (4, int(np.prod(SHAPE)))
    back = model.generate(4, labels=y, z=z, steps=16, sampler="heun")
    assert np.abs(back - x).max() < 1e-3


@pytest.mark.covered_across_backends
def test_interpolate_walks_slerp_between_two_noises_with_the_deterministic_sampler():
    from keras_genzoo.utils.interpolation import slerp

    model = make()
    z = model.sample_latent(4, seed=3)
    path = model.interpolate(z[0], z[1], num=5, labels=2, steps=3, sampler="heun", guidance=2.0)
    assert path.shape == (5, *SHAPE)
    expected = model.generate(5, z=slerp(z[0], z[1], np.linspace(0, 1, 5)), labels=2, steps=3, sampler="heun",
                              guidance=2.0)
    np.testing.assert_array_equal(path, expected)
    # the path starts at z_a (up to float32 round-off in slerp and a different batch size)
    np.testing.assert_allclose(path[0], model.generate(1, z=z[:1], labels=[2], steps=3, sampler="heun",
                                                       guidance=2.0)[0], atol=1e-5)
    pairs = model.interpolate(z[:2], z[2:], num=3, method="lerp", labels=[0, 1], steps=2)
    assert pairs.shape == (2, 3, *SHAPE)
    np.testing.assert_allclose(pairs[1, -1], model.generate(1, z=z[3:], labels=[1], steps=2)[0], atol=1e-5)
    with pytest.raises(ValueError, match=r"z_a and z_b must both have shape \(64,\) or \(pairs, 64\)"):
        model.interpolate(z[0], z[:2])
    with pytest.raises(ValueError, match="num must be an integer >= 2|num must be"):
        model.interpolate(z[0], z[1], num=1)


@pytest.mark.covered_across_backends
def test_unconditional_model():
    model = make(None)
    assert not model.is_conditional and model.num_classes is None
    assert [t.name for t in model.network.inputs] == ["x_t", "t"]
    model.compile()
    x, y = data()
    assert np.isfinite(model.fit(x, batch_size=8, epochs=1, verbose=0).history["loss"][0])
    assert model.generate(2, seed=0, steps=2).shape == (2, *SHAPE)
    z = model.encode(x[:2], steps=2)
    assert model.generate(2, z=z, steps=2).shape == (2, *SHAPE)


@pytest.mark.covered_across_backends
def test_bad_inputs_say_what_was_expected():
    model = make()
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        model.generate(2, steps=0)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        model.generate(2, steps=2.0)
    with pytest.raises(ValueError, match=r"guidance must be a number >= 0, got -1"):
        model.generate(2, guidance=-1.0)
    with pytest.raises(ValueError, match="sampler must be one of"):
        model.generate(2, sampler="dpm")
    with pytest.raises(ValueError, match=r"labels.*\[0, 3\)"):
        model.generate(2, labels=[0, 3])
    with pytest.raises(ValueError, match=r"z must have shape \(2, 64\)"):
        model.generate(2, z=np.zeros((2, 8)))
    with pytest.raises(ValueError, match="encode needs the images' labels"):
        model.encode(data(2)[0])
    with pytest.raises(ValueError, match=r"images must be finite floating-point values in \[0, 1\]"):
        model.encode(data(2)[0] * 3, labels=[0, 1])
    unconditional = make(None, perturb=False)
    with pytest.raises(ValueError, match="guidance needs a class-conditional FlowMatching"):
        unconditional.generate(2, guidance=2.0)
    with pytest.raises(ValueError, match=r"built without classes \(num_classes=None\): it takes no labels"):
        unconditional.generate(2, labels=[0, 1])
    with pytest.raises(ValueError, match="time_sampling must be one of"):
        make(time_sampling="beta", perturb=False)
    with pytest.raises(ValueError, match=r"label_dropout must be a number in \[0, 1\)"):
        make(label_dropout=1.0, perturb=False)
    with pytest.raises(ValueError, match="latent_dim must be H \\* W \\* C = 64"):
        make(latent_dim=8, perturb=False)
    with pytest.raises(ValueError, match="sizes that work|Sizes that work"):
        gz.models.FlowMatching(image_shape=(7, 7, 1), base_filters=4)
    with pytest.raises(ValueError, match=r"network must take inputs"):
        gz.models.FlowMatching(image_shape=SHAPE, num_classes=K, network=gz.networks.unet(SHAPE, base_filters=4))
    with pytest.raises((RuntimeError, ValueError), match=r"compile\(\)"):
        model.fit(*data(8), batch_size=8, epochs=1, verbose=0)


@pytest.mark.covered_across_backends
def test_config_and_save_load_round_trip(tmp_path):
    model = make(time_sampling="logit_normal", sampling_steps=3, ema_decay=0.9)
    model.compile()
    x, y = data(8)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    config = model.get_config()
    assert set(config) <= set(type(model).options())
    assert {"num_classes", "time_sampling", "label_dropout", "ema_decay", "sampling_steps", "network"} <= set(config)
    path = tmp_path / "flow.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is gz.models.FlowMatching and loaded.time_sampling == "logit_normal"
    for a, b in ((loaded.network, model.network), (loaded.network_ema, model.network_ema)):
        for va, vb in zip(a.weights, b.weights):
            np.testing.assert_array_equal(numpy(va.value), numpy(vb.value))
    np.testing.assert_array_equal(loaded.generate(3, seed=0, guidance=2.0), model.generate(3, seed=0, guidance=2.0))
    assert int(numpy(loaded.optimizer.iterations.value)) == 1
    assert gz.models.registry.family_of(loaded) == "flow"
