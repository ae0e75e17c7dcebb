"""Network builders, usable on their own: MLP and convolutional generators, discriminators,
encoders and decoders."""

from keras_genzoo.networks.constraints import ClipConstraint
from keras_genzoo.networks.conv import (
    conv_decoder,
    conv_encoder,
    dcgan_discriminator,
    dcgan_generator,
    dcgan_initializer,
)
from keras_genzoo.networks.mlp import Pack, mlp_decoder, mlp_discriminator, mlp_encoder, mlp_generator

__all__ = [
    "ClipConstraint",
    "Pack",
    "conv_decoder",
    "conv_encoder",
    "dcgan_discriminator",
    "dcgan_generator",
    "dcgan_initializer",
    "mlp_decoder",
    "mlp_discriminator",
    "mlp_encoder",
    "mlp_generator",
]
