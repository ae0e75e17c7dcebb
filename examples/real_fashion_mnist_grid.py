"""Loads Fashion-MNIST through keras_genzoo.data and saves a grid of 64 real test images.

    python examples/real_fashion_mnist_grid.py --out out/real_fashion_mnist.png

Falls back to nothing: if Fashion-MNIST is not available (no tfds copy, no local copy), it
fails with the message that says how to provide it. Use --dataset digits for data that is
always available.
"""

import argparse

import keras_genzoo as gz
from keras_genzoo.utils import image_grid, save_image


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion_mnist", choices=gz.data.names())
    parser.add_argument("--out", default="out/real_fashion_mnist.png")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print(f"{args.dataset}: {gz.data.info(args.dataset).source}")
    ds = gz.data.load(args.dataset, split="test", batch_size=64, image_range=(0, 1), shuffle=True, seed=args.seed)
    images = next(iter(ds)).numpy()
    path = save_image(image_grid(images, rows=8, cols=8), args.out)
    print(f"wrote {path} ({images.shape[0]} images of shape {images.shape[1:]})")


if __name__ == "__main__":
    main()
