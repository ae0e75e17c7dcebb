"""The weight initialisers of the network builders, and how a builder's `seed` becomes one
seed per layer.

A builder given `seed=s` seeds its `i`-th initialised layer with `s + i`, and a network
built next to another (a discriminator next to a generator, a decoder next to an encoder)
first shifts `s` by a fixed offset, so that no two layers draw the same numbers. `seed=None`
leaves every draw unseeded. The zoo's shipped weights were initialised this way: changing
an offset changes what a seeded build gives.
"""

from __future__ import annotations

import keras


def offset_seed(seed, offset):
    """`seed + offset`, or `None` for an unseeded build (`seed=None`)."""
    return None if seed is None else seed + offset


def glorot(seed=None, index=0):
    """Glorot-uniform (Keras' default kernel initialiser), seeded with `seed + index`."""
    return keras.initializers.GlorotUniform(seed=offset_seed(seed, index))


def dcgan_initializer(seed=None, layer_index=0):
    """N(0, 0.02), the DCGAN paper's weight initialisation; a distinct seed per layer when seeded."""
    return keras.initializers.RandomNormal(0.0, 0.02, seed=offset_seed(seed, layer_index))


def normal(mean, stddev, seed=None, index=0):
    """N(mean, stddev), seeded with `seed + index` (label embeddings)."""
    return keras.initializers.RandomNormal(mean, stddev, seed=offset_seed(seed, index))
