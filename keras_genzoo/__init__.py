"""keras-genzoo: a Keras 3 model zoo of deep generative models.

Importing the package sets no global state: it neither picks a Keras backend nor changes logging.
"""

from keras_genzoo.version import __version__
from keras_genzoo import callbacks, data, distribute, losses, metrics, models, networks
from keras_genzoo import zoo

__all__ = ["__version__", "callbacks", "data", "distribute", "losses", "metrics", "models", "networks", "zoo"]
