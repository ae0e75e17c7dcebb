"""Network builders, usable on their own: MLP and convolutional generators, discriminators,
encoders and decoders, and their conditional (label-aware) counterparts; the time-conditioned U-Net of diffusion and flow matching; their seeded
initialisers (`keras_genzoo.networks.initializers`)."""

from keras_genzoo.networks.conditional import (
    acgan_discriminator,
    class_embeddings,
    conditional_decoder,
    conditional_discriminator,
    conditional_encoder,
    conditional_generator,
    label_classifier,
    synthesis_network,
)
from keras_genzoo.networks.constraints import ClipConstraint
from keras_genzoo.networks.conv import conv_decoder, conv_encoder, dcgan_discriminator, dcgan_generator
from keras_genzoo.networks.initializers import dcgan_initializer, glorot
from keras_genzoo.networks.layers import ClassPrior, LayerNorm
from keras_genzoo.networks.mlp import Pack, mlp_decoder, mlp_discriminator, mlp_encoder, mlp_generator
from keras_genzoo.networks.unet import SinusoidalEmbedding, unet, unet_stages

__all__ = [
    "ClassPrior",
    "ClipConstraint",
    "LayerNorm",
    "Pack",
    "SinusoidalEmbedding",
    "acgan_discriminator",
    "class_embeddings",
    "conditional_decoder",
    "conditional_discriminator",
    "conditional_encoder",
    "conditional_generator",
    "label_classifier",
    "synthesis_network",
    "conv_decoder",
    "conv_encoder",
    "dcgan_discriminator",
    "dcgan_generator",
    "dcgan_initializer",
    "glorot",
    "mlp_decoder",
    "mlp_discriminator",
    "mlp_encoder",
    "mlp_generator",
    "unet",
    "unet_stages",
]
