"""Run by tests/test_distribute.py: SampleGrid and FIDCallback during fit under MirroredStrategy."""

import json
import os
import sys

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"

import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras_genzoo as gz  # noqa: E402

out = sys.argv[1]
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    model = gz.models.DCGAN(image_shape=(16, 16, 1), latent_dim=8, base_filters=8, sync_batch_norm=True, seed=0)
    model.compile()
train = gz.data.load("digits", split="train[:256]", batch_size=gz.distribute.global_batch_size(32, strategy),
                     drop_remainder=True, seed=0)
real = gz.data.load("digits", split="test", batch_size=120, image_range=(0, 1), shuffle=False)
callbacks = [gz.callbacks.SampleGrid(out, num_samples=16), gz.callbacks.FIDCallback(real, num_samples=100, extractor="digits")]
history = model.fit(train, epochs=2, verbose=0, callbacks=callbacks)
print(json.dumps({"fid": history.history["fid"], "files": sorted(os.listdir(out)),
                  "steps": int(model.critic_steps.numpy())}))
