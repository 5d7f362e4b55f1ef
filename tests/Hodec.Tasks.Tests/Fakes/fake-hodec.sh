#!/usr/bin/env bash
# A stand-in for `hodec run` in the Hodec.Tasks integration tests, until the real engine exists.
# Writes the outputs the build predicts, or prints an MSBuild-canonical error for a recipe containing
# the word "broken". Every invocation is appended to invocations.log next to this script.
set -eu
# `cache key <recipe> [--set x]...`: a key from the recipe's bytes, the settings and HODEC_FAKE_VERSION (the tool version).
if [[ "${1:-}" == "cache" && "${2:-}" == "key" ]]; then
  recipe="$3"; shift 3
  sets=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --set) sets="$sets $2"; shift 2 ;;
      --error-format) shift 2 ;;
      *) echo "fake-hodec: unexpected argument '$1'" >&2; exit 2 ;;
    esac
  done
  line="$(grep -n broken "$recipe" | head -1 | cut -d: -f1 || true)"
  if [[ -n "$line" ]]; then
    offset="$(sed -n "${line}p" "$recipe" | grep -bo broken | head -1 | cut -d: -f1)"
    echo "$recipe($line,$((offset + 1))): error HODEC0001: unknown stage kind 'broken'; expected one of train, adal, project, retrain, evaluate, export."
    exit 2
  fi
  { cat "$recipe"; echo "$sets"; echo "fake ${HODEC_FAKE_VERSION:-1}"; } | sha256sum | cut -d' ' -f1
  exit 0
fi
if [[ "${1:-}" != "run" ]]; then echo "fake-hodec: expected 'run', got '${1:-}'" >&2; exit 2; fi
recipe="$2"; shift 2
out=""; sets=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --set) sets="$sets $2"; shift 2 ;;
    --error-format) shift 2 ;;
    --overwrite) shift ;;
    *) echo "fake-hodec: unexpected argument '$1'" >&2; exit 2 ;;
  esac
done
echo "$recipe$sets" >> "$(dirname "$0")/invocations.log"

line="$(grep -n broken "$recipe" | head -1 | cut -d: -f1 || true)"
if [[ -n "$line" ]]; then
  offset="$(sed -n "${line}p" "$recipe" | grep -bo broken | head -1 | cut -d: -f1)"
  echo "$recipe($line,$((offset + 1))): error HODEC0001: unknown stage kind 'broken'; expected one of train, adal, project, retrain, evaluate, export."
  exit 2
fi

# The engine's layout: reports at the top, the model under export/<recipe name>.* (file name of the recipe if unnamed).
name="$(sed -n 's/^name:[[:space:]]*\([A-Za-z0-9_-]*\).*/\1/p' "$recipe" | head -1)"
if [[ -z "$name" ]]; then name="$(basename "$recipe")"; name="${name%%.*}"; fi
mkdir -p "$out/export"
echo "retrain: epoch 1/1 batch 10/10 (100%) loss 0.4000 top1 85.00% lr 0.01 5000 samples/s ETA 00:00:00"
for file in report.json report.md "export/$name.safetensors" "export/$name.onnx"; do
  echo "fake $(basename "$file") for $recipe$sets" > "$out/$file"
done
# A real (untrained) compressed model from the test, when given, so the app can load it.
if [[ -n "${HODEC_FAKE_MODEL:-}" && -f "$HODEC_FAKE_MODEL" ]]; then cp "$HODEC_FAKE_MODEL" "$out/export/$name.safetensors"; fi
echo "Done: fake compression of $(basename "$recipe")"
