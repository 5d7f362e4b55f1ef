#!/usr/bin/env bash
# Issue 5's headline: the four rows of recipes/bench/ (ResNet-20, full Fashion-MNIST, 12 epochs each), then one
# comparison table. About 35 min per row at one thread on a 2-core machine (row 4 longer); rows are independent,
# so two can run side by side, one thread each.
#   benchmarks/headline.sh [OUT_DIR] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/bench}"
threads="${2:-1}"
dotnet build Hodec.Tool -c Release -v q -nologo >/dev/null
hodec() { dotnet run --no-build --project Hodec.Tool -c Release -- "$@"; }
rows=(1-dense 2-hodec-adal 3-hodec-no-adal 4-tt-classical)
for row in "${rows[@]}"; do
  hodec run "recipes/bench/$row.yml" --threads "$threads" --out "$out/$row"
done
hodec compare "${rows[@]/#/$out/}" --out "$out/comparison.md"
