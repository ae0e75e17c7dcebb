"""The model families: adversarial (GAN, DCGAN), Wasserstein (WGAN, WGAN-GP)."""

from keras_genzoo.models.adversarial import DCGAN, GAN, AdversarialModel
from keras_genzoo.models.base import GenerativeModel
from keras_genzoo.models.wasserstein import WGAN, WGANGP

__all__ = ["AdversarialModel", "DCGAN", "GAN", "GenerativeModel", "WGAN", "WGANGP"]
