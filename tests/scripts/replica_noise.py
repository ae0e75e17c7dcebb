"""Run by tests/test_distribute.py: under MirroredStrategy the two replicas draw different latent vectors."""

import json
import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"

import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras_genzoo as gz  # noqa: E402

strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


def draws():
    """Latent batches drawn on each replica by a freshly built model with seed 0."""
    with strategy.scope():
        model = gz.models.GAN(data_shape=(2,), latent_dim=4, seed=0)
    per_replica = tf.function(lambda: strategy.run(lambda: model.latent_batch(3)))()
    return [t.numpy().tolist() for t in strategy.experimental_local_results(per_replica)]


first = draws()
again = draws()
print(json.dumps({"replica_0": first[0], "replica_1": first[1], "again": again}))
