"""gz.networks.unet: the time-conditioned U-Net of diffusion and flow matching."""

import keras
import numpy as np
import pytest

import keras_genzoo as gz


def _inputs(shape, n=2, num_classes=None, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, *shape)).astype("float32")
    t = rng.uniform(size=(n, 1)).astype("float32")
    if num_classes is None:
        return [x, t]
    return [x, t, (np.arange(n) % (num_classes + 1)).reshape(n, 1).astype("int32")]


@pytest.mark.parametrize("shape,stages", [((28, 28, 1), 2), ((32, 32, 3), 3), ((64, 64, 3), 3), ((8, 8, 1), 1)])
def test_output_shape_and_stages(shape, stages):
    assert gz.networks.unet_stages(shape) == stages
    net = gz.networks.unet(shape, base_filters=4, num_classes=3 if shape[0] == 28 else None, seed=0)
    assert tuple(net.output.shape) == (None, *shape)
    out = net(_inputs(shape, num_classes=3 if shape[0] == 28 else None))
    assert tuple(out.shape) == (2, *shape)
    # 28x28 goes 28 -> 14 -> 7 and back: no 3x3 stage whose skip would not line up
    sizes = {layer.output.shape[1] for layer in net.layers if isinstance(layer, keras.layers.Conv2D)}
    assert min(sizes) == shape[0] // 2**stages


def test_zero_output_at_init_and_not_after_changing_the_output_conv():
    net = gz.networks.unet((8, 8, 2), base_filters=4, num_classes=2, seed=0)
    out = keras.ops.convert_to_numpy(net(_inputs((8, 8, 2), num_classes=2)))
    assert np.all(out == 0.0)
    kernel = net.get_layer("conv_out").kernel
    kernel.assign(np.full(kernel.shape, 0.01, "float32"))
    out = keras.ops.convert_to_numpy(net(_inputs((8, 8, 2), num_classes=2)))
    assert np.abs(out).max() > 0


def test_the_time_and_the_label_change_the_output():
    net = gz.networks.unet((8, 8, 1), base_filters=4, num_classes=3, seed=0)
    kernel = net.get_layer("conv_out").kernel
    kernel.assign(np.random.default_rng(1).normal(size=kernel.shape).astype("float32"))
    x, t, y = _inputs((8, 8, 1), num_classes=3)
    base = keras.ops.convert_to_numpy(net([x, t, y]))
    assert not np.allclose(base, keras.ops.convert_to_numpy(net([x, t + 0.3, y])))
    assert not np.allclose(base, keras.ops.convert_to_numpy(net([x, t, (y + 1) % 4])))


def test_same_seed_same_weights():
    a = gz.networks.unet((8, 8, 1), base_filters=4, seed=3)
    b = gz.networks.unet((8, 8, 1), base_filters=4, seed=3)
    c = gz.networks.unet((8, 8, 1), base_filters=4, seed=4)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert any(not np.array_equal(wa, wc) for wa, wc in zip(a.get_weights(), c.get_weights()))


def test_attention_where_asked():
    net = gz.networks.unet((16, 16, 1), base_filters=4, attention_resolutions=(8,), seed=0)
    attn = [layer.name for layer in net.layers if isinstance(layer, keras.layers.MultiHeadAttention)]
    assert attn and all(name.startswith(("down1", "up1")) for name in attn)  # 16 -> 8 -> 4: level 1 is 8x8
    none = gz.networks.unet((16, 16, 1), base_filters=4, attention_resolutions=(), seed=0)
    assert not [layer for layer in none.layers if isinstance(layer, keras.layers.MultiHeadAttention)]


def test_bad_sizes_and_options_say_what_works():
    with pytest.raises(ValueError, match=r"image_shape \(27, 27, 1\).*Sizes that work.*28"):
        gz.networks.unet((27, 27, 1))
    with pytest.raises(ValueError, match=r"3 stride-2 stages, so H and W must be multiples of 8; got image_shape "
                                         r"\(28, 28, 1\)\. Sizes that work with 3 stages: 8, 16, 24, 32"):
        gz.networks.unet((28, 28, 1), channel_multipliers=(1, 2, 2, 2))
    with pytest.raises(ValueError, match=r"attention_resolutions \[5\] are not resolutions.*\[28, 14, 7\]"):
        gz.networks.unet((28, 28, 1), attention_resolutions=(5,))
    with pytest.raises(ValueError, match="base_filters must be a positive integer"):
        gz.networks.unet((28, 28, 1), base_filters=0)
    with pytest.raises(ValueError, match=r"image_shape \(H, W, C\)"):
        gz.networks.unet((28, 28))


def test_save_load_round_trip(tmp_path):
    net = gz.networks.unet((8, 8, 1), base_filters=4, num_classes=2, seed=0)
    for v in net.trainable_variables:  # non-zero output
        v.assign(v.value + 0.01)
    path = tmp_path / "unet.keras"
    net.save(path)
    loaded = keras.models.load_model(path)
    inputs = _inputs((8, 8, 1), num_classes=2)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(inputs)), keras.ops.convert_to_numpy(net(inputs)),
                               atol=1e-6)
