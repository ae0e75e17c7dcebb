"""Choosing a `tf.distribute` strategy by name."""

from __future__ import annotations

import json
import os

from keras_genzoo.utils.validation import check_choice, check_positive_int

STRATEGIES = ("auto", "default", "one_device", "mirrored", "multi_worker", "tpu")


def get_strategy(name="auto"):
    """A `tf.distribute.Strategy` by name.

    - `"auto"`: `multi_worker` when `TF_CONFIG` describes a cluster, `mirrored` with more than
      one GPU, otherwise the default strategy;
    - `"default"`: TensorFlow's default (no distribution);
    - `"one_device"`: `OneDeviceStrategy` on the first GPU, or the CPU;
    - `"mirrored"`: `MirroredStrategy` over the local GPUs (or the CPU);
    - `"multi_worker"`: `MultiWorkerMirroredStrategy`, configured from `TF_CONFIG`;
    - `"tpu"`: `TPUStrategy` on the TPU found by `TPUClusterResolver`.

    Raises:
        ValueError: unknown name, or `multi_worker` without a `TF_CONFIG` cluster.
        RuntimeError: `tpu` when no TPU can be reached.
    """
    import tensorflow as tf

    check_choice(name, "strategy", STRATEGIES)
    tf_config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    if name == "auto" and tf_config.get("cluster"):
        name = "multi_worker"
    if name == "multi_worker":
        # Created before anything lists devices: collective ops must be configured before
        # TensorFlow's runtime context is initialised.
        if not tf_config.get("cluster"):
            raise ValueError("strategy 'multi_worker' needs TF_CONFIG with a 'cluster' and this process's 'task'.")
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    if name == "auto":
        name = "mirrored" if len(gpus) > 1 else "default"
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as e:
        raise RuntimeError(f"strategy 'tpu': no TPU could be reached ({e}).") from e
    return tf.distribute.TPUStrategy(resolver)


def global_batch_size(per_replica_batch_size, strategy=None):
    """The global batch for `per_replica_batch_size` examples on each replica of `strategy`
    (the active one by default). Load data with it and `drop_remainder=True`, so that every
    replica gets equal batches:

        strategy = get_strategy("mirrored")
        ds = gz.data.load("fashion_mnist", batch_size=global_batch_size(64, strategy), drop_remainder=True)
    """
    import tensorflow as tf

    per_replica_batch_size = check_positive_int(per_replica_batch_size, "per_replica_batch_size")
    strategy = strategy or tf.distribute.get_strategy()
    return per_replica_batch_size * strategy.num_replicas_in_sync
