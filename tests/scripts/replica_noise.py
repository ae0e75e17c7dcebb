"""Run by tests/test_distribute.py: under MirroredStrategy the two replicas draw different latent vectors;
and a critic model compiled with steps_per_execution > 1 is refused there with a clear error."""

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


def fused_critic_cycle_error():
    """The error of fit for WGAN (n_critic 5) compiled with steps_per_execution=5 under two replicas."""
    with strategy.scope():
        model = gz.models.WGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, seed=0)
        model.compile(steps_per_execution=5)
    data = tf.data.Dataset.from_tensor_slices(tf.zeros((20, 8, 8, 1))).batch(4)
    try:
        model.fit(data, epochs=1, verbose=0)
    except ValueError as e:
        return str(e)
    return None


first = draws()
again = draws()
print(json.dumps({"replica_0": first[0], "replica_1": first[1], "again": again,
                  "fused_error": fused_critic_cycle_error()}))
