#!/usr/bin/env python3
"""Derive the bundled Fashion-MNIST subset (data/fashion-mnist-mini) from the full dataset.

Rule: for each split, keep the first N images of every class in file order
(N = 600 for train, 100 for test), preserving their relative file order.
Output is the original IDX format, gzip-compressed with mtime 0 so reruns are byte-identical.

Usage: python3 build/make_fashion_mnist_mini.py [SOURCE_DIR] [OUT_DIR]
  SOURCE_DIR defaults to /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)
  OUT_DIR    defaults to data/fashion-mnist-mini next to this script's repository
Standard library only.
"""
import gzip
import os
import struct
import sys

SPLITS = [("train", 600), ("t10k", 100)]
CLASSES = 10


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return magic, dims, data[4 + 4 * ndim:]


def write_idx(path, magic, dims, payload):
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * len(dims), *dims)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as f:
            f.write(header + payload)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "data", "fashion-mnist-mini")
    os.makedirs(out, exist_ok=True)
    for split, per_class in SPLITS:
        img_name, lbl_name = f"{split}-images-idx3-ubyte.gz", f"{split}-labels-idx1-ubyte.gz"
        im_magic, im_dims, images = read_idx(os.path.join(src, img_name))
        lb_magic, lb_dims, labels = read_idx(os.path.join(src, lbl_name))
        n, rows, cols = im_dims
        assert lb_dims[0] == n, "label/image count mismatch"
        size = rows * cols
        counts = [0] * CLASSES
        keep = []
        for i, label in enumerate(labels):
            if counts[label] < per_class:
                counts[label] += 1
                keep.append(i)
        assert all(c == per_class for c in counts), f"not enough images per class in {split}"
        write_idx(os.path.join(out, img_name), im_magic, (len(keep), rows, cols),
                  b"".join(images[i * size:(i + 1) * size] for i in keep))
        write_idx(os.path.join(out, lbl_name), lb_magic, (len(keep),), bytes(labels[i] for i in keep))
        print(f"{split}: kept {len(keep)} of {n} images ({per_class} per class)")


if __name__ == "__main__":
    main()
