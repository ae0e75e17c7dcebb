"""Speed of the metrics: Fréchet distance at d=2048 against the scipy.linalg.sqrtm route, and
feature-extraction throughput.

    python benchmarks/metrics.py

Prints, from one run on this machine: the time of `frechet_distance_from_stats` (Cholesky
and symmetric eigenvalues) and of the usual `sqrtm(C_r @ C_g)` formula on the same
statistics, their ratio and their relative disagreement; the same for singular covariances
(fewer samples than dimensions); and images per second through the Fashion-MNIST evaluator
and through InceptionV3 (`weights=None`: same cost as ImageNet weights, no download).
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402

import keras_genzoo as gz  # noqa: E402


def sqrtm_route(mu1, c1, mu2, c2):
    covmean = np.real(scipy.linalg.sqrtm(c1 @ c2))
    d = mu1 - mu2
    return float(d @ d + np.trace(c1) + np.trace(c2) - 2 * np.trace(covmean))


def best_time(fn, repeats=3):
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def fd_case(label, f_r, f_g):
    mu1, c1 = f_r.mean(0), np.cov(f_r, rowvar=False)
    mu2, c2 = f_g.mean(0), np.cov(f_g, rowvar=False)
    t_ours, ours = best_time(lambda: gz.metrics.frechet_distance_from_stats(mu1, c1, mu2, c2))
    t_ref, ref = best_time(lambda: sqrtm_route(mu1, c1, mu2, c2))
    print(
        f"{label:38} ours {t_ours:7.3f} s   sqrtm {t_ref:7.3f} s   ratio {t_ref / t_ours:5.1f}x   "
        f"FD {ours:.6f} vs {ref:.6f} (rel. diff {abs(ours - ref) / abs(ref):.1e})"
    )


def throughput(extractor, images, batch):
    extractor(images[:batch])  # build / trace
    start = time.perf_counter()
    for i in range(0, len(images), batch):
        extractor(images[i : i + batch])
    return len(images) / (time.perf_counter() - start)


def main():
    rng = np.random.default_rng(0)
    d = 2048
    print(f"Fréchet distance, d={d}, float64 (best of 3)")
    mix = rng.normal(size=(d, d)) / np.sqrt(d)
    f_r = rng.normal(size=(10000, d)) @ mix
    f_g = rng.normal(0.1, 1.1, size=(10000, d)) @ mix
    fd_case("10,000 vs 10,000 samples (full rank)", f_r, f_g)
    fd_case("1,000 vs 1,000 samples (singular)", f_r[:1000], f_g[:1000])

    print("\nFeature extraction (images/s)")
    fm = rng.uniform(0, 1, (4000, 28, 28, 1)).astype("float32")
    ex = gz.metrics.get_extractor("fashion_mnist")
    print(f"  fashion_mnist evaluator, 28x28x1, batch 500: {throughput(ex, fm, 500):8.0f}")
    inc = gz.metrics.get_extractor("inception_v3", weights=None)
    print(f"  InceptionV3 (weights=None), 28x28 -> 299x299, batch 50: {throughput(inc, fm[:200], 50):8.1f}")


if __name__ == "__main__":
    main()
