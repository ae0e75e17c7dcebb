"""The family registry: one table naming every family, its class, default networks,
optimizers, batch size, recipes and paper.

The CLI (`genzoo models`, `genzoo train NAME --recipe R`), run configurations, the docs'
tables and the parametrised tests read it. Adding a family is one module plus one entry here.

    gz.models.registry.names()                      # ("autoencoder", "vae", ...)
    family = gz.models.registry.get("dcgan")
    model = gz.models.registry.create("dcgan", image_shape=(28, 28, 1), recipe="paper", seed=0)
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import keras

from keras_genzoo.models.adversarial import DCGAN, GAN
from keras_genzoo.models.autoencoders import VAE, Autoencoder
from keras_genzoo.models.conditional_gans import ACGAN, ConditionalGAN
from keras_genzoo.models.conditional_vae import ConditionalVAE
from keras_genzoo.models.diffusion import Diffusion
from keras_genzoo.models.flow import FlowMatching
from keras_genzoo.models.wasserstein import WGAN, WGANGP


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A named set of hyper-parameters for a family.

    Attributes:
        description: what the recipe is and where its numbers come from.
        model_kwargs: constructor arguments (networks' widths, options).
        compile_kwargs: a function returning `compile()` arguments with fresh optimizers, or
            None for the family's paper defaults.
        batch_size: the batch size the recipe trains with (None: the family's default).
    """

    description: str
    model_kwargs: dict = dataclasses.field(default_factory=dict)
    compile_kwargs: Callable | None = None
    batch_size: int | None = None


@dataclasses.dataclass(frozen=True)
class Family:
    """One row of the registry."""

    name: str
    cls: type
    title: str
    paper: str
    networks: str
    data: tuple = ("image", "vector")
    conditional: bool = False
    #: None: the class decides (adversarial models: 128 for images, the data's dimension for vectors)
    default_latent_dim: int | None = 128
    recipes: dict = dataclasses.field(default_factory=dict)

    @property
    def batch_size(self):
        return self.cls.default_batch_size

    def recipe(self, name="paper"):
        if name not in self.recipes:
            raise ValueError(f"{self.name} has no recipe {name!r}; choose from {', '.join(self.recipes)}.")
        return self.recipes[name]


_PAPER = "The paper's defaults (see the class docstring)."


def _adam(lr, beta_1=0.5, beta_2=0.999):
    def optimizers():
        return {
            "d_optimizer": keras.optimizers.Adam(lr, beta_1=beta_1, beta_2=beta_2, name="d_adam"),
            "g_optimizer": keras.optimizers.Adam(lr, beta_1=beta_1, beta_2=beta_2, name="g_adam"),
        }

    return optimizers


#: Tuned for image quality per CPU-second on 2 cores: half-width networks, batch 32, Adam 1e-3
#: (beta_1 0.5), and sampling from a moving average of the generator's weights. How it compares
#: with the paper recipe: docs/benchmarks.md, "Recipes: image quality per CPU-second"; how far
#: longer runs take it: "The zoo budget: FD ≤ 50 at 10,000 samples".
_DCGAN_FAST = Recipe(
    "Half-width DCGAN (base_filters=32), batch 32, Adam(1e-3, beta_1=0.5) for both networks, "
    "samples from a 0.999 moving average of the generator's weights; tuned for image quality per "
    "CPU-second (docs/benchmarks.md, \"Recipes: image quality per CPU-second\").",
    model_kwargs={"base_filters": 32, "ema_decay": 0.999},
    compile_kwargs=_adam(1e-3),
    batch_size=32,
)

#: The fast recipe for short runs (genzoo demo, up to ~10,000 steps): a 0.999 average lags the
#: raw generator while it still improves quickly; 0.995 does not (docs/benchmarks.md, "The fast
#: recipe and the demo budget").
_DCGAN_DEMO = dataclasses.replace(
    _DCGAN_FAST,
    description="The fast recipe with the generator's weights averaged at decay 0.995, for runs of up to "
    "about 10,000 steps (genzoo demo); the fast recipe's 0.999 pays off in longer runs.",
    model_kwargs={**_DCGAN_FAST.model_kwargs, "ema_decay": 0.995},
)

#: The DCGAN fast recipe carried over to the conditional GAN. The discriminator conditions by
#: concatenation, which beat the projection discriminator (on pooled or flattened features) in
#: both FD and conditional accuracy: at this learning rate the projection term makes the
#: discriminator over-confident and the generator stalls (docs/tutorials/conditional.md,
#: "Measured on Fashion-MNIST").
_CGAN_FAST = dataclasses.replace(
    _DCGAN_FAST,
    description="The DCGAN fast recipe with a concatenation discriminator (one-hot label maps as extra "
    "channels): base_filters=32, batch 32, Adam(1e-3, beta_1=0.5), generator weights averaged with decay 0.999.",
    model_kwargs={**_DCGAN_FAST.model_kwargs, "conditioning": "concat"},
)
#: AC-GAN on the DCGAN fast recipe. Its discriminator is unconditional, and with the default
#: generator (z concatenated with the label embedding) the generator learned to ignore z and
#: drew one image per class, even with the class loss switched off. Multiplying z by the
#: embedding keeps z in play (docs/tutorials/conditional.md, "Keep z in play: multiply it by
#: the label", and the table in "Measured on Fashion-MNIST").
_ACGAN_FAST = dataclasses.replace(
    _DCGAN_FAST,
    description="The DCGAN fast recipe for AC-GAN: base_filters=32, batch 32, Adam(1e-3, beta_1=0.5), "
    "generator weights averaged with decay 0.999, a generator fed z times its label embedding "
    "(label_combination='multiply'), and the discriminator's class loss on real images only "
    "(fake_class_loss=False; docs/tutorials/conditional.md, \"AC-GAN: make the discriminator name the class\").",
    model_kwargs={**_DCGAN_FAST.model_kwargs, "fake_class_loss": False, "label_combination": "multiply"},
)

#: The papers' settings, sampling from a 0.999 moving average of the generator's weights.
_PAPER_EMA = Recipe(
    "The paper's defaults, with generate() sampling from a 0.999 moving average of the "
    "generator's weights (Yazıcı et al. 2019).",
    model_kwargs={"ema_decay": 0.999},
)

#: WGAN-GP at the DCGAN fast recipe's width and batch, with a shorter critic schedule. Adam at
#: 5e-4 rather than 2e-4: it reached a given FD in fewer critic steps (docs/benchmarks.md,
#: "WGAN-GP on images: the `fast` recipe").
_WGANGP_FAST = Recipe(
    "Half-width networks (base_filters=32), batch 32, n_critic 2, gradient penalty 10, "
    "Adam(5e-4, beta_1=0.5, beta_2=0.9) for both networks, generator weights averaged with decay 0.999.",
    model_kwargs={"base_filters": 32, "n_critic": 2, "ema_decay": 0.999},
    compile_kwargs=_adam(5e-4, 0.5, 0.9),
    batch_size=32,
)

#: WGAN with clipping at the DCGAN fast recipe's width and batch. RMSprop as in the paper (it
#: warns against momentum with clipping) at 4x the paper's rate; two critic updates per generator
#: update and clipping at 0.05 buy more generator progress per CPU-second than n_critic 5
#: (docs/benchmarks.md, "WGAN with weight clipping on images: far slower than WGAN-GP").
_WGAN_FAST = Recipe(
    "Half-width networks (base_filters=32), batch 32, n_critic 2, clipping 0.05, RMSprop(2e-4) for both "
    "networks (4x the paper's rate), generator weights averaged with decay 0.999.",
    model_kwargs={"base_filters": 32, "n_critic": 2, "clip_value": 0.05, "ema_decay": 0.999},
    compile_kwargs=lambda: {"d_optimizer": keras.optimizers.RMSprop(2e-4, name="d_rmsprop"),
                            "g_optimizer": keras.optimizers.RMSprop(2e-4, name="g_rmsprop")},
    batch_size=32,
)

#: The conditional VAE with a learned Gaussian per class as its prior and the sigma-VAE's calibrated
#: Gaussian decoder, which beat the standard prior with the Bernoulli decoder in both conditional
#: accuracy and FD (docs/tutorials/conditional.md, "Measured on Fashion-MNIST").
_CVAE_FAST = Recipe(
    "Latent size 16, prior='learned' (a Gaussian per class), likelihood='calibrated_gaussian', "
    "class_loss_weight=50 (a classifier of real data; prior samples must be classified as their label), "
    "the paper networks (base_filters=32), Adam(1e-3), batch 128.",
    model_kwargs={"latent_dim": 16, "prior": "learned", "likelihood": "calibrated_gaussian", "class_loss_weight": 50.0},
)

#: The MLP GAN of the zoo: the paper's settings with a narrower second layer (the entry's two
#: networks must fit the zoo's 4 MB budget) and the generator's weights averaged.
_GAN_ZOO = Recipe(
    "The paper's settings (Adam 2e-4, beta_1 0.5, batch 64) with hidden layers (256, 384) for the "
    "generator and (384, 256) for the discriminator, so that both fit the zoo's 4 MB per entry, "
    "and generate() sampling from a 0.999 moving average of the generator's weights.",
    model_kwargs={"ema_decay": 0.999, "hidden_units": (256, 384)},
)

#: Flow matching sized for 2 CPU cores: a U-Net of base width 32 (two or three stride-2 stages,
#: attention at the lowest resolution), Adam(1e-3) and batch 64, sampling from a 0.999 average
#: with the warm-up of `ema.warmup_decay`. A starting point, not yet measured against the paper recipe.
_FLOW_FAST = Recipe(
    "U-Net base_filters=32, logit-normal training times, label dropout 0.1, Adam(1e-3), batch 64, "
    "network weights averaged with decay 0.999 (warm-up); generate() defaults to 16 Euler steps. "
    "Sized for a CPU; not yet measured.",
    model_kwargs={"base_filters": 32, "time_sampling": "logit_normal", "ema_decay": 0.999, "sampling_steps": 16},
    compile_kwargs=lambda: {"optimizer": keras.optimizers.Adam(1e-3, name="adam")},
    batch_size=64,
)

#: Diffusion sized for 2 CPU cores, as the flow fast recipe: U-Net base width 32, v-prediction on
#: the cosine schedule, Adam(1e-3), batch 64, a 0.999 average; generate() defaults to 50 DDIM steps.
_DIFFUSION_FAST = Recipe(
    "U-Net base_filters=32, cosine schedule, v-prediction, Adam(1e-3), batch 64, network weights averaged "
    "with decay 0.999 (warm-up); generate() defaults to 50 deterministic DDIM steps. Sized for a CPU; not yet measured.",
    model_kwargs={"base_filters": 32, "ema_decay": 0.999},
    compile_kwargs=lambda: {"optimizer": keras.optimizers.Adam(1e-3, name="adam")},
    batch_size=64,
)

FAMILIES = {
    family.name: family
    for family in (
        Family(
            "autoencoder", Autoencoder, "Autoencoder",
            "Hinton & Salakhutdinov (2006), Reducing the dimensionality of data with neural networks",
            "conv encoder/decoder (base_filters=32) for images, MLP for vectors",
            default_latent_dim=2, recipes={"paper": Recipe(_PAPER)},
        ),
        Family(
            "vae", VAE, "Variational autoencoder",
            "Kingma & Welling (2014), Auto-encoding variational Bayes",
            "conv encoder (mean, log-variance)/decoder (base_filters=32) for images, MLP for vectors",
            default_latent_dim=2, recipes={"paper": Recipe(_PAPER)},
        ),
        Family(
            "gan", GAN, "GAN",
            "Goodfellow et al. (2014), Generative adversarial nets",
            "MLP generator (256, 512) and discriminator (512, 256) for images; 3x256 both for vectors",
            default_latent_dim=None, recipes={"paper": Recipe(_PAPER), "ema": _PAPER_EMA, "zoo": _GAN_ZOO},
        ),
        Family(
            "dcgan", DCGAN, "DCGAN",
            "Radford et al. (2016), Unsupervised representation learning with deep convolutional GANs",
            "strided (transposed) convolutions with batch norm, base_filters=64",
            data=("image",), recipes={"paper": Recipe(_PAPER), "fast": _DCGAN_FAST, "demo": _DCGAN_DEMO},
        ),
        Family(
            "wgan", WGAN, "WGAN (weight clipping)",
            "Arjovsky et al. (2017), Wasserstein GAN",
            "DCGAN networks with a linear critic, every critic weight clipped to [-c, c]; MLP (256, 256) for vectors",
            default_latent_dim=None, recipes={"paper": Recipe(_PAPER), "ema": _PAPER_EMA, "fast": _WGAN_FAST},
        ),
        Family(
            "wgangp", WGANGP, "WGAN-GP (gradient penalty)",
            "Gulrajani et al. (2017), Improved training of Wasserstein GANs",
            "DCGAN generator, layer-normalised critic; MLP 3x256 both for vectors",
            default_latent_dim=None, recipes={"paper": Recipe(_PAPER), "fast": _WGANGP_FAST},
        ),
        Family(
            "cvae", ConditionalVAE, "Conditional VAE",
            "Sohn et al. (2015), Learning structured output representation using deep conditional generative models",
            "conv encoder/decoder (base_filters=32) with the one-hot label joined in, MLP for vectors",
            conditional=True, default_latent_dim=2, recipes={"paper": Recipe(_PAPER), "fast": _CVAE_FAST},
        ),
        Family(
            "cgan", ConditionalGAN, "Conditional GAN",
            "Mirza & Osindero (2014), Conditional generative adversarial nets; "
            "Miyato & Koyama (2018), cGANs with projection discriminator",
            "DCGAN generator fed z and a learned label embedding; projection (or concat) discriminator",
            conditional=True, recipes={"paper": Recipe(_PAPER), "fast": _CGAN_FAST},
        ),
        Family(
            "acgan", ACGAN, "AC-GAN",
            "Odena et al. (2017), Conditional image synthesis with auxiliary classifier GANs",
            "conditional DCGAN generator; discriminator with a source head and a class head",
            conditional=True, recipes={"paper": Recipe(_PAPER), "fast": _ACGAN_FAST},
        ),
        Family(
            "flow", FlowMatching, "Flow matching (rectified flow)",
            "Liu et al. (2023), Flow straight and fast: learning to generate and transfer data with rectified flow; "
            "Lipman et al. (2023), Flow matching for generative modeling",
            "time-conditioned U-Net (base_filters=32, GroupNorm residual blocks, attention at the lowest "
            "resolution, class embedding with a null class for guidance)",
            data=("image",), conditional=True, default_latent_dim=None,
            recipes={"paper": Recipe(_PAPER), "fast": _FLOW_FAST},
        ),
        Family(
            "diffusion", Diffusion, "Denoising diffusion (DDPM/DDIM)",
            "Ho et al. (2020), Denoising diffusion probabilistic models; Song et al. (2021), Denoising diffusion "
            "implicit models; Salimans & Ho (2022), Progressive distillation (v-prediction)",
            "time-conditioned U-Net (base_filters=32, GroupNorm residual blocks, attention at the lowest "
            "resolution, optional class embedding with a null class for guidance)",
            data=("image",), default_latent_dim=None,
            recipes={"paper": Recipe(_PAPER), "fast": _DIFFUSION_FAST},
        ),
    )
}


def names():
    """Every family's registry name, in table order."""
    return tuple(FAMILIES)


def get(name):
    """The `Family` registered as `name`."""
    if name not in FAMILIES:
        raise ValueError(f"Unknown model family {name!r}; choose from {', '.join(FAMILIES)}.")
    return FAMILIES[name]


def family_of(model_or_class):
    """The registry name of a model (or model class): the most specific registered class."""
    cls = model_or_class if isinstance(model_or_class, type) else type(model_or_class)
    for family in FAMILIES.values():
        if cls is family.cls:
            return family.name
    for klass in cls.__mro__:
        for family in FAMILIES.values():
            if klass is family.cls:
                return family.name
    raise ValueError(f"{cls.__name__} is not a registered family; registered: {', '.join(FAMILIES)}.")


def create(name, data_shape=None, recipe="paper", compile=True, image_shape=None, **kwargs):
    """A model of family `name` with the hyper-parameters of `recipe` (keyword arguments
    override them), compiled with the recipe's optimizers unless `compile=False`.

    Example:

        >>> import keras_genzoo as gz
        >>> gz.models.registry.names()
        ('autoencoder', 'vae', 'gan', 'dcgan', 'wgan', 'wgangp', 'cvae', 'cgan', 'acgan'...)
        >>> "fast" in gz.models.registry.get("dcgan").recipes
        True
        >>> model = gz.models.create("dcgan", image_shape=(8, 8, 1), recipe="fast", latent_dim=4, base_filters=4, seed=0)
        >>> type(model).__name__, model.base_filters, model.ema_decay, model.compiled  # base_filters overrides the recipe's
        ('DCGAN', 4, 0.999, True)
        >>> gz.models.registry.get("dcgan").recipe("fast").batch_size
        32
        >>> model.generate(2, seed=0).shape
        (2, 8, 8, 1)
        >>> vae = gz.models.create("vae", image_shape=(8, 8, 1), base_filters=4, compile=False)
        >>> vae.latent_dim, vae.compiled  # the family's default latent size
        (2, False)
    """
    family = get(name)
    chosen = family.recipe(recipe)
    model_kwargs = dict(chosen.model_kwargs)
    model_kwargs.setdefault("latent_dim", family.default_latent_dim)
    model_kwargs.update(kwargs)
    model = family.cls(data_shape=data_shape if data_shape is not None else image_shape, **model_kwargs)
    if compile:
        model.compile(**(chosen.compile_kwargs() if chosen.compile_kwargs else {}))
    return model
