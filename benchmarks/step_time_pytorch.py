#!/usr/bin/python3
"""PyTorch-eager twin of benchmarks/Hodec.StepTime: ResNet-20 (option A) training-step time on CPU.

Usage: /usr/bin/python3 benchmarks/step_time_pytorch.py [batch] [threads] [warmup] [iters]
Same model (3x3 stem 16 ch, 3 stages x 3 basic blocks, option-A shortcuts), SGD momentum 0.9, wd 5e-4.
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.stride, self.pad = stride, cout - cin

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        sc = x
        if self.stride != 1 or self.pad:
            sc = F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return F.relu(out + sc)


class ResNet20(nn.Module):
    def __init__(self, cin=1, classes=10, n=3):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, c = [], 16
        for w, s in [(16, 1), (32, 2), (64, 2)]:
            for i in range(n):
                layers.append(Block(c, w, s if i == 0 else 1))
                c = w
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(64, classes)

    def forward(self, x):
        x = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.linear(F.adaptive_avg_pool2d(x, 1).flatten(1))


def main():
    batch, threads, warmup, iters = [int(a) for a in (sys.argv[1:] + ["128", "2", "5", "20"][len(sys.argv) - 1:])][:4]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = ResNet20().train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    x, y = torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,))
    times, cpu = [], []
    for i in range(warmup + iters):
        t, c = time.perf_counter(), time.process_time()
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
        if i >= warmup:
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    times.sort()
    cpu.sort()
    print(f"pytorch {torch.__version__} resnet20 batch={batch} threads={threads} median_ms={times[len(times) // 2]:.1f} min_ms={times[0]:.1f} cpu_median_ms={cpu[len(cpu) // 2]:.1f} iters={iters}")


if __name__ == "__main__":
    main()
