#!/usr/bin/env bash
# ResNet-20 training step (batch 128, 1x28x28, 2 threads): Hodec (TorchSharp) vs PyTorch eager, interleaved twice.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build benchmarks/Hodec.StepTime -c Release -v q >/dev/null
for round in 1 2; do
  /usr/bin/python3 benchmarks/step_time_pytorch.py 128 2 3 10
  dotnet benchmarks/Hodec.StepTime/bin/Release/net10.0/linux-x64/Hodec.StepTime.dll resnet20 128 2 3 10
done
