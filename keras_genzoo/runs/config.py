"""What defines a training run, and the directory that holds it: `RunConfig`, the run
directory's checks, and the numeric precision and seeding a run sets up."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import keras

from keras_genzoo import data, models
from keras_genzoo.utils import atomic_write, remove_stale_temporaries

# The family registry is the one list of families (CLI choices, configs, docs, tests).
MODELS = {name: family.cls for name, family in models.registry.FAMILIES.items()}
PAPERS = {name: family.paper for name, family in models.registry.FAMILIES.items()}
#: `--mixed-precision` choices and the Keras dtype policy each sets (None: the float32 default).
PRECISIONS = {"none": None, "float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}


class RunError(Exception):
    """A run that cannot start or continue, with a message for the user."""


@dataclasses.dataclass
class RunConfig:
    """Everything that defines a training run (written to `config.json`)."""

    model: str = "dcgan"
    recipe: str = "paper"
    dataset: str = "fashion_mnist"
    epochs: int = 5
    batch_size: int | None = None
    latent_dim: int | None = None
    seed: int = 0
    strategy: str = "auto"
    mixed_precision: str = "none"
    fid_every: int = 1
    steps_per_epoch: int | None = None
    base_filters: int | None = None
    eval_samples: int = 1000
    train_split: str = "train"
    max_train_seconds: float | None = None

    def __post_init__(self):
        if self.model not in MODELS:
            raise RunError(f"unknown model {self.model!r}; choose one of: {', '.join(MODELS)}.")
        if self.dataset not in data.names():
            raise RunError(f"unknown dataset {self.dataset!r}; choose one of: {', '.join(data.names())}.")
        if self.mixed_precision not in PRECISIONS:
            raise RunError(f"unknown mixed precision {self.mixed_precision!r}; choose one of: "
                           f"{', '.join(PRECISIONS)}.")

    def identity(self):
        """The fields that must match to resume a run (epochs may grow)."""
        d = dataclasses.asdict(self)
        d.pop("epochs")
        return d

    @property
    def model_class(self):
        """The family's model class."""
        return MODELS[self.model]

    def model_kwargs(self):
        info = data.info(self.dataset)
        kwargs = {"image_shape": info.image_shape, "seed": self.seed}
        family = models.registry.get(self.model)
        kwargs.update(family.recipe(self.recipe).model_kwargs)
        if self.latent_dim or "latent_dim" not in kwargs:
            kwargs["latent_dim"] = self.latent_dim or family.default_latent_dim
        if self.base_filters is not None and "base_filters" in self.model_class.options():
            kwargs["base_filters"] = self.base_filters
        if family.conditional:
            if not info.num_classes:
                raise RunError(f"{self.model} is conditional, but dataset {self.dataset!r} has no class labels.")
            kwargs["num_classes"] = info.num_classes
        return kwargs

    def resolved_batch_size(self):
        family = models.registry.get(self.model)
        return self.batch_size or family.recipe(self.recipe).batch_size or family.batch_size

    def dtype_policy(self):
        """The Keras dtype policy of `mixed_precision` (None: leave the global policy alone)."""
        return PRECISIONS[self.mixed_precision]


def seed_everything(config):
    """Seeds Python's, numpy's and the backend's random generators with the run's seed."""
    keras.utils.set_random_seed(config.seed)


def prepare_directory(out, config, command):
    """Creates or re-opens a run directory; refuses one that holds a different run."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise RunError(f"--out {out} is not writable: {e.strerror or e}.") from e
    for folder in (out, out / "samples"):
        remove_stale_temporaries(folder)  # left by a process killed while writing a file
    path = out / "config.json"
    if path.exists():
        try:
            previous = json.loads(path.read_text())["config"]
        except (ValueError, KeyError) as e:
            raise RunError(f"--out {out} holds a config.json that is not a genzoo run ({e}).") from e
        old = RunConfig(**previous).identity()
        if old != config.identity():
            diff = {k: (old.get(k), v) for k, v in config.identity().items() if old.get(k) != v}
            raise RunError(
                f"--out {out} holds a different run (differs in {', '.join(f'{k}: {a!r} -> {b!r}' for k, (a, b) in diff.items())}); "
                "choose another --out."
            )
        if (out / "metrics.json").exists():  # written last, by a run that finished
            raise RunError(
                f"--out {out} holds a finished run (model.keras, metrics.json); training it again or for more "
                "epochs would mix two runs in one directory: choose another --out, or continue in Python "
                "with keras.models.load_model(.../model.keras).fit(...)."
            )
    elif any(p for p in out.iterdir() if not p.name.startswith(".")):
        raise RunError(f"--out {out} is not empty and holds no genzoo run; choose an empty or new directory.")
    with atomic_write(path, "w") as f:
        f.write(json.dumps({"config": dataclasses.asdict(config), "command": command}, indent=2) + "\n")
    return out
