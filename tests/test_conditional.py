"""Conditional family (ConditionalGAN, ACGAN, ConditionalVAE) without training: construction,
label handling, generate, the step objectives against hand computations, save/load."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_genzoo as gz
from keras_genzoo import networks
from keras_genzoo.models import labels as L
from keras_genzoo.trainers.steps import update_variables

SHAPE = (8, 8, 1)
K = 3


def make(cls, shape=SHAPE, **kw):
    kw.setdefault("latent_dim", 4)
    kw.setdefault("seed", 1)
    kw.setdefault("base_filters", 4)
    if cls is not gz.models.ConditionalVAE:
        kw.setdefault("embedding_dim", 3)
        kw.setdefault("hidden_units", (8, 8))
    return cls(data_shape=shape, num_classes=K, **kw)


def softplus(x):
    return np.logaddexp(0.0, np.asarray(x, np.float64))


def np_(x):
    return np.asarray(ops.convert_to_numpy(x), np.float64)


def tensors(*arrays):
    return [ops.convert_to_tensor(a) for a in arrays]


def batch(n=5, seed=0, shape=SHAPE, low=-1.0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, 1.0, (n,) + shape).astype("float32")
    y = (np.arange(n) % K).astype("int32")
    z = rng.normal(size=(n, 4)).astype("float32")
    return x, y, z


ALL = [gz.models.ConditionalGAN, gz.models.ACGAN, gz.models.ConditionalVAE]
GANS = [
    (gz.models.ConditionalGAN, {}),
    (gz.models.ConditionalGAN, {"conditioning": "concat"}),
    (gz.models.ConditionalGAN, {"objective": "wgan-gp"}),
    (gz.models.ACGAN, {}),
    (gz.models.ACGAN, {"fake_class_loss": False, "class_loss_weight": 0.5}),
    (gz.models.ACGAN, {"label_combination": "multiply", "embedding_dim": None}),
]


# --------------------------------------------------------------------------- labels helpers
def test_cycling_labels_cover_every_class_evenly():
    assert L.cycling_labels(7, 3).tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert np.bincount(L.cycling_labels(100, 10)).tolist() == [10] * 10
    assert L.cycling_labels(4, 3).dtype == np.int32


def test_check_labels_accepts_integers_and_one_int_for_all():
    assert L.check_labels([0, 2, 1], 3).tolist() == [0, 2, 1]
    assert L.check_labels(np.array([[1], [2]], np.int64), 3, n=2).tolist() == [1, 2]
    assert L.check_labels(2, 3, n=4).tolist() == [2, 2, 2, 2]
    assert L.check_labels(np.int64(1), 3, n=2).dtype == np.int32


@pytest.mark.parametrize(
    "labels, n, match",
    [
        ([0, 3], 2, r"labels must be integer class indices in \[0, 3\).*found \[3\]"),
        ([-1, 0], 2, r"in \[0, 3\).*found \[-1\]"),
        ([0.0, 1.0], 2, "labels must be integer class indices.*got dtype float64"),
        ([True, False], 2, "dtype bool"),
        (True, 2, "boolean"),
        ([0, 1, 2], 2, "one label per sample: expected 2, got 3"),
        ([[0, 1], [1, 2]], None, "one-dimensional"),
        (["a"], 1, "dtype <U1"),
        ([], None, "empty"),
    ],
)
def test_check_labels_names_what_was_wrong(labels, n, match):
    with pytest.raises(ValueError, match=match):
        L.check_labels(labels, 3, n=n)


def test_resolve_labels_defaults_to_cycling():
    assert L.resolve_labels(5, None, 2).tolist() == [0, 1, 0, 1, 0]
    assert L.resolve_labels(2, [1, 1], 2).tolist() == [1, 1]


def test_unpack_labelled_batch():
    x, y, _ = batch(4)
    got_x, got_y = L.unpack_labelled_batch((x, y[:, None].astype("int64")))
    assert np_(got_y).tolist() == y.tolist() and keras.backend.standardize_dtype(got_y.dtype) == "int32"
    assert got_x is x
    for unlabelled in (x, (x,), [x]):
        with pytest.raises(ValueError, match="with_labels=True"):
            L.unpack_labelled_batch(unlabelled, "ConditionalGAN")
    with pytest.raises(ValueError, match="labels must be integer class indices, got dtype float32"):
        L.unpack_labelled_batch((x, y.astype("float32")))
    with pytest.raises(ValueError, match="4 examples, 3 labels"):
        L.unpack_labelled_batch((x, y[:3]))


def test_is_conditional_and_unconditional_models_refuse_labels():
    acgan = make(gz.models.ACGAN)
    assert acgan.is_conditional
    assert acgan.checked_labels([2, 0], 2).tolist() == [2, 0]
    dcgan = gz.models.DCGAN(image_shape=SHAPE, latent_dim=4, base_filters=4)
    assert not dcgan.is_conditional
    assert dcgan.checked_labels(None) is None
    with pytest.raises(ValueError, match="DCGAN is not a conditional model"):
        dcgan.checked_labels([0])
    with pytest.raises(ValueError, match="DCGAN is not a conditional model"):
        dcgan.generate(2, labels=[0, 1])


# --------------------------------------------------------------------------- networks
def test_generator_embedding_and_synthesis_agree():
    g = networks.conditional_generator(4, SHAPE, K, embedding_dim=3, base_filters=4, seed=0)
    _, y, z = batch(6)
    emb = networks.class_embeddings(g)
    assert emb.shape == (K, 3)
    direct = np_(g(tensors(z, y), training=False))
    via_embedding = np_(networks.synthesis_network(g)(tensors(z, emb[y]), training=False))
    np.testing.assert_allclose(direct, via_embedding, atol=1e-6)
    assert direct.min() >= -1.0 and direct.max() <= 1.0  # tanh
    other = np_(g(tensors(z, (y + 1) % K), training=False))
    assert np.abs(other - direct).max() > 1e-6  # the label changes the sample


def test_multiplying_generator_feeds_z_times_the_embedding():
    g = networks.conditional_generator(4, SHAPE, K, embedding_dim=4, base_filters=4, seed=0,
                                       label_combination="multiply")
    _, y, z = batch(6)
    emb = networks.class_embeddings(g)
    assert emb.shape == (K, 4) and abs(emb.mean() - 1.0) < 0.5   # starts near 1: z passes through
    direct = np_(g(tensors(z, y), training=False))
    np.testing.assert_allclose(direct, np_(networks.synthesis_network(g)(tensors(z, emb[y]), training=False)),
                               atol=1e-6)
    # The synthesis sees only z * e: at z = 0 every label gives the same image.
    zero = np_(g(tensors(np.zeros_like(z), y), training=False))
    np.testing.assert_allclose(zero, np.broadcast_to(zero[:1], zero.shape), atol=1e-6)
    assert np.abs(np_(g(tensors(z, (y + 1) % K), training=False)) - direct).max() > 1e-6
    with pytest.raises(ValueError, match=r"needs embedding_dim == latent_dim \(4\), got embedding_dim=3"):
        networks.conditional_generator(4, SHAPE, K, embedding_dim=3, label_combination="multiply")
    with pytest.raises(ValueError, match="label_combination must be one of"):
        networks.conditional_generator(4, SHAPE, K, label_combination="add")


def test_generators_are_seeded():
    a = networks.conditional_generator(4, (2,), K, hidden_units=(8,), seed=3)
    b = networks.conditional_generator(4, (2,), K, hidden_units=(8,), seed=3)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_projection_discriminator_is_psi_plus_inner_product():
    d = networks.conditional_discriminator(SHAPE, K, "projection", base_filters=4, seed=0)
    # Make the class term visible: the default N(0, 0.02) projection is tiny.
    d.get_layer("label_projection").embeddings.assign(np.random.default_rng(1).normal(size=(K, 32)).astype("float32"))
    x, y, _ = batch(6)
    out = np_(d(tensors(x, y), training=False))
    phi = np_(keras.Model(d.inputs, d.get_layer("features").output)(tensors(x, y), training=False))
    kernel, bias = (np.asarray(w, np.float64) for w in d.get_layer("score").get_weights())
    embed = np.asarray(d.get_layer("label_projection").get_weights()[0], np.float64)
    expected = phi @ kernel + bias + np.sum(embed[y] * phi, axis=1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_concat_discriminator_sees_one_hot_label_maps():
    d = networks.conditional_discriminator(SHAPE, K, "concat", base_filters=4, seed=0)
    x, y, _ = batch(6)
    maps = np_(keras.Model(d.inputs, d.get_layer("label_maps").output)(tensors(x, y)))
    assert maps.shape == (6, 8, 8, K)
    np.testing.assert_array_equal(maps, np.broadcast_to(np.eye(K)[y][:, None, None, :], maps.shape))
    assert not d.get_layer("label_one_hot").trainable
    a = np_(d(tensors(x, y), training=False))
    b = np_(d(tensors(x, (y + 1) % K), training=False))
    assert np.abs(a - b).max() > 0


def test_vector_networks_shapes():
    x, y, z = batch(5, shape=(2,))
    for conditioning in ("projection", "concat"):
        d = networks.conditional_discriminator((2,), K, conditioning, hidden_units=(8, 8), seed=0)
        assert tuple(d(tensors(x, y)).shape) == (5, 1)
    source, classes = networks.acgan_discriminator((2,), K, hidden_units=(8,), seed=0)(x)
    assert tuple(source.shape) == (5, 1) and tuple(classes.shape) == (5, K)
    g = networks.conditional_generator(4, (2,), K, hidden_units=(8,), seed=0)
    assert tuple(g(tensors(z, y)).shape) == (5, 2)
    mean, log_var = networks.conditional_encoder((2,), K, 3, mlp_units=(8,), seed=0)(tensors(x, y))
    assert tuple(mean.shape) == tuple(log_var.shape) == (5, 3)
    assert tuple(networks.conditional_decoder(3, (2,), K, mlp_units=(8,), seed=0)(tensors(z[:, :3], y)).shape) == (5, 2)


def test_network_argument_errors():
    with pytest.raises(ValueError, match="conditioning must be one of"):
        networks.conditional_discriminator(SHAPE, K, "film")
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        networks.conditional_generator(4, SHAPE, 0)
    with pytest.raises(ValueError, match="divisible by 4"):
        networks.acgan_discriminator((10, 10, 1), K)
    with pytest.raises(ValueError, match="no sub-model named 'synthesis'"):
        networks.synthesis_network(networks.dcgan_generator(4, SHAPE, 4))


# --------------------------------------------------------------------------- construction and generate
def test_defaults_follow_the_papers():
    cgan, acgan = make(gz.models.ConditionalGAN), make(gz.models.ACGAN)
    wgp = make(gz.models.ConditionalGAN, objective="wgan-gp")
    for m in (cgan, acgan):
        m.compile()
        assert m.n_critic == 1 and float(m.d_optimizer.learning_rate) == pytest.approx(2e-4) and m.d_optimizer.beta_1 == 0.5
    wgp.compile()
    assert wgp.n_critic == 5 and wgp.gp_weight == 10.0 and (wgp.d_optimizer.beta_1, wgp.d_optimizer.beta_2) == (0.0, 0.9)
    assert "LayerNorm" in [type(layer).__name__ for layer in wgp.discriminator.layers]
    assert cgan.conditioning == "projection" and acgan.class_loss_weight == 1.0
    assert gz.models.ConditionalGAN(image_shape=(28, 28, 1), num_classes=10).latent_dim == 128


@pytest.mark.parametrize("cls", ALL)
def test_generate_shapes_range_and_seeded_determinism(cls):
    m = make(cls)
    x = m.generate(7, seed=0)
    assert x.shape == (7,) + SHAPE and x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0
    np.testing.assert_array_equal(x, m.generate(7, seed=0))
    np.testing.assert_array_equal(x, m.generate(7, labels=L.cycling_labels(7, K), seed=0))  # None cycles
    np.testing.assert_allclose(x, m.generate(7, seed=0, batch_size=3), atol=1e-6)
    assert np.abs(x - m.generate(7, seed=1)).max() > 0
    assert np.abs(x - m.generate(7, labels=[2] * 7, seed=0)).max() > 0  # labels change the samples


@pytest.mark.parametrize("cls", ALL)
def test_vector_data(cls):
    m = make(cls, shape=(2,))
    x = m.generate(6, labels=[0, 1, 2, 2, 1, 0], seed=0)
    assert x.shape == (6, 2) and np.all(np.isfinite(x))


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize(
    "labels, match",
    [([0, 1, 3], r"\[0, 3\)"), ([0.0, 1.0, 2.0], "dtype float64"), ([0, 1], "expected 3, got 2"), ([-1, 0, 0], "-1")],
)
def test_generate_rejects_bad_labels(cls, labels, match):
    with pytest.raises(ValueError, match="labels") as info:
        make(cls).generate(3, labels=labels, seed=0)
    assert info.match(match)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"num_classes": 0}, "num_classes must be a positive integer"),
        ({"conditioning": "film"}, "conditioning must be one of"),
        ({"objective": "hinge"}, "objective must be one of"),
        ({"gp_weight": -1.0}, "gp_weight must be a number >= 0"),
        ({"label_combination": "film"}, "label_combination must be one of"),
        ({"label_combination": "multiply", "embedding_dim": 3}, "needs embedding_dim == latent_dim"),
    ],
)
def test_constructor_errors(kw, match):
    kw = dict({"num_classes": K}, **kw)
    with pytest.raises(ValueError, match=match):
        gz.models.ConditionalGAN(image_shape=SHAPE, latent_dim=4, base_filters=4, **kw)


def test_wrong_networks_are_refused():
    with pytest.raises(ValueError, match="generator must"):
        make(gz.models.ConditionalGAN, generator=networks.dcgan_generator(4, SHAPE, 4))
    with pytest.raises(ValueError, match="discriminator must"):
        make(gz.models.ACGAN, discriminator=networks.conditional_discriminator(SHAPE, K, base_filters=4))
    with pytest.raises(ValueError, match="discriminator must map"):
        make(gz.models.ACGAN, discriminator=networks.acgan_discriminator(SHAPE, K + 1, base_filters=4))
    with pytest.raises(ValueError, match="encoder must"):
        make(gz.models.ConditionalVAE, encoder=networks.conv_encoder(SHAPE, 4))
    with pytest.raises(ValueError, match="class_loss_weight must be a number >= 0"):
        make(gz.models.ACGAN, class_loss_weight=-0.5)
    with pytest.raises(ValueError, match="fake_class_loss must be True or False"):
        make(gz.models.ACGAN, fake_class_loss="no")


def test_class_interpolation_support():
    m = make(gz.models.ConditionalGAN)
    emb = m.label_embeddings()
    assert emb.shape == (K, 3)
    z = m.sample_latent(3, seed=0)
    np.testing.assert_allclose(m.generate_from_embeddings(z, emb), m.generate(3, labels=[0, 1, 2], z=z), atol=1e-6)
    with pytest.raises(ValueError, match="embeddings"):
        m.generate_from_embeddings(z, emb[:, :2])


# --------------------------------------------------------------------------- objectives on tiny inputs
def test_cgan_objectives_match_hand_computation():
    m = make(gz.models.ConditionalGAN)
    projection = m.discriminator.get_layer("label_projection").embeddings
    projection.assign(np.random.default_rng(1).normal(size=projection.shape).astype("float32"))  # visible class term
    real, y, z = batch()
    fake = m.generator(tensors(z, y), training=False)
    real_out = np_(m.discriminator([ops.convert_to_tensor(real), ops.convert_to_tensor(y)], training=False))
    fake_out = np_(m.discriminator([fake, ops.convert_to_tensor(y)], training=False))
    loss, logs = m.conditional_discriminator_objective(*tensors(real, y, z), training=False)
    assert float(loss) == pytest.approx(np.mean(softplus(-real_out)) + np.mean(softplus(fake_out)), rel=1e-5)
    assert float(logs["d_real"]) == pytest.approx(real_out.mean(), rel=1e-5, abs=1e-7)
    g_loss, _ = m.conditional_generator_objective(*tensors(z, y), training=False)
    assert float(g_loss) == pytest.approx(np.mean(softplus(-fake_out)), rel=1e-5)
    # The generator and the discriminator see the same labels.
    y2 = ((y + 1) % K).astype("int32")
    other, _ = m.conditional_generator_objective(*tensors(z, y2), training=False)
    fake2 = m.generator(tensors(z, y2), training=False)
    expected = np.mean(softplus(-np_(m.discriminator([fake2, ops.convert_to_tensor(y2)], training=False))))
    assert float(other) == pytest.approx(expected, rel=1e-6)


def test_cgan_wgan_gp_objective():
    m = make(gz.models.ConditionalGAN, objective="wgan-gp")
    real, y, z = batch()
    eps = np.linspace(0.0, 1.0, len(real)).astype("float32")
    loss, logs = m.conditional_discriminator_objective(*tensors(real, y, z), eps=ops.convert_to_tensor(eps), training=False)
    w, gp = float(logs["wasserstein"]), float(logs["gradient_penalty"])
    assert gp >= 0.0
    assert float(loss) == pytest.approx(-w + m.gp_weight * gp, rel=1e-5, abs=1e-6)
    assert float(logs["d_real"]) - float(logs["d_fake"]) == pytest.approx(w, rel=1e-5, abs=1e-7)
    g_loss, _ = m.conditional_generator_objective(*tensors(z, y), training=False)
    assert float(g_loss) == pytest.approx(-float(logs["d_fake"]), rel=1e-5, abs=1e-7)


def test_acgan_objectives_match_hand_computation():
    m = make(gz.models.ACGAN, class_loss_weight=0.5)
    real, y, z = batch()
    fake_labels = np.array([2, 2, 1, 0, 0], "int32")

    def heads(x):
        s, c = m.discriminator(x, training=False)
        return np_(s), np_(c)

    def ce(labels, logits):
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return -np.mean(log_p[np.arange(len(labels)), labels])

    rs, rc = heads(ops.convert_to_tensor(real))
    fs, fc = heads(m.generator(tensors(z, fake_labels), training=False))
    loss, logs = m.conditional_discriminator_objective(*tensors(real, y, z), fake_labels=ops.convert_to_tensor(fake_labels),
                                           training=False)
    expected = np.mean(softplus(-rs)) + np.mean(softplus(fs)) + 0.5 * (ce(y, rc) + ce(fake_labels, fc))
    assert float(loss) == pytest.approx(expected, rel=1e-5)
    assert float(logs["real_class_accuracy"]) == pytest.approx(np.mean(rc.argmax(1) == y))
    assert float(logs["fake_class_accuracy"]) == pytest.approx(np.mean(fc.argmax(1) == fake_labels))
    g_loss, _ = m.conditional_generator_objective(*tensors(z, fake_labels), training=False)
    assert float(g_loss) == pytest.approx(np.mean(softplus(-fs)) + 0.5 * ce(fake_labels, fc), rel=1e-5)
    m.fake_class_loss = False  # the class term on real images only
    loss, _ = m.conditional_discriminator_objective(*tensors(real, y, z), fake_labels=ops.convert_to_tensor(fake_labels),
                                        training=False)
    assert float(loss) == pytest.approx(np.mean(softplus(-rs)) + np.mean(softplus(fs)) + 0.5 * ce(y, rc), rel=1e-5)


def test_cvae_objective_matches_hand_computation():
    m = make(gz.models.ConditionalVAE, latent_dim=4)
    x, y, eps = batch(low=0.0)
    loss, logs = m.conditional_objective(*tensors(x, y, eps), training=False)
    mean, log_var = (np_(t) for t in m.encoder(tensors(x, y), training=False))
    z = (mean + np.exp(0.5 * log_var) * eps).astype("float32")
    logits = np_(m.decoder(tensors(z, y), training=False))
    rec = np.mean(np.sum((softplus(logits) - x * logits).reshape(len(x), -1), axis=1))
    kl = np.mean(0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=1))
    assert float(logs["reconstruction_loss"]) == pytest.approx(rec, rel=1e-5)
    assert float(logs["kl_loss"]) == pytest.approx(kl, rel=1e-4, abs=1e-6)
    assert float(loss) == pytest.approx(rec + kl, rel=1e-5)


def test_cvae_learned_prior_objective_and_sampling():
    m = make(gz.models.ConditionalVAE, latent_dim=4, prior="learned")
    rng = np.random.default_rng(3)
    prior_mean, prior_log_var = rng.normal(size=(K, 4)), 0.5 * rng.normal(size=(K, 4))
    m.prior.set_weights([prior_mean.astype("float32"), prior_log_var.astype("float32")])
    x, y, eps = batch(low=0.0)
    _, logs = m.conditional_objective(*tensors(x, y, eps), training=False)
    mean, log_var = (np_(t) for t in m.encoder(tensors(x, y), training=False))
    pm, plv = prior_mean[y], prior_log_var[y]
    kl = np.mean(0.5 * np.sum(plv - log_var + (np.exp(log_var) + (mean - pm) ** 2) / np.exp(plv) - 1.0, axis=1))
    assert float(logs["kl_loss"]) == pytest.approx(kl, rel=1e-4)
    # generate maps standard-normal draws through the class's Gaussian before decoding.
    z = m.sample_latent(6, seed=2)
    labels = np.array([0, 1, 2, 2, 1, 0])
    expected = m.decode((prior_mean[labels] + np.exp(0.5 * prior_log_var[labels]) * z).astype("float32"), labels)
    np.testing.assert_allclose(m.generate(6, labels=labels, z=z), expected, atol=1e-6)
    np.testing.assert_allclose(m.generate(6, labels=labels, seed=2), expected, atol=1e-6)
    np.testing.assert_allclose(m.prior_parameters([2])[0], prior_mean[2:3], rtol=1e-6)
    # The prior is trained with the encoder and decoder, and starts at N(0, I).
    fresh = make(gz.models.ConditionalVAE, latent_dim=4, prior="learned")
    fresh.compile()
    assert all(np.all(w == 0) for w in fresh.prior.get_weights())
    trained = update_variables(fresh, fresh.training_updates()[0])
    assert any(v is fresh.prior.mean for v in trained) and any(v is fresh.prior.log_var for v in trained)
    fresh.fit(gz.data.from_array(x, y=y, batch_size=5, shuffle=False, image_range=(0, 1), num_classes=K), verbose=0)
    assert not np.all(fresh.prior.get_weights()[0] == 0)
    assert make(gz.models.ConditionalVAE).prior is None
    np.testing.assert_array_equal(make(gz.models.ConditionalVAE).prior_parameters([0, 1])[1], np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"prior must be one of \('standard', 'learned'\), got 'vamp'"):
        make(gz.models.ConditionalVAE, prior="vamp")


def test_cvae_class_consistency_objective_matches_hand_computation():
    m = make(gz.models.ConditionalVAE, latent_dim=4, prior="learned", class_loss_weight=2.0)
    m.prior.set_weights([w + 0.3 for w in m.prior.get_weights()])
    x, y, z = batch(low=0.0)
    loss, logs = m.class_consistency_objective(*tensors(x, y, z), training=False)

    def ce(labels, logits):
        logits = np.asarray(logits, np.float64)
        logp = logits - np.log(np.sum(np.exp(logits - logits.max(1, keepdims=True)), 1, keepdims=True)) - \
            logits.max(1, keepdims=True)
        return -np.mean(logp[np.arange(len(labels)), labels])

    pm, plv = m.prior_parameters(y)
    samples = m.decode((pm + np.exp(0.5 * plv) * z).astype("float32"), y)
    sample_logits = np_(m.classifier(ops.convert_to_tensor(samples), training=False))
    real_logits = np_(m.classifier(ops.convert_to_tensor(x), training=False))
    assert float(logs["class_loss"]) == pytest.approx(ce(y, sample_logits), rel=1e-5)
    assert float(logs["classifier_loss"]) == pytest.approx(ce(y, real_logits), rel=1e-5)
    assert float(logs["sample_class_accuracy"]) == pytest.approx(np.mean(sample_logits.argmax(1) == y))
    assert float(loss) == pytest.approx(2.0 * ce(y, sample_logits) + ce(y, real_logits), rel=1e-5)
    assert set(m.training_updates()[0].log_names) == {"reconstruction_loss", "kl_loss", "class_loss",
                                                      "sample_class_accuracy", "classifier_loss"}


def test_cvae_class_term_trains_the_decoder_and_not_the_classifier():
    """One SGD step at two class-loss weights: the classifier moves identically (it learns
    from real data only), the decoder and prior differently (they learn from the class term)."""
    x, y, _ = batch(8, low=0.0)
    data = gz.data.from_array(x, y=y, batch_size=8, shuffle=False, image_range=(0, 1), num_classes=K)
    after = {}
    for weight in (0.5, 50.0):
        m = make(gz.models.ConditionalVAE, prior="learned", class_loss_weight=weight)
        before = [w.copy() for w in m.classifier.get_weights()]
        m.compile(optimizer=keras.optimizers.SGD(0.1))
        m.fit(data, epochs=1, verbose=0)
        assert any(not np.array_equal(a, b) for a, b in zip(before, m.classifier.get_weights()))
        after[weight] = (m.classifier.get_weights(), m.decoder.get_weights())
    for a, b in zip(after[0.5][0], after[50.0][0]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert any(not np.allclose(a, b, atol=1e-6) for a, b in zip(after[0.5][1], after[50.0][1]))


def test_cvae_classifier_arguments_are_checked():
    assert make(gz.models.ConditionalVAE).classifier is None
    with pytest.raises(ValueError, match=r"class_loss_weight must be a number >= 0, got -1"):
        make(gz.models.ConditionalVAE, class_loss_weight=-1)
    own = networks.label_classifier(SHAPE, K, base_filters=4)
    with pytest.raises(ValueError, match="pass class_loss_weight > 0"):
        make(gz.models.ConditionalVAE, classifier=own)
    assert make(gz.models.ConditionalVAE, class_loss_weight=1.0, classifier=own).classifier is own
    wrong = networks.label_classifier(SHAPE, K + 1, base_filters=4)
    with pytest.raises(ValueError, match=r"classifier must map x \(8, 8, 1\) to class logits \(3,\); got \(4,\)"):
        make(gz.models.ConditionalVAE, class_loss_weight=1.0, classifier=wrong)


def test_cvae_encode_decode_and_errors():
    m = make(gz.models.ConditionalVAE)
    x, y, _ = batch(low=0.0)
    z_mean, z_log_var = m.encode(x, y)
    assert z_mean.shape == z_log_var.shape == (5, 4)
    out = m.decode(z_mean, y)
    assert out.shape == (5,) + SHAPE and out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(m.reconstruct(x, y), out, atol=1e-6)
    assert m.interpolate(x[:2], x[2:4], y[:2], steps=4).shape == (2, 4) + SHAPE
    with pytest.raises(ValueError, match=r"labels must be integer class indices in \[0, 3\)"):
        m.encode(x, [0, 1, 2, 3, 0])
    with pytest.raises(ValueError, match="expected 5, got 2"):
        m.decode(z_mean, [0, 1])
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        m.encode(x - 1.0, y)


# --------------------------------------------------------------------------- data, config, saving
@pytest.mark.parametrize("cls", ALL)
def test_evaluate_needs_labelled_batches(cls):
    m = make(cls)
    m.compile()
    x, y, _ = batch(8, low=0.0)
    labelled = gz.data.from_array(x, y=y, batch_size=4, shuffle=False, image_range=(0, 1), num_classes=K)
    logs = m.evaluate(labelled, verbose=0, return_dict=True)
    assert all(np.isfinite(v) for v in logs.values())
    unlabelled = gz.data.from_array(x, batch_size=4, shuffle=False, image_range=(0, 1))
    with pytest.raises(ValueError, match="with_labels=True"):
        m.evaluate(unlabelled, verbose=0)


@pytest.mark.parametrize("cls, kw", GANS + [(gz.models.ConditionalVAE, {"beta": 0.5}),
                                            (gz.models.ConditionalVAE, {"prior": "learned"}),
                                            (gz.models.ConditionalVAE, {"class_loss_weight": 3.0})])
def test_config_round_trip(cls, kw):
    m = make(cls, **kw)
    clone = cls.from_config(m.get_config())
    assert clone.get_config() == m.get_config()
    clone.set_weights(m.get_weights())
    np.testing.assert_array_equal(clone.generate(4, seed=3), m.generate(4, seed=3))


@pytest.mark.parametrize("cls, kw", [(gz.models.ConditionalGAN, {"conditioning": "concat"}), (gz.models.ACGAN, {}),
                                     (gz.models.ACGAN, {"label_combination": "multiply", "embedding_dim": None}),
                                     (gz.models.ConditionalVAE, {}),
                                     (gz.models.ConditionalVAE, {"prior": "learned", "class_loss_weight": 1.0})])
def test_save_and_load(tmp_path, cls, kw):
    m = make(cls, **kw)
    m.compile()
    if kw.get("prior") == "learned":  # a prior away from N(0, I), so that loading it matters
        m.prior.set_weights([w + 0.5 for w in m.prior.get_weights()])
    path = tmp_path / "m.keras"
    m.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is cls and loaded.num_classes == K
    np.testing.assert_array_equal(loaded.generate(6, labels=[2, 1, 0, 0, 1, 2], seed=5),
                                  m.generate(6, labels=[2, 1, 0, 0, 1, 2], seed=5))
    if kw.get("class_loss_weight"):
        for a, b in zip(loaded.classifier.get_weights(), m.classifier.get_weights()):
            np.testing.assert_array_equal(a, b)
    if cls is not gz.models.ConditionalVAE:
        assert loaded.d_optimizer is not None and loaded.g_optimizer is not None
        np.testing.assert_array_equal(loaded.label_embeddings(), m.label_embeddings())


@pytest.mark.parametrize("family", ["ConditionalGAN", "ACGAN"])
def test_labels_are_learned_on_a_labelled_mixture(family):
    """One Gaussian per class on a 2-D plane: after 1,500 fit steps, at least 80% of the
    samples generated for each class lie nearest that class's own component."""
    import keras

    centers = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]], np.float32)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 128 * 1500).astype(np.int32)
    x = (centers[y] + 0.1 * rng.normal(size=(len(y), 2))).astype(np.float32)
    cls = getattr(gz.models, family)
    model = cls(data_shape=(2,), num_classes=3, latent_dim=2, hidden_units=(64, 64), embedding_dim=4, seed=0)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    model.fit(gz.data.from_array(x, y, batch_size=128, seed=0), epochs=1, verbose=0)
    labels = np.repeat(np.arange(3), 500)
    samples = model.generate(1500, labels=labels, seed=1)
    nearest = np.argmin(((samples[:, None, :] - centers[None]) ** 2).sum(-1), axis=1)
    for k in range(3):
        share = float(np.mean(nearest[labels == k] == k))
        assert share >= 0.8, (family, k, share)
