"""Finding, fetching, verifying and loading the zoo's entries.

The machinery itself is model-agnostic and lives in `keras_genzoo.utils.presets` (registry
format, origins, hashes, safe-mode loading, fingerprints), where `GenerativeModel.from_preset`
reaches it without importing the zoo. This module is the zoo's face on it: the same names,
with the model classes registered (this module imports `keras_genzoo.models`), so that any entry
of the registry can be rebuilt whatever the caller imported.
"""

from __future__ import annotations

import keras_genzoo.models  # noqa: F401 - registers the model classes with Keras
from keras_genzoo.utils.presets import (  # noqa: F401 - the zoo's names for the preset machinery
    CONFIG_FILE,
    FORMAT_VERSION,
    METADATA_FILE,
    PRESET_FILES,
    REGISTRY_PATH,
    TRAINING_STATE_FILE,
    WEIGHTS_FILE,
    IntegrityError,
    UnknownEntryError,
    ZooError,
    available,
    cache_dir,
    card,
    check_fingerprint,
    entry,
    entry_class,
    file_url,
    files,
    fingerprint,
    fingerprint_latents,
    from_preset,
    keras_home,
    load,
    optimizer_iterations,
    read_registry,
    sha256_file,
    verify,
)

