#!/usr/bin/env bash
# The README's comparison table (issue 31), regenerated from run directories by `hodec compare`.
#
#   bash benchmarks/compare/readme-table.sh [runs/compare]
#
# 1. Copies report.json and recipe.yml of every finished run (a report without "incomplete") of sweeps/compare.yml (from runs/compare, or the folder
#    given) into benchmarks/compare/records/<run>/, the committed record the README's table is made from.
# 2. For each budget (b60, b80), writes between the README's "compare-table" markers the command and the output of
#    `hodec compare` over the dense rows and that budget's rows, in the sweep's row order, leaving out rows with no
#    finished seed yet. ReadmeComparisonTableTests checks that the README shows exactly that output.
set -euo pipefail
cd "$(dirname "$0")/../.."
source_dir=${1:-runs/compare}
record=benchmarks/compare/records

for run in "$source_dir"/*/; do
  name=$(basename "$run")
  [[ -f "$run/report.json" && -f "$run/recipe.yml" ]] || continue
  grep -q '"incomplete"' "$run/report.json" && continue  # still running, or stopped: not a row yet
  mkdir -p "$record/$name"
  cp "$run/report.json" "$run/recipe.yml" "$record/$name/"
done

# Row groups in the sweep's order (a row's seeds are its "<name>-s<seed>" directories).
rows=$(sed -n 's/^  - { name: \([a-z0-9-]*\),.*/\1/p' sweeps/compare.yml)
hodec=(dotnet run --project Hodec.Tool -c Release --)

for budget in b60 b80; do
  args=()
  for row in $rows; do
    [[ $row == dense || $row == $budget-* ]] || continue
    compgen -G "$record/$row-s*/report.json" > /dev/null && args+=("$record/$row")
  done
  block=$(mktemp)
  {
    echo "<!-- hodec compare ${args[*]} -->"
    echo
    "${hodec[@]}" compare "${args[@]}"
  } > "$block"
  begin="<!-- compare-table $budget: begin -->"
  end="<!-- compare-table $budget: end -->"
  grep -qxF "$begin" README.md || { echo "README.md has no line '$begin'" >&2; exit 2; }
  awk -v begin="$begin" -v end="$end" -v block="$block" '
    $0 == begin { print; while ((getline line < block) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' README.md > README.md.tmp
  mv README.md.tmp README.md
  rm -f "$block"
done
echo "README.md: comparison tables regenerated from $record"
