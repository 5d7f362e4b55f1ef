#!/usr/bin/env bash
# Starts a one-node Slurm on this machine for the sweep test (CI runs it as root on a fresh machine):
# installs slurm-wlm and munge if needed, writes a munge key and a one-node slurm.conf, starts munged, slurmctld
# and slurmd, and waits until the node takes jobs. The daemons' PIDs go to $HODEC_SLURM_STATE (default
# /tmp/hodec-slurm), which build/slurm-down.sh reads to stop them. Exits non-zero when Slurm cannot be started.
set -euo pipefail
state=${HODEC_SLURM_STATE:-/tmp/hodec-slurm}
mkdir -p "$state"

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq slurm-wlm munge >/dev/null
fi

if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! pgrep -u munge munged >/dev/null; then
  runuser -u munge -- /usr/sbin/munged
  pgrep -u munge -n munged > "$state/munged.pid"
fi

host=$(hostname)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=hodec
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
KillWait=30
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

slurmctld
slurmd
for _ in $(seq 1 60); do
  if sinfo -h -o '%t' 2>/dev/null | grep -Eq '^(idle|mix|alloc)'; then
    echo "slurm-up: one-node Slurm on $host ($cpus CPUs) is up"
    exit 0
  fi
  sleep 1
done
echo "slurm-up: the node did not become idle:" >&2
sinfo >&2 || true
exit 1
