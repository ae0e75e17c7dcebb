"""The code of docs/tutorials/dcgan.md that needs no training, run as one script.

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page.
"""

# --8<-- [start:networks]
import keras_genzoo as gz

generator = gz.networks.dcgan_generator(latent_dim=128, image_shape=(28, 28, 1), seed=0)
discriminator = gz.networks.dcgan_discriminator(image_shape=(28, 28, 1), seed=0)
for layer in generator.layers:
    print(f"{layer.__class__.__name__:20s} {layer.output.shape}")
print(discriminator.output.shape)     # one logit per image
# --8<-- [end:networks]
shapes = [tuple(layer.output.shape[1:]) for layer in generator.layers]
assert (7, 7, 128) in shapes and (14, 14, 64) in shapes and shapes[-1] == (28, 28, 1), shapes
assert tuple(discriminator.output.shape) == (None, 1)
assert generator.layers[-1].get_config()["activation"] == "tanh", generator.layers[-1].get_config()
