#!/usr/bin/env bash
# Issue 5's four rows at a SHORT budget that fits a 2-core machine in minutes: ResNet-20 (option A),
# 10,000 training images of Fashion-MNIST, the full 10,000-image test split, 6 epochs per row
# (ADAL/train 4 + retrain 2), rho 0.05 x 2^epoch. The full-budget recipes are recipes/bench/*.yml.
#   benchmarks/headline-short.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/headline-short}"
dotnet build Hodec.Tool -c Release -v q -nologo >/dev/null
hodec() { dotnet run --no-build --project Hodec.Tool -c Release -- "$@"; }
common=(--threads 2 --set data.subset.train=10000)
rho=(--set stages.adal.rho.initial=0.05 --set stages.adal.rho.factor=2)
hodec run recipes/bench/1-dense.yml "${common[@]}" --set stages.train.epochs=6 --out "$out/1-dense"
hodec run recipes/bench/2-hodec-adal.yml "${common[@]}" "${rho[@]}" --set stages.adal.epochs=4 --set stages.retrain.epochs=2 --out "$out/2-hodec-adal"
hodec run recipes/bench/3-hodec-no-adal.yml "${common[@]}" --set stages.train.epochs=4 --set stages.retrain.epochs=2 --out "$out/3-hodec-no-adal"
hodec run recipes/bench/4-tt-classical.yml "${common[@]}" "${rho[@]}" --set stages.adal.epochs=4 --set stages.retrain.epochs=2 --out "$out/4-tt-classical"
for row in 1-dense 2-hodec-adal 3-hodec-no-adal 4-tt-classical; do
  python3 - "$out/$row/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c, b = r.get("compressed") or {}, r.get("baseline") or {}
proj = [s.get("projection") for s in r.get("stages", []) if s.get("projection")]
print(sys.argv[1].split("/")[-2], "baseline", b.get("top1"), "compressed", c.get("top1"), "reduction", r.get("reduction"), "projection", proj)
PY
done
