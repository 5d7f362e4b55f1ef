#!/usr/bin/python3
"""PyTorch-eager twin of recipes/bench/1-dense.yml, for the dense-baseline comparison (issue 4).

Usage: /usr/bin/python3 benchmarks/dense_baseline_pytorch.py EPOCHS [THREADS] [TRAIN_SUBSET]
Same recipe as Hodec's: ResNet-20 (option A), full Fashion-MNIST from /usr/share/datasets/fashion-mnist,
batch 128, SGD lr 0.1 momentum 0.9 weight decay 5e-4, cosine per step over the whole run, random crop
(padding 2) + horizontal flip, normalisation (0.2860, 0.3530), seed 42. Prints test top-1 per epoch,
evaluated on the full test split in eval mode.
"""
import gzip
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from step_time_pytorch import ResNet20  # noqa: E402  (the same model as the step-time benchmark)

ROOT = "/usr/share/datasets/fashion-mnist"


def idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load(split):
    images = idx(f"{ROOT}/{split}-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
    labels = idx(f"{ROOT}/{split}-labels-idx1-ubyte.gz", 8).astype(np.int64)
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.copy())


def normalise(x):
    return (x.float() / 255 - 0.2860) / 0.3530


def augment(x, gen):
    n = x.shape[0]
    padded = F.pad(x, (2, 2, 2, 2))
    dy = torch.randint(0, 5, (n,), generator=gen)
    dx = torch.randint(0, 5, (n,), generator=gen)
    rows = (dy[:, None] + torch.arange(28)[None, :])[:, None, :, None].expand(n, 1, 28, 32)
    out = padded.gather(2, rows)
    cols = (dx[:, None] + torch.arange(28)[None, :])[:, None, None, :].expand(n, 1, 28, 28)
    out = out.gather(3, cols)
    flip = torch.rand(n, generator=gen) < 0.5
    out[flip] = out[flip].flip(3)
    return out


def evaluate(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], 512):
            correct += (model(normalise(x[i:i + 512])).argmax(1) == y[i:i + 512]).sum().item()
    model.train()
    return 100.0 * correct / x.shape[0]


def main():
    epochs = int(sys.argv[1])
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    subset = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    gen = torch.Generator().manual_seed(42)
    xtr, ytr = load("train")
    if subset:
        xtr, ytr = xtr[:subset], ytr[:subset]
    xte, yte = load("t10k")
    model = ResNet20().train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    steps_per_epoch = math.ceil(xtr.shape[0] / 128)
    total = epochs * steps_per_epoch
    step = 0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = torch.randperm(xtr.shape[0], generator=gen)
        loss_sum = 0.0
        for b in range(steps_per_epoch):
            idx_b = order[b * 128:(b + 1) * 128]
            for group in opt.param_groups:
                group["lr"] = 0.1 * 0.5 * (1 + math.cos(math.pi * step / max(1, total - 1)))
            x = normalise(augment(xtr[idx_b], gen))
            loss = F.cross_entropy(model(x), ytr[idx_b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            step += 1
        top1 = evaluate(model, xte, yte)
        print(f"epoch {epoch}: loss {loss_sum / steps_per_epoch:.4f} top1 {top1:.2f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
