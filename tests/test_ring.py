"""The 2-D mixture benchmarks: ring/grid data, the mixture mode-coverage metric, and packing (PacGAN)."""

import math

import keras
import numpy as np
import pytest

import keras_genzoo as gz

STD = 0.02


# --------------------------------------------------------------------------- data
def test_ring_centers_lie_on_the_circle_at_equal_angles():
    c = gz.data.ring_centers(8, 2.0)
    assert c.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), 2.0, atol=1e-12)
    np.testing.assert_allclose(c[0], [2.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(c[2], [0.0, 2.0], atol=1e-12)
    np.testing.assert_allclose(c[1], [math.sqrt(2), math.sqrt(2)], atol=1e-12)


def test_grid_centers_are_the_5x5_lattice():
    c = gz.data.grid_centers(5, 2.0)
    assert c.shape == (25, 2)
    assert sorted(set(c[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert len({tuple(p) for p in c.tolist()}) == 25


def test_ring_samples_are_seeded_and_have_the_stated_spread():
    x = gz.data.ring_of_gaussians(20000, seed=3)
    assert x.shape == (20000, 2) and x.dtype == np.float32
    np.testing.assert_array_equal(x, gz.data.ring_of_gaussians(20000, seed=3))
    assert not np.array_equal(x, gz.data.ring_of_gaussians(20000, seed=4))
    c = gz.data.ring_centers()
    nearest = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
    offsets = x - c[nearest]
    np.testing.assert_allclose(offsets.std(axis=0), STD, rtol=0.03)
    counts = np.bincount(nearest, minlength=8)
    assert counts.min() > 2300 and counts.max() < 2700  # 2500 expected per mode


def test_grid_samples_cover_all_25_modes():
    x = gz.data.grid_of_gaussians(5000, seed=0)
    result = gz.metrics.mixture_mode_coverage(x, gz.data.grid_centers(), 0.05)
    assert result.value == 25


def test_ring_dataset_yields_full_batches_for_fit():
    ds = gz.data.ring_of_gaussians(250, seed=0, batch_size=100)
    batches = [b.numpy() for b in ds]
    assert [b.shape for b in batches] == [(100, 2), (100, 2)]  # the last 50 are dropped
    again = [b.numpy() for b in gz.data.ring_of_gaussians(250, seed=0, batch_size=100)]
    np.testing.assert_array_equal(batches[0], again[0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n": 0}, "n must be a positive integer"),
        ({"n": 10, "std": 0.0}, "std must be a number > 0"),
        ({"n": 10, "modes": 2.5}, "modes must be a positive integer"),
        ({"n": 10, "batch_size": 11}, "batch_size 11 is larger than n=10"),
    ],
)
def test_ring_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gz.data.ring_of_gaussians(**kwargs)


def test_sample_mixture_weights_and_labels():
    x, labels = gz.data.sample_mixture(40000, [[0.0, 0.0], [10.0, 0.0]], 0.1, seed=0, weights=[0.75, 0.25],
                                       return_labels=True)
    assert abs(labels.mean() - 0.25) < 0.01
    np.testing.assert_allclose(x[labels == 1].mean(0), [10.0, 0.0], atol=0.01)
    with pytest.raises(ValueError, match="weights must be 2 positive numbers summing to 1"):
        gz.data.sample_mixture(10, [[0.0], [1.0]], 0.1, weights=[0.5, 0.6])


# --------------------------------------------------------------------------- metric
def planted(counts, off_mode=0, radius_in_std=0.0, seed=0):
    """`counts[k]` points per ring mode at `radius_in_std` std from the centre (random direction), plus
    `off_mode` points at the origin (far from every mode)."""
    rng = np.random.default_rng(seed)
    c = gz.data.ring_centers()
    pts = []
    for k, count in enumerate(counts):
        angle = rng.uniform(0, 2 * np.pi, count)
        offset = radius_in_std * STD * np.stack([np.cos(angle), np.sin(angle)], 1)
        pts.append(c[k] + offset)
    pts.append(np.zeros((off_mode, 2)))
    return np.concatenate(pts).astype(np.float32)


def test_mode_coverage_counts_modes_quality_and_reverse_kl():
    counts = [100, 100, 100, 100, 50, 50, 0, 0]
    x = planted(counts, off_mode=100, radius_in_std=1.0)
    r = gz.metrics.mixture_mode_coverage(x, gz.data.ring_centers(), STD)
    assert isinstance(r, gz.metrics.MetricResult)
    assert r.value == 6 and float(r) == 6.0
    d = r.details
    assert d["counts"] == counts
    assert d["high_quality_fraction"] == pytest.approx(500 / 600)
    p = np.array([100, 100, 100, 100, 50, 50]) / 500
    assert d["reverse_kl"] == pytest.approx(float(np.sum(p * np.log(p * 8))), rel=1e-12)
    assert d["modes_with_any_sample"] == 6
    assert r.protocol["n_fake"] == 600 and r.protocol["std"] == STD
    assert "3 std" in r.protocol["high_quality_radius"]


def test_uniform_perfect_samples_have_zero_reverse_kl():
    r = gz.metrics.mixture_mode_coverage(planted([30] * 8), gz.data.ring_centers(), STD)
    assert r.value == 8
    assert r.details["high_quality_fraction"] == 1.0
    assert r.details["reverse_kl"] == pytest.approx(0.0, abs=1e-12)


def test_high_quality_radius_is_three_std():
    inside = gz.metrics.mixture_mode_coverage(planted([10] * 8, radius_in_std=2.99), gz.data.ring_centers(), STD)
    outside = gz.metrics.mixture_mode_coverage(planted([10] * 8, radius_in_std=3.01), gz.data.ring_centers(), STD)
    assert inside.details["high_quality_fraction"] == 1.0 and inside.value == 8
    assert outside.details["high_quality_fraction"] == 0.0 and outside.value == 0
    assert outside.details["reverse_kl"] == float("inf")


def test_min_share_rule_versus_any_sample_rule():
    # 1000 samples: 7 modes with 142, one with 6 (0.6% < 1.25%): covered by "any sample", not by the share rule.
    x = planted([142] * 7 + [6])
    r = gz.metrics.mixture_mode_coverage(x, gz.data.ring_centers(), STD)
    assert r.value == 7 and r.details["modes_with_any_sample"] == 8
    assert r.details["min_share"] == pytest.approx(0.0125)
    assert gz.metrics.mixture_mode_coverage(x, gz.data.ring_centers(), STD, min_share=0.005).value == 8


def test_real_ring_data_scores_as_expected():
    r = gz.metrics.mixture_mode_coverage(gz.data.ring_of_gaussians(20000, seed=1), gz.data.ring_centers(), STD)
    assert r.value == 8
    # P(|x - mu| < 3 sigma) for a 2-D isotropic Gaussian is 1 - exp(-9/2)
    assert r.details["high_quality_fraction"] == pytest.approx(1 - math.exp(-4.5), abs=0.003)
    assert r.details["reverse_kl"] < 0.002


def test_mode_coverage_draws_from_a_model_with_its_seed():
    class Fake:
        def generate(self, n, seed=None):
            return gz.data.ring_of_gaussians(n, seed=seed)

    a = gz.metrics.mixture_mode_coverage(Fake(), gz.data.ring_centers(), STD, n=500, seed=5)
    b = gz.metrics.mixture_mode_coverage(Fake(), gz.data.ring_centers(), STD, n=500, seed=5)
    assert a.details == b.details and a.protocol["n_fake"] == 500 and a.protocol["seed"] == 5


@pytest.mark.parametrize(
    "samples, kwargs, message",
    [
        (np.zeros((10, 3)), {}, r"samples must be a non-empty array \(n, 2\)"),
        (np.full((10, 2), np.nan), {}, "samples must be finite"),
        (np.zeros((10, 2)), {"std": -1.0}, "std must be a number > 0"),
        (np.zeros((10, 2)), {"min_share": 0.0}, r"min_share must be a number in \(0, 1\]"),
        (np.zeros((10, 2)), {"weights": [1.0]}, "weights must be 8 positive shares"),
    ],
)
def test_mode_coverage_rejects_bad_input(samples, kwargs, message):
    kwargs = {"std": STD, **kwargs}
    with pytest.raises(ValueError, match=message):
        gz.metrics.mixture_mode_coverage(samples, gz.data.ring_centers(), **kwargs)


# --------------------------------------------------------------------------- packing
def test_pack_concatenates_consecutive_examples():
    x = np.arange(12, dtype="float32").reshape(6, 2)
    out = keras.ops.convert_to_numpy(gz.networks.Pack(3)(x))
    np.testing.assert_array_equal(out, [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]])
    assert gz.networks.Pack(2).compute_output_shape((None, 2)) == (None, 4)
    assert gz.networks.Pack(2).compute_output_shape((8, 4, 4, 1)) == (4, 32)


def test_pack_rejects_indivisible_batches_and_bad_packing():
    with pytest.raises(ValueError, match="needs a batch size divisible by 4, got a batch of 6"):
        gz.networks.Pack(4)(np.zeros((6, 2), "float32"))
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="packing must be a positive integer"):
            gz.networks.mlp_discriminator((2,), (8,), packing=bad)


def test_packed_discriminator_scores_packs_and_is_seeded():
    d = gz.networks.mlp_discriminator((2,), (16, 8), seed=3, packing=2)
    assert d.input_shape == (None, 2) and d.output_shape == (None, 1)
    assert d.get_layer("dense_0").kernel.shape == (4, 16)  # judges 2 samples of 2 coordinates
    x = np.random.default_rng(0).normal(size=(10, 2)).astype("float32")
    out = keras.ops.convert_to_numpy(d(x))
    assert out.shape == (5, 1)
    same = gz.networks.mlp_discriminator((2,), (16, 8), seed=3, packing=2)
    np.testing.assert_array_equal(out, keras.ops.convert_to_numpy(same(x)))
    # the score of a pack depends on both its samples and on nothing else
    x2 = x.copy()
    x2[1] += 1.0
    out2 = keras.ops.convert_to_numpy(d(x2))
    assert out2[0, 0] != out[0, 0]
    np.testing.assert_array_equal(out2[1:], out[1:])


def test_unpacked_discriminator_is_unchanged():
    d = gz.networks.mlp_discriminator((2,), (16,), seed=0)
    assert [layer.name for layer in d.layers][:2] == ["x", "flatten"]
    assert d.get_layer("dense_0").kernel.shape == (2, 16)


def test_packed_discriminator_saves_and_loads(tmp_path):
    d = gz.networks.mlp_discriminator((2,), (8,), seed=1, packing=4)
    path = tmp_path / "d.keras"
    d.save(path)
    loaded = keras.models.load_model(path)
    x = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(d(x)), rtol=1e-6)
    assert loaded.get_layer("pack").packing == 4


def test_gan_trains_with_a_packed_discriminator_and_is_deterministic():
    def train():
        keras.utils.set_random_seed(0)
        g = gz.networks.mlp_generator(4, (2,), (16,), output_activation=None, seed=0)
        d = gz.networks.mlp_discriminator((2,), (16,), seed=0, packing=2)
        m = gz.models.GAN(data_shape=(2,), latent_dim=4, generator=g, discriminator=d, seed=0)
        m.compile()
        history = m.fit(gz.data.ring_of_gaussians(40, seed=0, batch_size=20), epochs=2, verbose=0)
        return history.history, m.generate(6, seed=1)

    h1, x1 = train()
    h2, x2 = train()
    assert np.all(np.isfinite(h1["d_loss"])) and np.all(np.isfinite(h1["g_loss"]))
    np.testing.assert_allclose(h1["d_loss"], h2["d_loss"], rtol=1e-5)
    np.testing.assert_allclose(x1, x2, rtol=1e-5)
    assert x1.shape == (6, 2)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="a dynamic batch dimension exists only in TF graphs")
def test_packed_discriminator_names_the_problem_for_a_ragged_last_batch():
    import tensorflow as tf

    g = gz.networks.mlp_generator(4, (2,), (8,), output_activation=None, seed=0)
    d = gz.networks.mlp_discriminator((2,), (8,), seed=0, packing=4)
    m = gz.models.GAN(data_shape=(2,), latent_dim=4, generator=g, discriminator=d, seed=0)
    m.compile()
    ds = tf.data.Dataset.from_tensor_slices(gz.data.ring_of_gaussians(10, seed=0)).batch(8)  # batches of 8 and 2
    with pytest.raises(tf.errors.InvalidArgumentError, match="needs a batch size divisible by 4"):
        m.fit(ds, epochs=1, verbose=0)



def test_gan_packing_kwarg_builds_a_packed_discriminator_and_round_trips(tmp_path):
    m = gz.models.GAN(data_shape=(2,), latent_dim=2, hidden_units=(8, 8), packing=2, seed=0)
    assert m.discriminator.get_layer("pack").packing == 2
    assert m.discriminator.get_layer("dense_0").kernel.shape == (4, 8)
    m.compile()
    m.fit(gz.data.ring_of_gaussians(40, seed=0, batch_size=20), epochs=1, verbose=0)
    path = tmp_path / "gan.keras"
    m.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.packing == 2 and loaded.get_config()["packing"] == 2
    np.testing.assert_allclose(loaded.generate(5, seed=3), m.generate(5, seed=3), rtol=1e-6)
    with pytest.raises(ValueError, match="packing must be a positive integer"):
        gz.models.GAN(data_shape=(2,), packing=0)
    with pytest.raises(ValueError, match="DCGAN's convolutional discriminator has no packing"):
        gz.models.DCGAN(image_shape=(8, 8, 1), packing=2)


# --------------------------------------------------------------------------- vector defaults
def _dense_units(net):
    return [layer.units for layer in net.layers if isinstance(layer, keras.layers.Dense)]


def _cosine(step, initial, decay_steps, alpha=0.01):
    """CosineDecay by hand, in float64."""
    t = min(step, decay_steps) / decay_steps
    return initial * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * t)) + alpha)


def test_vector_gan_defaults_are_the_ring_study_settings(tmp_path):
    m = gz.models.GAN(data_shape=(2,), seed=0)
    m.compile()
    assert m.latent_dim == 2 and m.get_config()["latent_dim"] == 2 and m.n_critic == 1
    assert _dense_units(m.generator) == [256, 256, 256, 2]
    assert _dense_units(m.discriminator) == [256, 256, 256, 1]
    for opt in (m.d_optimizer, m.g_optimizer):
        assert isinstance(opt, keras.optimizers.Adam) and (opt.beta_1, opt.beta_2) == (0.5, 0.999)
        schedule = opt._learning_rate  # the schedule itself (`learning_rate` is its current value)
        assert isinstance(schedule, keras.optimizers.schedules.CosineDecay) and schedule.decay_steps == 10_000
        for step in (0, 2_500, 5_000, 10_000, 30_000):
            got = float(keras.ops.convert_to_numpy(schedule(step)))
            assert got == pytest.approx(_cosine(step, 1e-3, 10_000), rel=1e-5), step
    assert gz.models.GAN(data_shape=(5,)).latent_dim == 5  # the data's dimension
    g = gz.networks.mlp_generator(7, (2,), (8,), output_activation=None, seed=0)
    assert gz.models.GAN(data_shape=(2,), generator=g).latent_dim == 7  # a given generator's input
    assert gz.models.GAN(data_shape=(2,), latent_dim=16).latent_dim == 16


def test_image_gan_defaults_are_unchanged():
    m = gz.models.GAN(image_shape=(28, 28, 1), seed=0)
    m.compile()
    assert m.latent_dim == 128 and m.get_config()["latent_dim"] == 128
    assert _dense_units(m.generator) == [256, 512, 784]
    assert _dense_units(m.discriminator) == [512, 256, 1]
    assert float(m.d_optimizer.learning_rate) == pytest.approx(2e-4) and m.d_optimizer.beta_1 == 0.5


def test_vector_wgangp_defaults_are_the_ring_study_settings(tmp_path):
    m = gz.models.WGANGP(data_shape=(2,), seed=0)
    m.compile()
    assert m.latent_dim == 2 and m.n_critic == 2 and m.gp_weight == 1.0
    assert _dense_units(m.generator) == [256, 256, 256, 2]
    assert _dense_units(m.discriminator) == [256, 256, 256, 1]
    for opt, decay_steps in ((m.d_optimizer, 10_000), (m.g_optimizer, 5_000)):
        assert isinstance(opt, keras.optimizers.Adam) and (opt.beta_1, opt.beta_2) == (0.5, 0.9)
        schedule = opt._learning_rate  # the schedule itself (`learning_rate` is its current value)
        assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
        for step in (0, decay_steps // 4, decay_steps // 2, decay_steps, 3 * decay_steps):
            got = float(keras.ops.convert_to_numpy(schedule(step)))
            assert got == pytest.approx(_cosine(step, 1e-3, decay_steps), rel=1e-5), step
    assert float(keras.ops.convert_to_numpy(schedule(10**6))) == pytest.approx(1e-5, rel=1e-5)  # then it stays
    # The generator's schedule follows n_critic (its optimizer steps every n_critic-th fit step).
    m3 = gz.models.WGANGP(data_shape=(2,), n_critic=3)
    m3.compile()
    assert m3.g_optimizer._learning_rate.decay_steps == 3333 and m3.gp_weight == 1.0
    # Training runs the schedule: 4 fit steps are 4 critic and 2 generator updates; the
    # annealed learning rates survive a save/load round trip.
    x = gz.data.ring_of_gaussians(40, seed=0, batch_size=10)
    m.fit(x, epochs=1, verbose=0)
    assert int(keras.ops.convert_to_numpy(m.d_optimizer.iterations)) == 4
    assert int(keras.ops.convert_to_numpy(m.g_optimizer.iterations)) == 2
    path = tmp_path / "wgangp.keras"
    m.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.n_critic == 2 and loaded.gp_weight == 1.0 and loaded.latent_dim == 2
    assert isinstance(loaded.g_optimizer._learning_rate, keras.optimizers.schedules.CosineDecay)
    assert loaded.g_optimizer._learning_rate.decay_steps == 5_000
    np.testing.assert_allclose(
        float(keras.ops.convert_to_numpy(loaded.d_optimizer.learning_rate)), _cosine(4, 1e-3, 10_000), rtol=1e-5
    )
    np.testing.assert_allclose(loaded.generate(5, seed=3), m.generate(5, seed=3), rtol=1e-6)


def test_image_wgangp_and_wgan_defaults_are_unchanged():
    m = gz.models.WGANGP(image_shape=(8, 8, 1), base_filters=4, seed=0)
    m.compile()
    assert m.latent_dim == 128 and m.n_critic == 5 and m.gp_weight == 10.0
    for opt in (m.d_optimizer, m.g_optimizer):
        assert float(opt.learning_rate) == pytest.approx(1e-4) and (opt.beta_1, opt.beta_2) == (0.0, 0.9)
    w = gz.models.WGAN(data_shape=(2,), seed=0)
    w.compile()
    # WGAN (clipping) on vectors: the paper's optimizer and schedule, the latent size follows the data.
    assert w.latent_dim == 2 and w.n_critic == 5 and w.clip_value == 0.01
    assert _dense_units(w.generator) == [256, 256, 2] and _dense_units(w.discriminator) == [256, 256, 1]
    assert isinstance(w.d_optimizer, keras.optimizers.RMSprop) and float(w.d_optimizer.learning_rate) == pytest.approx(5e-5)
    assert gz.models.WGAN(image_shape=(8, 8, 1), base_filters=4).latent_dim == 128


def test_registry_creates_vector_models_with_the_class_defaults():
    for name, latent in (("gan", 3), ("wgangp", 3), ("wgan", 3)):
        m = gz.models.registry.create(name, (3,))
        assert m.latent_dim == latent
    assert gz.models.registry.create("gan", (8, 8, 1)).latent_dim == 128

