"""Measuring a trained model against a dataset's test split with the dataset's shipped
evaluator: what a run writes to `metrics.json` and what `genzoo eval` prints."""

from __future__ import annotations

from keras_genzoo import data, metrics
from keras_genzoo.metrics import classifiers
from keras_genzoo.runs.config import RunError

METRIC_NAMES = ("fid", "is", "kid", "precision_recall", "coverage")


def evaluator_for(dataset):
    """The shipped evaluator of `dataset`, or None."""
    return dataset if dataset in classifiers.EVALUATORS else None


def evaluate(model, dataset, names, num_samples, seed=0, verbose=False):
    """Runs the named metrics with the dataset's evaluator; returns a JSON-ready dict."""
    unknown = [n for n in names if n not in METRIC_NAMES]
    if unknown:
        raise RunError(f"unknown metrics {unknown}; choose from {', '.join(METRIC_NAMES)}.")
    evaluator = evaluator_for(dataset)
    if evaluator is None:
        return {"note": f"no shipped evaluator for {dataset!r}: metrics not measured", "metrics": {}}
    real = data.load(dataset, split="test", batch_size=500, shuffle=False)
    split = f"{dataset}:test"
    out = {}
    kw = dict(n=num_samples, seed=seed, verbose=verbose)
    for name in names:
        if name == "fid":
            r = metrics.frechet_distance(real, model, extractor=evaluator, reference_split=split, **kw)
        elif name == "is":
            r = metrics.inception_score(model, classifier=evaluator, splits=10, **kw)
        elif name == "kid":
            r = metrics.kernel_inception_distance(real, model, extractor=evaluator,
                                                  subset_size=min(1000, num_samples), **kw)
        elif name == "precision_recall":
            r = metrics.precision_recall(real, model, extractor=evaluator, **kw)
        else:
            r = metrics.mode_coverage(model, classifier=evaluator, **kw)
        out[name] = r.to_dict()
    if model.is_conditional:
        # Conditional models: does each sample show the class it was asked for, and how close
        # is each class's distribution to the real class's (intra-class FD)?
        out["conditional_accuracy"] = metrics.conditional_accuracy(
            model, classifier=evaluator, n=num_samples, seed=seed).to_dict()
        labelled = data.load(dataset, split="test", batch_size=500, shuffle=False, with_labels=True)
        out["intra_class_fd"] = metrics.intra_class_frechet_distance(
            labelled, fake=model, extractor=evaluator, n_per_class=max(10, num_samples // model.num_classes),
            seed=seed, reference_split=split).to_dict()
    return {"dataset": dataset, "evaluator": evaluator, "metrics": out}
