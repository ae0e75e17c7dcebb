"""`OptimizerGroup`: one Keras optimizer that owns several, for a `fit` that carries the
variables of a single `model.optimizer` (Keras' JAX trainer).

It follows `keras.optimizers.LossScaleOptimizer`, which wraps one inner optimizer: the group's
`variables` are its members' variables, in order. It applies nothing itself (each update of a
training step uses its own member) and saves nothing itself: the members are attributes of the
model (`d_optimizer`, `g_optimizer`) and are saved there, once.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="keras_genzoo")
class OptimizerGroup(keras.optimizers.Optimizer):
    def __init__(self, optimizers, name="optimizer_group", **kwargs):
        super().__init__(learning_rate=0.0, name=name, **kwargs)
        self._members = list(optimizers)
        self.built = True

    @property
    def members(self):
        return list(self._members)

    def build(self, var_list):
        self.built = True

    @property
    def variables(self):
        return [v for member in self._members for v in member.variables]

    @property
    def iterations(self):
        return self._members[0].iterations

    def apply(self, grads, trainable_variables=None):
        raise RuntimeError("OptimizerGroup applies no gradients; each member optimizer updates its own variables.")

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        raise RuntimeError("OptimizerGroup applies no gradients; each member optimizer updates its own variables.")

    def save_own_variables(self, store):
        """The members are saved under their own attributes of the model."""

    def load_own_variables(self, store):
        """The members are loaded from their own attributes of the model."""

    def get_config(self):
        config = super().get_config()
        config["optimizers"] = [keras.saving.serialize_keras_object(m) for m in self._members]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        members = [keras.saving.deserialize_keras_object(m, custom_objects=custom_objects) for m in config.pop("optimizers")]
        for key in ("learning_rate",):
            config.pop(key, None)
        return cls(members, **{k: v for k, v in config.items() if k == "name"})
