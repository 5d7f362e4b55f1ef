#!/usr/bin/env bash
# Pack Hodec.Tool (unless --no-pack) and install it as a local tool into a folder with its own tool
# manifest, then run `dotnet hodec --version` there. Needs no network: the folder's nuget.config lists only
# artifacts/packages, and a private package cache keeps a stale Hodec.Tool of the same version out of the way.
#
#   build/install-tool.sh [--no-pack] [TARGET_DIR] [-- HODEC_ARGS...]
#
# TARGET_DIR is where the tool stays installed. Without it the install goes into a temporary folder that is
# deleted when the script exits (it holds the tool and libtorch, about 750 MB unpacked): a check that the package
# installs and runs. Arguments after `--` are run there as `dotnet hodec ARGS` once the tool is installed, e.g.
# `build/install-tool.sh -- run "$PWD/recipes/quickstart.yml" --out "$PWD/runs/quickstart"`.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pack=1
if [[ "${1:-}" == "--no-pack" ]]; then pack=0; shift; fi
target=""
if [[ $# -gt 0 && "$1" != "--" ]]; then target="$1"; shift; fi
temporary=0
if [[ -z "$target" ]]; then
  target="$(mktemp -d -t hodec-tool-XXXXXX)"
  temporary=1
  trap 'rm -rf "$target"' EXIT
fi
if [[ "${1:-}" == "--" ]]; then shift; fi
packages="$repo/artifacts/packages"

if [[ $pack == 1 ]]; then
  dotnet pack "$repo/Hodec.Tool/Hodec.Tool.csproj" -c Release -v q -nologo
fi
version="$(ls "$packages" | sed -n 's/^Hodec\.Tool\.\([0-9][^a-z]*[0-9]\)\.nupkg$/\1/p' | sort -V | tail -1)"
if [[ -z "$version" ]]; then
  echo "error: no Hodec.Tool package in $packages; run without --no-pack." >&2
  exit 2
fi

mkdir -p "$target"
cd "$target"
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="hodec-local" value="$packages" />
  </packageSources>
</configuration>
XML
export NUGET_PACKAGES="$target/.nuget-packages"
# dotnet maps (tool, version) to a package folder in a per-user resolver cache; a private CLI home keeps an
# earlier install of the same version from shadowing this one.
export DOTNET_CLI_HOME="$target/.dotnet-home"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
[[ -f dotnet-tools.json || -f .config/dotnet-tools.json ]] || dotnet new tool-manifest >/dev/null
dotnet tool install --local Hodec.Tool --version "$version" >/dev/null
dotnet hodec --version
echo "Installed Hodec.Tool $version in $target"
if [[ $# -gt 0 ]]; then dotnet hodec "$@"; fi
if [[ $temporary == 1 ]]; then
  echo "Removed the temporary install in $target; pass a folder (build/install-tool.sh DIR) to keep one."
else
  echo "Use it there with: export NUGET_PACKAGES=$NUGET_PACKAGES DOTNET_CLI_HOME=$DOTNET_CLI_HOME; dotnet hodec --help"
fi
