"""The model families: autoencoders (Autoencoder, VAE, ConditionalVAE), adversarial (GAN, DCGAN), Wasserstein
(WGAN, WGAN-GP), conditional
(ConditionalGAN, ACGAN), flow matching and diffusion (FlowMatching, Diffusion); the family registry; the backend-free step description they share.

Design. A family module says what one training step does (`training_updates`: which
sub-model each loss updates, with which optimizer; the objectives as `keras.ops` functions of
the batch and the step's noise; the critic schedule `n_critic`; the metrics it logs) and
nothing about gradients. `keras_genzoo.trainers` holds one trainer per Keras backend
(TensorFlow, JAX, PyTorch) that turns the description into `train_step`: the tape or
`jax.value_and_grad` or autograd, the optimizer updates, replica scaling and loss scaling.
The only other backend-specific code is the trainers' primitives: the gradient of a network's
output with respect to its input (the gradient penalty), per-replica noise and the run-time
data check. `registry` lists the families; adding one is a module plus a registry entry.
"""

from keras_genzoo.models import registry
from keras_genzoo.trainers import steps
from keras_genzoo.models.autoencoders import VAE, Autoencoder
from keras_genzoo.models.adversarial import DCGAN, GAN, AdversarialModel
from keras_genzoo.models.base import GenerativeModel
from keras_genzoo.models.conditional_gans import ACGAN, ConditionalAdversarialModel, ConditionalGAN
from keras_genzoo.models.conditional_vae import ConditionalVAE
from keras_genzoo.models.diffusion import Diffusion
from keras_genzoo.models.flow import FlowMatching
from keras_genzoo.models.time_conditioned import TimeConditionedModel
from keras_genzoo.models.registry import create
from keras_genzoo.models.wasserstein import WGAN, WGANGP

__all__ = [
    "ACGAN", "AdversarialModel", "Autoencoder", "ConditionalAdversarialModel", "ConditionalGAN", "ConditionalVAE",
    "Diffusion", "FlowMatching", "VAE", "DCGAN", "GAN", "GenerativeModel", "TimeConditionedModel", "WGAN", "WGANGP", "create", "registry", "steps",
]
