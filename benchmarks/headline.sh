#!/usr/bin/env bash
# Issue 5's headline: the four rows of recipes/bench/ (ResNet-20, full Fashion-MNIST, 25 epochs each), then one
# comparison table. About 75 min per row at one thread on a 2-core machine (row 4 about 90: its evaluations run the
# sequential contraction); rows are independent, so two can run side by side, one thread each. Other sets:
# recipes/bench/12-epochs and recipes/bench/adal-from-start (ADAL from the first epoch, 12 and 25 epochs).
#   benchmarks/headline.sh [OUT_DIR] [THREADS] [RECIPES]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/bench}"
threads="${2:-1}"
recipes="${3:-recipes/bench}"
dotnet build Hodec.Tool -c Release -v q -nologo >/dev/null
hodec() { dotnet run --no-build --project Hodec.Tool -c Release -- "$@"; }
rows=()
for recipe in "$recipes"/*.yml; do
  row="$(basename "$recipe" .yml)"
  rows+=("$out/$row")
  hodec run "$recipe" --threads "$threads" --out "$out/$row"
done
hodec compare "${rows[@]}" --out "$out/comparison.md"
