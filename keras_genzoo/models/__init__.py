"""The model families: autoencoders (Autoencoder, VAE), adversarial (GAN, DCGAN), Wasserstein (WGAN, WGAN-GP)."""

from keras_genzoo.models.autoencoders import VAE, Autoencoder
from keras_genzoo.models.adversarial import DCGAN, GAN, AdversarialModel
from keras_genzoo.models.base import GenerativeModel
from keras_genzoo.models.wasserstein import WGAN, WGANGP

__all__ = ["AdversarialModel", "Autoencoder", "VAE", "DCGAN", "GAN", "GenerativeModel", "WGAN", "WGANGP"]
