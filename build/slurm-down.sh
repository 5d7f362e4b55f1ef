#!/usr/bin/env bash
# Stops the daemons build/slurm-up.sh started, by the PIDs it recorded.
set -uo pipefail
state=${HODEC_SLURM_STATE:-/tmp/hodec-slurm}
for daemon in slurmd slurmctld munged; do
  if [ -s "$state/$daemon.pid" ]; then
    kill "$(cat "$state/$daemon.pid")" 2>/dev/null || true
    rm -f "$state/$daemon.pid"
  fi
done
