"""Datasets as `tf.data` pipelines: named datasets with offline sources, and user data.

```python
import keras_genzoo as gz
ds = gz.data.load("fashion_mnist", split="train", batch_size=128)       # images in [0, 1]
ds_xy = gz.data.load("fashion_mnist", batch_size=128, with_labels=True)  # (images, labels)
gz.data.info("fashion_mnist").source                                    # where it comes from
```
"""

from keras_genzoo.data.catalog import CATALOG, DatasetSpec, get_spec
from keras_genzoo.data.mixtures import grid_centers, grid_of_gaussians, ring_centers, ring_of_gaussians, sample_mixture
from keras_genzoo.data.pipeline import (
    DatasetInfo,
    from_array,
    from_directory,
    info,
    load,
    names,
)

__all__ = [
    "CATALOG",
    "DatasetInfo",
    "DatasetSpec",
    "from_array",
    "from_directory",
    "get_spec",
    "grid_centers",
    "grid_of_gaussians",
    "info",
    "load",
    "names",
    "ring_centers",
    "ring_of_gaussians",
    "sample_mixture",
]
