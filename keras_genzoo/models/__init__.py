"""The model families: autoencoders (Autoencoder, VAE, ConditionalVAE), adversarial (GAN, DCGAN),
Wasserstein (WGAN, WGAN-GP), conditional (ConditionalGAN, ACGAN)."""

from keras_genzoo.models.autoencoders import VAE, Autoencoder
from keras_genzoo.models.adversarial import DCGAN, GAN, AdversarialModel
from keras_genzoo.models.base import GenerativeModel
from keras_genzoo.models.conditional import ACGAN, ConditionalAdversarialModel, ConditionalGAN
from keras_genzoo.models.conditional_vae import ConditionalVAE
from keras_genzoo.models.wasserstein import WGAN, WGANGP

__all__ = [
    "ACGAN",
    "AdversarialModel",
    "Autoencoder",
    "ConditionalAdversarialModel",
    "ConditionalGAN",
    "ConditionalVAE",
    "VAE",
    "DCGAN",
    "GAN",
    "GenerativeModel",
    "WGAN",
    "WGANGP",
]
