"""Network builders' options (upsampling mode, spectral normalisation) and the weight EMA."""

import keras
import numpy as np
import pytest

import keras_genzoo as gz
from keras_genzoo.ema import WeightEMA

SHAPE = (8, 8, 1)


def _z(n=4, d=6, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")


# ----------------------------------------------------------------------------- generator upsampling
@pytest.mark.parametrize("upsample", ["transpose", "nearest", "bilinear"])
def test_generator_upsample_modes_shapes_and_range(upsample):
    g = gz.networks.dcgan_generator(6, SHAPE, base_filters=4, seed=0, upsample=upsample)
    assert g.output_shape == (None,) + SHAPE
    x = np.asarray(g(_z(), training=False))
    assert x.shape == (4,) + SHAPE
    assert np.all(np.abs(x) <= 1.0)


def test_generator_default_is_the_papers_transposed_convolutions():
    g = gz.networks.dcgan_generator(6, SHAPE, base_filters=4, seed=0)
    kinds = {layer.name: type(layer).__name__ for layer in g.layers}
    assert kinds["up_1"] == kinds["up_2"] == "Conv2DTranspose"
    assert "up_1_resize" not in kinds
    # Dense 6 -> 2*2*8 (no bias), BN(32) x4, ConvT 4x4 8->4 (no bias), BN(4) x4, ConvT 4x4 4->1 + bias
    expected = 6 * 32 + 4 * 32 + 4 * 4 * 8 * 4 + 4 * 4 + 4 * 4 * 4 * 1 + 1
    assert g.count_params() == expected


def test_generator_nearest_uses_resize_then_3x3_convolution():
    g = gz.networks.dcgan_generator(6, SHAPE, base_filters=4, seed=0, upsample="nearest")
    up1 = g.get_layer("up_1")
    assert type(g.get_layer("up_1_resize")).__name__ == "UpSampling2D"
    assert type(up1).__name__ == "Conv2D" and tuple(up1.kernel_size) == (3, 3) and tuple(up1.strides) == (1, 1)
    expected = 6 * 32 + 4 * 32 + 3 * 3 * 8 * 4 + 4 * 4 + 3 * 3 * 4 * 1 + 1
    assert g.count_params() == expected


def test_generator_nearest_upsampling_matches_a_numpy_reference():
    """The resize stage is nearest-neighbour: each pixel repeated in a 2x2 block."""
    g = gz.networks.dcgan_generator(6, SHAPE, base_filters=4, seed=0, upsample="nearest")
    inner = keras.Model(g.input, [g.get_layer("reshape").output, g.get_layer("up_1_resize").output])
    before, after = (np.asarray(t) for t in inner(_z(), training=False))
    np.testing.assert_array_equal(after, before.repeat(2, axis=1).repeat(2, axis=2))


@pytest.mark.parametrize("upsample", ["transpose", "nearest"])
def test_generator_seeded_determinism(upsample):
    a = gz.networks.dcgan_generator(6, SHAPE, base_filters=4, seed=3, upsample=upsample)
    b = gz.networks.dcgan_generator(6, SHAPE, base_filters=4, seed=3, upsample=upsample)
    c = gz.networks.dcgan_generator(6, SHAPE, base_filters=4, seed=4, upsample=upsample)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(np.asarray(a(_z())), np.asarray(b(_z())))
    assert not np.allclose(a.get_weights()[0], c.get_weights()[0])


def test_generator_bad_upsample_names_the_choices():
    with pytest.raises(ValueError, match=r"upsample must be one of .*'transpose'.*'nearest'.*got 'cubic'"):
        gz.networks.dcgan_generator(6, SHAPE, base_filters=4, upsample="cubic")


def test_generator_kernel_size_option():
    g = gz.networks.dcgan_generator(6, SHAPE, base_filters=4, seed=0, upsample="nearest", kernel_size=5)
    assert tuple(g.get_layer("up_2").kernel_size) == (5, 5)
    assert g.output_shape == (None,) + SHAPE


# ----------------------------------------------------------------------------- spectral normalisation
def test_discriminator_spectral_norm_wraps_convolutions_and_output():
    d = gz.networks.dcgan_discriminator(SHAPE, base_filters=4, normalization=None, spectral_norm=True, seed=0)
    wrapped = [layer for layer in d.layers if isinstance(layer, keras.layers.SpectralNormalization)]
    assert [w.layer.name for w in wrapped] == ["down_1", "down_2", "score"]
    assert d.output_shape == (None, 1)


def test_spectral_norm_bounds_the_largest_singular_value():
    d = gz.networks.dcgan_discriminator(SHAPE, base_filters=4, normalization=None, spectral_norm=True, seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (4,) + SHAPE).astype("float32")
    for layer in d.layers:  # make the raw kernels far from norm 1 first
        if isinstance(layer, keras.layers.SpectralNormalization):
            layer.layer.kernel.assign(np.asarray(layer.layer.kernel) * 50.0)
    for _ in range(30):  # each training call runs one power iteration and rescales the kernel
        d(x, training=True)
    for layer in d.layers:
        if isinstance(layer, keras.layers.SpectralNormalization):
            k = np.asarray(layer.layer.kernel, np.float64)
            sigma = np.linalg.svd(k.reshape(-1, k.shape[-1]), compute_uv=False)[0]
            assert sigma == pytest.approx(1.0, abs=0.05), layer.name


def test_spectral_norm_inference_leaves_weights_alone_and_is_seeded():
    a = gz.networks.dcgan_discriminator(SHAPE, base_filters=4, normalization=None, spectral_norm=True, seed=2)
    b = gz.networks.dcgan_discriminator(SHAPE, base_filters=4, normalization=None, spectral_norm=True, seed=2)
    x = np.random.default_rng(1).uniform(-1, 1, (3,) + SHAPE).astype("float32")
    before = [w.copy() for w in a.get_weights()]
    np.testing.assert_array_equal(np.asarray(a(x, training=False)), np.asarray(b(x, training=False)))
    for w0, w1 in zip(before, a.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_spectral_norm_and_constraint_are_exclusive():
    with pytest.raises(ValueError, match="spectral_norm=True and a weight constraint"):
        gz.networks.dcgan_discriminator(SHAPE, base_filters=4, spectral_norm=True,
                                        constraint=gz.networks.ClipConstraint(0.01))


def test_discriminator_defaults_unchanged():
    d = gz.networks.dcgan_discriminator(SHAPE, base_filters=4, seed=0)
    assert not any(isinstance(layer, keras.layers.SpectralNormalization) for layer in d.layers)
    assert [layer.name for layer in d.layers][1:4] == ["down_1", "down_1_lrelu", "down_2"]


# ----------------------------------------------------------------------------- weight EMA
def _tiny_generator(seed=0):
    return gz.networks.dcgan_generator(6, SHAPE, base_filters=4, seed=seed)


def _perturb(model, seed):
    rng = np.random.default_rng(seed)
    for v in model.variables:
        v.assign(np.asarray(v) + rng.normal(size=v.shape).astype("float32"))


def test_ema_update_matches_hand_computed_average():
    g = _tiny_generator()
    ema = WeightEMA(g, decay=0.75, warmup=False)
    ref = [np.asarray(v, np.float64) for v in g.variables]
    for step in range(3):
        _perturb(g, step)
        ema.update()
        ref = [0.75 * r + 0.25 * np.asarray(v, np.float64) for r, v in zip(ref, g.variables)]
    for r, avg in zip(ref, ema.variables):
        np.testing.assert_allclose(np.asarray(avg), r, rtol=1e-5, atol=1e-6)
    assert int(ema.updates.numpy() if hasattr(ema.updates, "numpy") else ema.updates) == 3


def test_ema_warmup_decay_schedule():
    g = _tiny_generator()
    ema = WeightEMA(g, decay=0.999)
    got = []
    for _ in range(3):
        got.append(float(ema.current_decay()))
        ema.update()
    np.testing.assert_allclose(got, [1 / 10, 2 / 11, 3 / 12], rtol=1e-6)
    assert float(WeightEMA(g, decay=0.5).current_decay()) == pytest.approx(0.1)


def test_ema_copies_weights_at_creation():
    g = _tiny_generator()
    ema = WeightEMA(g, decay=0.9)
    before = [np.asarray(v).copy() for v in g.variables]
    _perturb(g, 0)  # the average must not follow the model's variables
    for b, avg in zip(before, ema.variables):
        np.testing.assert_array_equal(np.asarray(avg), b)


def test_ema_swapped_and_averaged_model():
    g = _tiny_generator()
    ema = WeightEMA(g, decay=0.5, warmup=False)
    _perturb(g, 1)
    ema.update()
    z = _z()
    raw = np.asarray(g(z, training=False))
    with ema.swapped() as m:
        swapped = np.asarray(m(z, training=False))
    np.testing.assert_array_equal(np.asarray(g(z, training=False)), raw)  # weights restored
    assert not np.allclose(swapped, raw)
    np.testing.assert_allclose(np.asarray(ema.averaged_model()(z, training=False)), swapped, rtol=1e-6, atol=1e-6)
    # a clone with the same averaged weights, built by hand
    clone = keras.models.clone_model(g)
    clone.set_weights([np.asarray(v) for v in ema.variables])
    np.testing.assert_allclose(np.asarray(clone(z, training=False)), swapped, rtol=1e-6, atol=1e-6)


def test_ema_bad_inputs():
    g = _tiny_generator()
    with pytest.raises(ValueError, match=r"decay must be a number in \[0, 1\), got 1.0"):
        WeightEMA(g, decay=1.0)
    with pytest.raises(ValueError, match="decay must be a number"):
        WeightEMA(g, decay="fast")
    with pytest.raises(ValueError, match="model must be a keras.Model"):
        WeightEMA([1, 2], decay=0.9)
    other = gz.networks.dcgan_generator(6, SHAPE, base_filters=8, seed=0)
    with pytest.raises(ValueError, match="has shape"):
        WeightEMA(g, decay=0.9).copy_to(other)


def test_generator_ema_callback_averages_during_fit():
    """The callback's average after fit equals a hand-run EMA over per-step weight snapshots."""
    model = gz.models.DCGAN(image_shape=SHAPE, latent_dim=6, base_filters=4, seed=1)
    model.compile()
    x = np.random.default_rng(0).uniform(0, 1, (32,) + SHAPE).astype("float32")
    snapshots = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda b, logs: snapshots.append([np.asarray(v, np.float64) for v in model.generator.variables])
    )
    first = [np.asarray(v, np.float64) for v in model.generator.variables]
    cb = gz.callbacks.GeneratorEMA(decay=0.8, warmup=False)
    model.fit(gz.data.from_array(x, batch_size=8, shuffle=False), epochs=1, verbose=0, callbacks=[cb, record])
    ref = first
    for snap in snapshots:
        ref = [0.8 * r + 0.2 * s for r, s in zip(ref, snap)]
    assert len(snapshots) == 4
    for r, avg in zip(ref, cb.ema.variables):
        np.testing.assert_allclose(np.asarray(avg), r, rtol=1e-5, atol=1e-6)
    with cb.ema.swapped():
        averaged = model.generate(4, seed=0)
    assert not np.allclose(averaged, model.generate(4, seed=0))


def test_ema_into_a_frozen_clone_matches_standalone_average():
    g = _tiny_generator()
    clone = keras.models.clone_model(g)
    into = WeightEMA(g, decay=0.5, warmup=False, averaged=clone)
    alone = WeightEMA(g, decay=0.5, warmup=False)
    z = _z()
    np.testing.assert_array_equal(np.asarray(clone(z, training=False)), np.asarray(g(z, training=False)))
    assert not clone.trainable and clone.trainable_variables == []
    for step in range(2):
        _perturb(g, 10 + step)
        into.update()
        alone.update()
    for a, b in zip(into.variables, alone.variables):  # same variable order, same values
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.asarray(clone(z, training=False)),
                               np.asarray(alone.averaged_model()(z, training=False)), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="same architecture"):
        WeightEMA(g, averaged=keras.Sequential([keras.Input((6,)), keras.layers.Dense(3)]))


# ----------------------------------------------------------------------------- config == constructor arguments
def _network_classes():
    """Every public class defined in keras_genzoo/networks/ (layers, constraints, models)."""
    import importlib
    import inspect
    import pkgutil

    found = {}
    for info in pkgutil.iter_modules(gz.networks.__path__):
        module = importlib.import_module(f"keras_genzoo.networks.{info.name}")
        for obj in vars(module).values():
            if inspect.isclass(obj) and obj.__module__ == module.__name__ and not obj.__name__.startswith("_"):
                found[obj.__name__] = obj
    return found


#: an instance of each class, and an input to call it on (None for a constraint: called on a weight)
_EXAMPLES = {
    "ClassPrior": (lambda: gz.networks.ClassPrior(3, 4, name="prior"), np.array([0, 2, 1], "int32")),
    "ClipConstraint": (lambda: gz.networks.ClipConstraint(0.05), None),
    "LayerNorm": (lambda: gz.networks.LayerNorm(axis=-1, epsilon=1e-3, name="ln"), _z(4, 6)),
    "Pack": (lambda: gz.networks.Pack(2, name="pack"), _z(4, 6)),
    "SinusoidalEmbedding": (lambda: gz.networks.SinusoidalEmbedding(8, name="time_embedding"),
                            np.linspace(0.0, 1.0, 3, dtype="float32")[:, None]),
}


def test_every_network_class_has_a_config_example():
    assert set(_network_classes()) == set(_EXAMPLES), "add an example of each new class to _EXAMPLES"


def _constructor_arguments(cls):
    """Names `cls(...)` takes: its own `__init__` parameters and, through `**kwargs`, its bases'."""
    import inspect

    names = set()
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        params = inspect.signature(klass.__init__).parameters
        names |= {n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and n != "self"}
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            break
        if klass is keras.layers.Layer:  # Layer.__init__(**kwargs) takes these keywords
            names |= {"dtype", "name", "trainable", "autocast", "input_shape", "input_dim", "batch_input_shape",
                      "batch_size", "activity_regularizer"}
            break
    return names


@pytest.mark.parametrize("name", sorted(_EXAMPLES))
def test_network_class_config_is_its_constructor_arguments(name):
    make, x = _EXAMPLES[name]
    obj = make()
    cls = type(obj)
    config = obj.get_config()
    assert set(config) <= _constructor_arguments(cls), set(config) - _constructor_arguments(cls)
    clone = cls.from_config(config)
    assert type(clone) is cls and clone.get_config() == config
    # the same object through Keras' own serialisation
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(obj))
    assert type(again) is cls and again.get_config() == config
    if x is None:  # a constraint: the same function of a weight
        w = keras.ops.convert_to_tensor(np.linspace(-1, 1, 12, dtype="float32").reshape(3, 4))
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(clone(w)), keras.ops.convert_to_numpy(obj(w)))
        return
    obj(x), clone(x)  # build both
    rng = np.random.default_rng(0)
    for v in obj.weights:  # weights that differ from their initial values, so that copying them matters
        v.assign(keras.ops.convert_to_numpy(v) + rng.normal(size=v.shape).astype("float32"))
    clone.set_weights(obj.get_weights())
    for a, b in zip(keras.tree.flatten(obj(x)), keras.tree.flatten(clone(x))):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


def test_network_classes_refuse_bad_arguments():
    for bad in (0, -0.01, float("nan"), float("inf"), True, "0.01"):
        with pytest.raises(ValueError, match="clip_value must be a number > 0"):
            gz.networks.ClipConstraint(bad)
    with pytest.raises(ValueError, match="num_classes must be a positive integer, got 0"):
        gz.networks.ClassPrior(0, 4)
    with pytest.raises(ValueError, match="latent_dim must be a positive integer, got 2.0"):
        gz.networks.ClassPrior(3, 2.0)
    with pytest.raises(ValueError, match="LayerNorm does not implement rms_scaling=True"):
        gz.networks.LayerNorm(rms_scaling=True)


# ----------------------------------------------------------------------------- one initializer helper, one validator
def test_initializers_seed_each_layer_apart():
    from keras_genzoo.networks import initializers

    assert initializers.offset_seed(None, 100) is None and initializers.offset_seed(3, 100) == 103
    a = np.asarray(initializers.glorot(3, 1)((4, 5)))
    np.testing.assert_array_equal(a, np.asarray(keras.initializers.GlorotUniform(seed=4)((4, 5))))
    np.testing.assert_array_equal(np.asarray(initializers.dcgan_initializer(3, 2)((4, 5))),
                                  np.asarray(keras.initializers.RandomNormal(0.0, 0.02, seed=5)((4, 5))))
    assert gz.networks.dcgan_initializer is initializers.dcgan_initializer


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: gz.networks.conditional_generator(4, (8, 8), 3), r"data_shape must be \(d,\) for vectors or \(H, W, C\)"),
        (lambda: gz.networks.conditional_discriminator((0,), 3), "each dimension must be a positive integer, got 0"),
        (lambda: gz.networks.acgan_discriminator((10, 8, 1), 3), "divisible by 4"),
        (lambda: gz.networks.conditional_discriminator((4,), 3, conditioning="film"), "conditioning must be one of"),
        (lambda: gz.networks.conditional_generator(4, (4,), 3, label_combination="add"),
         "label_combination must be one of"),
        (lambda: gz.networks.label_classifier(SHAPE, 0), "num_classes must be a positive integer, got 0"),
        (lambda: gz.networks.conditional_encoder(SHAPE, 3, 2, hidden_units=2.5),
         "hidden_units must be a positive integer, got 2.5"),
        (lambda: gz.networks.dcgan_discriminator(SHAPE, normalization="group"), "normalization must be one of"),
    ],
)
def test_builders_refuse_bad_arguments(build, match):
    with pytest.raises(ValueError, match=match):
        build()
