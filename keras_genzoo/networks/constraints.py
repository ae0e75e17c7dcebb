"""Weight constraints used by the networks."""

import keras
from keras import ops

from keras_genzoo.utils.validation import check_number


@keras.saving.register_keras_serializable(package="keras_genzoo")
class ClipConstraint(keras.constraints.Constraint):
    """Clips every weight to `[-clip_value, clip_value]` (the WGAN critic's Lipschitz constraint).

    Keras optimizers apply a variable's constraint right after each update, which is step 7
    of Algorithm 1 of the WGAN paper: `w <- clip(w, -c, c)`.
    """

    def __init__(self, clip_value=0.01):
        self.clip_value = check_number(clip_value, "clip_value", strict=True)

    def __call__(self, w):
        return ops.clip(w, -self.clip_value, self.clip_value)

    def get_config(self):
        return {"clip_value": self.clip_value}
