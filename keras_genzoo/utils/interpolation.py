"""Paths between two latent vectors: straight (`lerp`) and spherical (`slerp`). The models'
`interpolate` and the interpolation grids and callbacks walk them."""

from __future__ import annotations

import numpy as np

from keras_genzoo.utils.validation import check_choice, check_positive_int

__all__ = ["METHODS", "interpolation_path", "lerp", "slerp"]

#: the paths of `interpolation_path`
METHODS = ("slerp", "lerp")


def lerp(z_a, z_b, t):
    """Points `(1 - t) z_a + t z_b` for each `t` in `t`: `(len(t), d)`.

    Example:

        >>> from keras_genzoo.utils.interpolation import lerp
        >>> lerp([0.0, 0.0], [1.0, 2.0], [0.0, 0.25, 1.0])
        array([[0.  , 0.  ],
               [0.25, 0.5 ],
               [1.  , 2.  ]], dtype=float32)
    """
    t = np.asarray(t, np.float64)[:, None]
    return ((1.0 - t) * np.asarray(z_a, np.float64) + t * np.asarray(z_b, np.float64)).astype(np.float32)


def slerp(z_a, z_b, t):
    """Spherical interpolation (along the great circle, with the norm interpolated linearly):
    keeps points at the radii where a Gaussian prior puts its mass. Falls back to `lerp` when
    the two directions (nearly) coincide.

    Example:

        >>> import numpy as np
        >>> from keras_genzoo.utils.interpolation import slerp
        >>> path = slerp([1.0, 0.0], [0.0, 2.0], [0.0, 0.5, 1.0])
        >>> path.round(3)  # a quarter circle, the radius going from 1 to 2
        array([[1.   , 0.   ],
               [1.061, 1.061],
               [0.   , 2.   ]], dtype=float32)
        >>> np.linalg.norm(path, axis=1).round(3).tolist()
        [1.0, 1.5, 2.0]
    """
    a, b = np.asarray(z_a, np.float64), np.asarray(z_b, np.float64)
    t = np.asarray(t, np.float64)[:, None]
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0.0 or nb == 0.0:
        return lerp(a, b, t[:, 0])
    cos = np.clip(np.dot(a / na, b / nb), -1.0, 1.0)
    omega = np.arccos(cos)
    if omega < 1e-6:
        return lerp(a, b, t[:, 0])
    direction = (np.sin((1 - t) * omega) * (a / na) + np.sin(t * omega) * (b / nb)) / np.sin(omega)
    return (direction * ((1 - t) * na + t * nb)).astype(np.float32)


def interpolation_path(z_a, z_b, num, method="slerp"):
    """`num` points from `z_a` to `z_b` (both ends included), evenly spaced in `t`, along
    `method`'s path (`"slerp"` or `"lerp"`): float32 `(num, d)`.

    Example:

        >>> from keras_genzoo.utils.interpolation import interpolation_path
        >>> interpolation_path([0.0, 1.0], [1.0, 0.0], 3, "lerp").tolist()
        [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]
    """
    num = check_positive_int(num, "num", minimum=2)
    path = slerp if check_choice(method, "method", METHODS) == "slerp" else lerp
    return path(z_a, z_b, np.linspace(0.0, 1.0, num))
