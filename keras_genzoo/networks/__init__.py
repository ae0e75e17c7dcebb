"""Network builders, usable on their own: MLP and DCGAN-style generators and discriminators."""

from keras_genzoo.networks.constraints import ClipConstraint
from keras_genzoo.networks.conv import dcgan_discriminator, dcgan_generator, dcgan_initializer
from keras_genzoo.networks.mlp import mlp_discriminator, mlp_generator

__all__ = [
    "ClipConstraint",
    "dcgan_discriminator",
    "dcgan_generator",
    "dcgan_initializer",
    "mlp_discriminator",
    "mlp_generator",
]
