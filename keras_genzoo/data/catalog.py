"""The datasets keras-genzoo knows by name: their shapes, classes, splits and where they can come from."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

#: Environment variable naming a folder with local copies of datasets (IDX files or ``.npz``).
DATA_DIR_ENV = "GENZOO_DATA_DIR"

#: Where Debian's ``dataset-fashion-mnist`` package installs the Fashion-MNIST IDX files.
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)
DIGIT_CLASSES = tuple(str(i) for i in range(10))


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """Static facts about a named dataset.

    Attributes:
        name: the name passed to `keras_genzoo.data.load`.
        image_shape: `(H, W, C)` of the images `load` yields.
        num_classes: number of classes, or `None` for unlabelled data.
        class_names: a name per class (empty for unlabelled data).
        num_examples: examples per split.
        tfds_name: the TensorFlow Datasets name, or `None` when tfds has no such dataset.
        idx_dirs: folders that may hold the four MNIST-style IDX files.
        npz_names: file names looked up under `$GENZOO_DATA_DIR` (Keras' `x_train, y_train,
            x_test, y_test` layout).
        sklearn: `True` when the data ships inside scikit-learn (always available offline).
        description: one line for listings.

    Example:

        >>> spec = gz.data.get_spec("fashion_mnist")
        >>> isinstance(spec, gz.data.DatasetSpec)
        True
        >>> spec.image_shape, spec.num_classes, spec.num_examples
        ((28, 28, 1), 10, {'train': 60000, 'test': 10000})
        >>> spec.class_names[:3], spec.tfds_name
        (('T-shirt/top', 'Trouser', 'Pullover'), 'fashion_mnist')
    """

    name: str
    image_shape: tuple
    num_classes: int | None
    class_names: tuple
    num_examples: dict
    tfds_name: str | None
    idx_dirs: tuple = ()
    npz_names: tuple = ()
    sklearn: bool = False
    description: str = ""

    def local_candidates(self) -> list[Path]:
        """The local paths that `load` looks at, in order (whether they exist or not)."""
        paths = []
        data_dir = os.environ.get(DATA_DIR_ENV)
        if data_dir:
            root = Path(data_dir)
            paths += [root / self.name]  # a folder of IDX files
            paths += [root / npz for npz in self.npz_names]
        paths += [Path(d) for d in self.idx_dirs]
        return paths


CATALOG: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            name="fashion_mnist",
            image_shape=(28, 28, 1),
            num_classes=10,
            class_names=FASHION_MNIST_CLASSES,
            num_examples={"train": 60000, "test": 10000},
            tfds_name="fashion_mnist",
            idx_dirs=(str(DEBIAN_FASHION_MNIST),),
            npz_names=("fashion_mnist.npz",),
            description="Zalando's 28x28 grayscale clothing images, 10 classes",
        ),
        DatasetSpec(
            name="mnist",
            image_shape=(28, 28, 1),
            num_classes=10,
            class_names=DIGIT_CLASSES,
            num_examples={"train": 60000, "test": 10000},
            tfds_name="mnist",
            npz_names=("mnist.npz",),
            description="28x28 grayscale handwritten digits, 10 classes",
        ),
        DatasetSpec(
            name="cifar10",
            image_shape=(32, 32, 3),
            num_classes=10,
            class_names=CIFAR10_CLASSES,
            num_examples={"train": 50000, "test": 10000},
            tfds_name="cifar10",
            npz_names=("cifar10.npz",),
            description="32x32 colour images of 10 object classes",
        ),
        DatasetSpec(
            name="celeb_a",
            image_shape=(64, 64, 3),
            num_classes=None,
            class_names=(),
            num_examples={"train": 162770, "validation": 19867, "test": 19962},
            tfds_name="celeb_a",
            npz_names=("celeb_a.npz",),
            description="aligned celebrity faces, centre-cropped to 140x140 and resized to 64x64",
        ),
        DatasetSpec(
            name="digits",
            image_shape=(16, 16, 1),
            num_classes=10,
            class_names=DIGIT_CLASSES,
            num_examples={"train": 1437, "test": 360},
            tfds_name=None,
            sklearn=True,
            description="scikit-learn's bundled 8x8 digits, resized to 16x16 (always offline)",
        ),
    )
}


def get_spec(name: str) -> DatasetSpec:
    """Returns the `DatasetSpec` of `name`, or raises `ValueError` listing the known names.

    Example:

        >>> spec = gz.data.get_spec("digits")
        >>> spec.image_shape, spec.num_classes, spec.sklearn
        ((16, 16, 1), 10, True)
        >>> gz.data.get_spec("imagenet")
        Traceback (most recent call last):
        ...
        ValueError: Unknown dataset 'imagenet'. Known datasets: celeb_a, cifar10, digits, fashion_mnist, mnist. ...
    """
    if not isinstance(name, str) or name not in CATALOG:
        raise ValueError(
            f"Unknown dataset {name!r}. Known datasets: {', '.join(sorted(CATALOG))}. "
            "For your own images use keras_genzoo.data.from_array(...) or from_directory(...)."
        )
    return CATALOG[name]
