#!/usr/bin/env bash
# Issue 5's headline, the README table: the four rows of recipes/bench/headline/ (ResNet-20, full Fashion-MNIST,
# 25 epochs each on one shared cosine), then one comparison table. About 90-100 min per row at one thread on a 2-core
# machine (row 4 about 120); rows are independent, so two can run side by side, one thread each. Other sets:
# recipes/bench (restarted schedules), recipes/bench/12-epochs and recipes/bench/adal-from-start (ADAL from the first
# epoch, 12 and 25 epochs).
# Run it again with the same arguments to continue: a row whose directory holds a run is resumed (a finished one
# only rewrites its reports).
#   benchmarks/headline.sh [OUT_DIR] [THREADS] [RECIPES]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/bench}"
threads="${2:-1}"
recipes="${3:-recipes/bench/headline}"
dotnet build Hodec.Tool -c Release -v q -nologo >/dev/null
hodec() { dotnet run --no-build --project Hodec.Tool -c Release -- "$@"; }
rows=()
for recipe in "$recipes"/*.yml; do
  row="$(basename "$recipe" .yml)"
  rows+=("$out/$row")
  resume=()
  if [ -f "$out/$row/recipe.yml" ]; then resume=(--resume); fi
  hodec run "$recipe" --threads "$threads" --out "$out/$row" "${resume[@]}"
done
hodec compare "${rows[@]}" --out "$out/comparison.md"
