"""What every generative model in the zoo shares: its data shape, its latent prior, seeded
sampling, `generate()` handing images back in [0, 1], and the backend-free description of a
training step (see `keras_genzoo.trainers.steps`) that `keras_genzoo.trainers` runs."""

from __future__ import annotations

import copy
import inspect

import keras
import numpy as np
from keras import ops

from keras_genzoo import trainers
from keras_genzoo.models.data_stream import DataStream
from keras_genzoo.trainers import steps
from keras_genzoo.utils.interpolation import interpolation_path
from keras_genzoo.utils.validation import check_choice, check_positive_int

__all__ = ["GenerativeModel", "SingleOptimizerModel", "resolve_image_range"]

LATENT_PRIORS = ("normal", "uniform")
#: the arguments every `keras.Model` takes, which its `get_config` records
KERAS_MODEL_OPTIONS = ("name", "trainable", "dtype")
#: Ranges of image data a model can be told its `fit` data has; it maps them to its own.
IMAGE_RANGES = ((0.0, 1.0), (-1.0, 1.0))


def resolve_image_range(image_range):
    try:
        value = tuple(float(v) for v in image_range)
    except (TypeError, ValueError):
        value = None
    if value not in IMAGE_RANGES:
        raise ValueError(
            f"image_range must be (0, 1) (the default: images as gz.data.load gives them) or (-1, 1), "
            f"got {image_range!r}."
        )
    return value




class _EmptyData(keras.callbacks.Callback):
    """Refuses `fit` on data with no batch, which Keras accepts silently (it trains nothing and
    returns an empty history): before training for arrays and `tf.data` pipelines (of length 0,
    or of unknown length that yield no first batch), else after a `fit` whose epochs ran no step."""

    def __init__(self):
        super().__init__()
        self.steps = 0
        self.epochs = 0

    @staticmethod
    def _message(model, what):
        return (f"{type(model).__name__}.fit got {what}: there is nothing to train on. Expected at least one batch "
                "of examples (check the dataset's split, filters and batch size with drop_remainder).")

    @classmethod
    def check(cls, model, x):
        """A fresh callback, after refusing `x` when it is known to hold no example."""
        length = None
        if isinstance(x, np.ndarray) or (hasattr(x, "shape") and hasattr(x, "dtype") and not hasattr(x, "cardinality")):
            length = x.shape[0] if len(x.shape) else None
        elif isinstance(x, (tuple, list)) and x and hasattr(x[0], "shape") and len(x[0].shape):
            length = x[0].shape[0]
        elif hasattr(x, "cardinality") and callable(x.cardinality):
            length = int(x.cardinality())  # tf.data: -1 infinite, -2 unknown
            if length == -2:  # e.g. after filter(): look for a first batch (Keras' JAX fit loses its state otherwise)
                length = sum(1 for _ in x.take(1))
        if length == 0:
            raise ValueError(cls._message(model, "empty data (0 examples or batches)"))
        return cls()

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs += 1

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1

    def raise_if_nothing_ran(self, model, cause=None):
        if self.epochs and not self.steps and not model.stop_training:
            raise ValueError(self._message(model, "data that yielded no batch")) from cause


class GenerativeModel(keras.Model):
    """Base of every model in the zoo.

    Subclasses define `sampling_decoder()` (the network that decodes latent vectors to model-space
    outputs when sampling) and `to_data_space(x)` (model space to what users get: images in [0, 1], vectors in data units).

    Args:
        data_shape: shape of one example, `(H, W, C)` or `(d,)`.
        latent_dim: size of the latent vector.
        latent_prior: `"normal"` (standard normal) or `"uniform"` (U[-1, 1]).
        seed: seeds the noise drawn during training.
        image_range: the range of the images given to `fit`: `(0, 1)` (default) or `(-1, 1)`.
            The model maps them to its internal range itself; a batch outside the range stops
            training with an error. `generate` always returns images in [0, 1].

    Example:

        >>> # What every family inherits, shown with a tiny DCGAN (any family answers the same questions).
        >>> import numpy as np, keras_genzoo as gz
        >>> model = gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, seed=0)
        >>> isinstance(model, gz.models.GenerativeModel), model.is_conditional
        (True, False)
        >>> model.sample_latent(3, seed=0).shape
        (3, 4)
        >>> images = model.generate(3, seed=0)  # numpy float32 in [0, 1]
        >>> images.shape, images.dtype, bool(images.min() >= 0 and images.max() <= 1)
        ((3, 8, 8, 1), dtype('float32'), True)
        >>> bool(np.array_equal(images, model.generate(3, seed=0)))  # same seed, same images
        True
        >>> sampler = model.sampling_network()  # a functional keras.Model: noise -> images in [0, 1]
        >>> [tuple(t.shape) for t in sampler.inputs], tuple(sampler.outputs[0].shape)
        ([(None, 4)], (None, 8, 8, 1))
        >>> z = model.sample_latent(2, seed=1)
        >>> bool(np.allclose(sampler.predict(z, verbose=0), model.generate(2, z=z), atol=1e-6))
        True
        >>> model.optimizer_roles()
        {'discriminator': 'd_optimizer', 'generator': 'g_optimizer'}
        >>> model.optimizers()  # before compile()
        {'d_optimizer': None, 'g_optimizer': None}
        >>> {"latent_dim", "base_filters", "seed"} <= set(model.options())
        True
    """

    #: discriminator (critic) updates per generator update; 1 for families without a critic
    n_critic = 1
    #: a variable counting completed fit steps (families with a critic schedule), else None
    step_counter = None
    #: while `fit` runs: whether it reads its data as a stream it can position at any epoch
    #: (see `fit`); False otherwise
    data_replayable = False

    def __init__(self, data_shape, latent_dim, latent_prior="normal", seed=None, image_range=(0, 1), **kwargs):
        super().__init__(**kwargs)
        trainers.check_backend()
        self.image_range = resolve_image_range(image_range)
        self.data_shape = tuple(data_shape)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.latent_prior = check_choice(latent_prior, "latent_prior", LATENT_PRIORS)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")

    @property
    def is_image_model(self):
        return len(self.data_shape) == 3

    # ------------------------------------------------------------------ sampling
    def _draw_latent(self, n, seed):
        shape = (n, self.latent_dim)
        if self.latent_prior == "uniform":
            return keras.random.uniform(shape, minval=-1.0, maxval=1.0, seed=seed)
        return keras.random.normal(shape, seed=seed)

    def noise(self, kind, shape, purpose, data=None):
        """All randomness a training step uses: `kind` "normal" or "uniform" (U[0, 1]) of
        `shape`, for `purpose` ("latent", "gp_eps", "vae_eps"). Drawn from the model's seed
        generator, different on every replica. `data` is the real batch the noise goes with;
        subclasses may override this to inject noise (tests compare one device with many)."""
        return trainers.random(kind, shape, self.seed_generator)

    def latent_batch(self, batch_size, data=None):
        """Prior samples for a training step (see `noise`)."""
        shape = (batch_size, self.latent_dim)
        if self.latent_prior == "uniform":
            return self.noise("uniform", shape, "latent", data) * 2.0 - 1.0
        return self.noise("normal", shape, "latent", data)

    def sample_latent(self, n, seed=None):
        """`n` latent vectors from the prior as numpy float32 `(n, latent_dim)`; same seed, same vectors."""
        n = check_positive_int(n, "n")
        return np.asarray(ops.convert_to_numpy(self._draw_latent(n, seed)), np.float32)

    def decode_latent(self, z, labels=None):
        """Model-space outputs of the sampling network for latent vectors `z` (given `labels`,
        for conditional models)."""
        return self.sampling_decoder()(self.network_inputs(self.prior_latent(z, labels), labels), training=False)

    # ------------------------------------------------------------------ conditioning hooks
    # An unconditional model answers them here; `LabelConditioning` answers them with labels.
    def network_inputs(self, t, labels):
        """What a network that can condition on labels is called on: `t` alone here
        (`[t, labels]` for conditional models)."""
        return t

    def network_input_spec(self, shape):
        """Symbolic inputs of a network that can condition on labels, taking examples of `shape`:
        `(inputs, dtypes, names)` for `utils.validation.check_network` (one input here)."""
        return tuple(shape), None, None

    def prior_latent(self, z, labels):
        """Standard draws `z` mapped to draws of the prior given `labels` (`z` itself here)."""
        return z

    def checked_labels(self, labels, n=None, name="labels"):
        """`labels` as given to a public method, checked: None here, since an unconditional model
        refuses labels (a conditional model returns int32 `(n,)`)."""
        if labels is not None:
            raise ValueError(
                f"{type(self).__name__} is not a conditional model: it takes no {name} (got {name}=...). "
                "Use ConditionalGAN, ACGAN or ConditionalVAE to generate given classes."
            )
        return None

    def generation_labels(self, n, labels):
        """The labels `generate(n, labels=...)` decodes with (None for an unconditional model)."""
        return self.checked_labels(labels, n)

    def to_data_space(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def generate(self, n, seed=None, batch_size=256, z=None, labels=None):
        """Samples `n` examples: images as numpy float32 in [0, 1] `(n, H, W, C)`, vectors in data units.

        Args:
            n: number of samples.
            seed: an int makes the output reproducible (same seed, same samples).
            batch_size: samples decoded at a time.
            z: optional latent vectors `(n, latent_dim)` to decode instead of prior samples.
            labels: only for conditional models; an unconditional model raises if given labels.
        """
        n = check_positive_int(n, "n")
        batch_size = check_positive_int(batch_size, "batch_size")
        labels = self.generation_labels(n, labels)
        if z is None:
            z = self.sample_latent(n, seed)
        z = np.asarray(z, np.float32)
        if z.shape != (n, self.latent_dim):
            raise ValueError(f"z must have shape ({n}, {self.latent_dim}), got {z.shape}.")
        out = []
        for i in range(0, n, batch_size):
            zb = ops.convert_to_tensor(z[i : i + batch_size])
            yb = None if labels is None else ops.convert_to_tensor(labels[i : i + batch_size])
            out.append(ops.convert_to_numpy(self.to_data_space(self.decode_latent(zb, yb))))
        return np.concatenate(out).astype(np.float32)

    def interpolate(self, z_a, z_b, num=10, method="slerp", labels=None, **generate_kwargs):
        """Samples along the path from latent `z_a` to `z_b`: `num` points, ends included, on
        `method`'s path (`"slerp"`, the default, keeps a Gaussian prior's radii; or `"lerp"`),
        each decoded by `generate(z=...)`.

        Args:
            z_a, z_b: one latent vector `(latent_dim,)` each, or `P` pairs `(P, latent_dim)`.
            num: points on each path (at least 2).
            method: `"slerp"` or `"lerp"`.
            labels: conditional models: one class for every path, or one per pair; `None`
                cycles through the classes pair by pair.
            **generate_kwargs: passed to `generate` (e.g. `steps`, `guidance` of diffusion and
                flow matching, whose default samplers are deterministic, as a path needs).

        Returns:
            float32 samples `(num, *data_shape)` for one pair, `(P, num, *data_shape)` for `P` pairs.

        Example:

            >>> import keras_genzoo as gz
            >>> model = gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4)
            >>> z = model.sample_latent(2, seed=0)
            >>> model.interpolate(z[0], z[1], num=5).shape
            (5, 8, 8, 1)
            >>> model.interpolate(z[:1], z[1:], num=3, method="lerp").shape  # pairs
            (1, 3, 8, 8, 1)
        """
        a, b = np.asarray(z_a, np.float32), np.asarray(z_b, np.float32)
        single = a.ndim == 1
        a, b = np.atleast_2d(a), np.atleast_2d(b)
        if a.ndim != 2 or a.shape != b.shape or a.shape[1] != self.latent_dim:
            raise ValueError(f"z_a and z_b must both have shape ({self.latent_dim},) or (pairs, {self.latent_dim}), "
                             f"got {np.shape(z_a)} and {np.shape(z_b)}.")
        num = check_positive_int(num, "num", minimum=2)
        pairs = len(a)
        path_labels = self.generation_labels(pairs, labels)
        if path_labels is not None:
            generate_kwargs["labels"] = np.repeat(np.asarray(path_labels), num)
        z = np.concatenate([interpolation_path(a[i], b[i], num, method) for i in range(pairs)])
        images = self.generate(len(z), z=z, **generate_kwargs).reshape((pairs, num) + tuple(self.data_shape))
        return images[0] if single else images

    # ------------------------------------------------------------------ what the model says about itself
    #: whether `generate` takes class labels (the conditioning mixin sets it)
    is_conditional = False

    def sampling_decoder(self):  # pragma: no cover - abstract
        """The network that maps latent vectors (with labels, for conditional models) to
        model-space outputs when sampling: the generator (its moving average, if kept) or the decoder."""
        raise NotImplementedError

    def sampling_network(self):
        """A functional `keras.Model` `noise -> data space` (`[noise, labels]` for conditional
        models) sharing this model's weights: exactly what `generate(n, z=noise)` computes.
        Its inputs are named `noise` (float32 `(batch, latent_dim)`) and `labels` (int32 `(batch,)`)."""
        noise = keras.Input((self.latent_dim,), name="noise", dtype="float32")
        inputs, raw = self.sampling_graph(noise)
        # `to_data_space` holds no variables: tanh or logits to [0, 1], exactly as `generate` does.
        images = keras.layers.Lambda(self.to_data_space, name="to_unit_range")(raw)
        return keras.Model(inputs, images, name=f"{self.name}_sampler")

    def sampling_graph(self, noise):
        """`(inputs, model-space outputs)` of `sampling_network`, from its `noise` input."""
        return noise, self.sampling_decoder()(noise)

    def optimizer_roles(self):
        """`{update name: optimizer attribute}` in the order the updates run, e.g.
        `{"discriminator": "d_optimizer", "generator": "g_optimizer"}` or `{"autoencoder": "optimizer"}`."""
        return {update.name: update.optimizer for update in self.training_updates()}

    def optimizers(self):
        """`{optimizer attribute: optimizer}` of the compiled model (`None` values before `compile`)."""
        return {attr: getattr(self, attr, None) for attr in dict.fromkeys(self.optimizer_roles().values())}

    @classmethod
    def options(cls):
        """The names of the constructor's arguments, over the class hierarchy (what
        `get_config` returns and `from_config` accepts)."""
        names = []
        for klass in cls.__mro__:
            if klass is GenerativeModel:
                break
            init = klass.__dict__.get("__init__")
            if init is None:
                continue
            for name, parameter in inspect.signature(init).parameters.items():
                if name != "self" and parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                    names.append(name)
        names += [n for n in inspect.signature(GenerativeModel.__init__).parameters if n not in ("self", "kwargs")]
        return tuple(dict.fromkeys(names + list(KERAS_MODEL_OPTIONS)))

    def test_objective(self, x, labels=None):
        """`{name: value}`: the family's own objective on a batch `x` of data in [0, 1] (with its
        `labels` for conditional models), in inference mode, as model cards report it. Empty for
        families whose losses do not measure how well the data are modelled (adversarial ones)."""
        return {}

    # ------------------------------------------------------------------ the training step, described
    def training_updates(self):  # pragma: no cover - abstract
        """The `steps.Update`s of one fit step, in the order they run."""
        raise NotImplementedError

    def prepare_batch(self, data):
        """`{"x": examples in the model's internal range}` (and `"labels"` for conditional families)."""
        self.check_compiled()
        return {"x": self.to_model_space(self.unpack_data(data))}

    def check_compiled(self):
        """Raises a clear error when `fit` runs on a model whose optimizers are not set (none by default)."""

    def step_noise(self, batch):
        """Every random draw of one step, as a dict of tensors (none by default)."""
        return {}

    def end_step(self, generator_updated):
        """Runs inside the train step, after its updates. `generator_updated` (a bool, or a
        boolean tensor when the step decides it in the graph) says whether this step ran the
        generator-phase updates; the trainer decides it with `steps.is_generator_step`.
        Advances the step counter, if any."""
        if self.step_counter is not None:
            self.step_counter.assign_add(1)

    def is_generator_step(self, step):
        """Whether fit step number `step` (1-based) ends with a generator update (`steps.is_generator_step`)."""
        return steps.is_generator_step(step, self.n_critic)

    def evaluation_logs(self, batch, noise):
        """Every update's objective on a batch, without updating anything: `(logs, weights)`."""
        logs, weights = {}, {}
        for update in self.training_updates():
            loss, aux = update.objective(batch, noise, training=False)
            logs.update(aux)
            logs[update.loss_name] = ops.cast(loss, "float32")
            weights[update.name] = 1.0
        return logs, weights

    def _create_step_trackers(self):
        names = []
        for update in self.training_updates():
            names += [update.loss_name, *update.log_names]
        self.step_trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def metrics(self):
        return list(self.step_trackers.values())

    def record_step(self, logs, weights):
        """Updates the metrics from one step's logs. An update that did not run this step
        (`weights[name] == 0`) leaves its metrics' means unchanged."""
        for update in self.training_updates():
            weight = weights.get(update.name, 1.0)
            # A Python number was decided when the step was traced: 0 skips the update's
            # trackers, 1 needs no weighting ops. A tensor (JAX) weights each value.
            if isinstance(weight, (int, float)) and weight == 0:
                continue
            weighting = {} if isinstance(weight, (int, float)) and weight == 1 else {"sample_weight": weight}
            for key in (update.loss_name, *update.log_names):
                value = logs.get(key)
                if value is None:
                    value = ops.zeros((), "float32")
                self.step_trackers[key].update_state(ops.cast(value, "float32"), **weighting)
        return self.metric_logs()

    def metric_logs(self):
        """What `train_step` and `test_step` return: every tracker's current result."""
        return trainers.log_values({m.name: m.result() for m in self.metrics})

    # ------------------------------------------------------------------ the trainer of the backend
    def fit(self, x=None, *args, **kwargs):
        """`keras.Model.fit`, reading a `tf.data` pipeline as one stream over all epochs whose
        position at the start of an epoch depends on the epoch alone (see
        `keras_genzoo.models.data_stream`).

        Before training starts, each callback with a `resume_epoch(model)` method
        (`gz.callbacks.BackupAndRestore`) may restore an interrupted run's state and answer the
        epoch to continue from, or None; `fit` then starts at that epoch (Keras'
        `initial_epoch`) with the stream at the epoch's first batch. While `fit` runs,
        `data_replayable` says whether the data is such a stream: a `tf.data` pipeline of known
        length, or a repeated one read with `steps_per_epoch`. Other data is passed to Keras as given.
        """
        arguments = inspect.signature(keras.Model.fit).bind(self, x, *args, **kwargs).arguments
        del arguments["self"]
        empty = _EmptyData.check(self, x)
        stream = DataStream(x, arguments.get("steps_per_epoch"), self.steps_per_execution or 1)
        given = arguments.get("callbacks")
        # A `keras.callbacks.CallbackList` is passed on as it is (Keras then adds no `History`).
        callbacks = given.callbacks if isinstance(given, keras.callbacks.CallbackList) else list(given or [])
        self.data_replayable = stream.replayable
        begins = None
        try:
            answers = {}
            for callback in callbacks:
                resume_epoch = getattr(callback, "resume_epoch", None)
                epoch = resume_epoch(self) if callable(resume_epoch) else None
                if epoch is not None:
                    answers[type(callback).__name__] = int(epoch)
            if len(set(answers.values())) > 1:
                raise ValueError(f"The callbacks ask fit to resume at different epochs: {answers}.")
            if answers:
                arguments["initial_epoch"] = next(iter(answers.values()))
                begins = stream.start_at(arguments["initial_epoch"])
                if begins is not None:
                    callbacks.append(begins)
            callbacks.append(empty)
            if not isinstance(given, keras.callbacks.CallbackList):
                arguments["callbacks"] = callbacks
            arguments.update(x=stream.data, steps_per_epoch=stream.steps_per_epoch)
            try:
                history = super().fit(**arguments)
            except UnboundLocalError as e:
                # Keras 3.15's JAX fit fails this way after an epoch that ran no step.
                empty.raise_if_nothing_ran(self, cause=e)
                raise
            empty.raise_if_nothing_ran(self)
            return history
        finally:
            if isinstance(given, keras.callbacks.CallbackList):
                for added in (begins, empty):
                    if added in given.callbacks:
                        given.callbacks.remove(added)
            self.data_replayable = False

    def train_step(self, *args):
        return trainers.get().train_step(self, *args)

    def test_step(self, *args):
        return trainers.get().test_step(self, *args)

    def make_train_function(self, force=False):
        return trainers.get().make_train_function(self, lambda f: keras.Model.make_train_function(self, f), force)

    # ------------------------------------------------------------------ input checks
    def unpack_data(self, data):
        """The examples of a batch (labels, if any, are dropped), with shape and dtype checked."""
        x = data[0] if isinstance(data, (tuple, list)) else data
        shape = tuple(x.shape[1:])
        if shape != self.data_shape:
            raise ValueError(
                f"{type(self).__name__} was built for examples of shape {self.data_shape}, "
                f"but the data has shape {shape}. Build the model with data_shape={shape} "
                "or resize the data (gz.data.load(..., image_size=...))."
            )
        dtype = keras.backend.standardize_dtype(x.dtype)
        if "float" not in dtype:
            raise ValueError(
                f"{type(self).__name__} trains on floating-point data (images in [0, 1]), but the data has "
                f"dtype {dtype}. Convert it, e.g. x.astype('float32') / 255 for 8-bit images."
            )
        return x

    def to_model_space(self, x):
        """Checks a batch of data at run time (finite; images within `image_range`) and maps
        images to the model's internal range (`internal_image_range`)."""
        x = ops.cast(x, "float32")
        name = type(self).__name__
        if not self.is_image_model:
            return trainers.check_data(x, -np.inf, np.inf, f"{name} was given a batch of data with non-finite values")
        low, high = self.image_range
        x = trainers.check_data(
            x, low, high,
            f"{name} takes images in [{low:g}, {high:g}] (image_range={self.image_range}); "
            "gz.data.load gives [0, 1] by default. The batch is outside it",
        )
        target_low, target_high = self.internal_image_range
        if (low, high) == (target_low, target_high):
            return x
        return (x - low) / (high - low) * (target_high - target_low) + target_low

    #: the range the networks work in (tanh generators: [-1, 1])
    internal_image_range = (-1.0, 1.0)

    @classmethod
    def from_preset(cls, name, with_optimizers=False, registry=None):
        """A pretrained model from the zoo, keras-hub style: `gz.models.VAE.from_preset("vae_fashion_mnist")`.

        The same as `gz.zoo.load(name)` (hash-verified, cached), and checks that the entry is a `cls`.
        The preset machinery (`keras_genzoo.utils.presets`) knows no family: it finds the
        entry's class among the registered Keras classes."""
        from keras_genzoo.utils import presets

        return presets.from_preset(cls, name, with_optimizers=with_optimizers, registry=registry)

    #: attributes holding sub-models, serialized into the config by name (and so part of the saved format)
    sub_model_names = ()

    # The seed generator's state is a variable Keras does not save; it is saved with the
    # model's own variables, so that a restored checkpoint continues the same noise stream.
    _SEED_STATE_KEY = "seed_generator_state"

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store[self._SEED_STATE_KEY] = ops.convert_to_numpy(self.seed_generator.state.value)

    def load_own_variables(self, store):
        keys = list(store.keys())
        if self._SEED_STATE_KEY in keys:
            self.seed_generator.state.assign(np.asarray(store[self._SEED_STATE_KEY]))
        own = {k: store[k] for k in keys if k != self._SEED_STATE_KEY}
        super().load_own_variables(own)

    def get_config(self):
        config = super().get_config()
        config.update(
            data_shape=list(self.data_shape),
            latent_dim=self.latent_dim,
            latent_prior=self.latent_prior,
            seed=self.seed,
            image_range=list(self.image_range),
        )
        for name in self.sub_model_names:
            config[name] = keras.saving.serialize_keras_object(getattr(self, name))
        return config

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserializing consumes the nested configs: leave the caller's intact
        for name in cls.sub_model_names:
            if name in config:
                config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)


class SingleOptimizerModel(GenerativeModel):
    """A model whose updates all use one optimizer, `optimizer`: the autoencoders, diffusion and
    flow matching. `compile()` with no optimizer uses Adam at `default_learning_rate`.

    Example:

        >>> import keras_genzoo as gz
        >>> vae = gz.models.VAE(image_shape=(8, 8, 1), latent_dim=2, base_filters=4)
        >>> isinstance(vae, gz.models.base.SingleOptimizerModel)
        True
        >>> vae.compile()
        >>> type(vae.optimizer).__name__, float(vae.optimizer.learning_rate)
        ('Adam', 0.001)
        >>> vae.optimizer_roles()
        {'autoencoder': 'optimizer'}
    """

    default_learning_rate = 1e-3

    def compile(self, optimizer=None, **kwargs):
        """Adam(`default_learning_rate`) when no optimizer is given. No `loss`: the model owns its objective.
        Other keyword arguments (`jit_compile`, `steps_per_execution`, `run_eagerly`) go to `keras.Model.compile`."""
        if "loss" in kwargs:
            raise ValueError(f"{type(self).__name__}.compile takes no loss: the model owns its objective.")
        optimizer = keras.optimizers.Adam(self.default_learning_rate) if optimizer is None else keras.optimizers.get(optimizer)
        super().compile(optimizer=optimizer, **kwargs)
        # Optimizer state must exist before a step function uses it, and before weights are loaded.
        self.optimizer.build([v for update in self.training_updates() for v in steps.update_variables(self, update)])
        trainers.get().attach_optimizers(self, [self.optimizer])

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**{k: v for k, v in config.items() if k in ("optimizer", "jit_compile", "steps_per_execution")})
