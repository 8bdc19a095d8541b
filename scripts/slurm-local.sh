#!/usr/bin/env bash
# A real single-node Slurm (Debian slurm-wlm + munge) on localhost, for the Slurm executor's integration test
# and for trying `rethink-tl run --executor slurm` without a cluster. Everything it starts (munged, slurmctld,
# slurmd) keeps its key, configuration, state, spool, pid and log files in one scratch folder, listens on its own
# socket and ports, and is stopped by the pids in that folder; nothing under /etc is read or changed.
#
#   scripts/slurm-local.sh start [DIR]   install the packages if missing (root), start the daemons, wait for the node
#   scripts/slurm-local.sh stop [DIR]    cancel this cluster's jobs, stop its daemons, delete DIR
#   scripts/slurm-local.sh env [DIR]     print the `export SLURM_CONF=...` that points sbatch/squeue/scancel at it
#
# DIR defaults to $RETHINK_SLURM_DIR or /tmp/rethink-slurm-local. No cgroups and no systemd are needed:
# proctrack/linuxproc, task/none, no accounting (sacct answers "accounting storage is disabled").
# Exit status 3 means Slurm cannot run here (not Linux, not root, packages missing and not installable): callers
# report that as "skipped", never as passed. Any other non-zero status is a failure.
set -euo pipefail

readonly CANNOT_RUN=3
command=${1:-}
dir=${2:-${RETHINK_SLURM_DIR:-/tmp/rethink-slurm-local}}
conf="$dir/slurm.conf"
socket="$dir/munge/munge.socket"

say() { echo "slurm-local: $*" >&2; }
cannot_run() {
  say "cannot run Slurm here: $*"
  exit "$CANNOT_RUN"
}

# Stop the process whose pid is in file $1 (if it is still alive): TERM, then KILL after 10 s.
stop_pidfile() {
  local file=$1 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  say "pid $pid ($file) ignored TERM; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

stop_cluster() {
  [ -d "$dir" ] || return 0
  if [ -f "$conf" ] && [ -s "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
    # The jobs' processes belong to slurmstepd, which outlives slurmd by design: end them through Slurm first.
    local jobs
    jobs=$(SLURM_CONF=$conf squeue -h -o %A 2>/dev/null | sort -u || true)
    if [ -n "$jobs" ]; then
      # shellcheck disable=SC2086
      SLURM_CONF=$conf scancel $jobs 2>/dev/null || true
      for _ in $(seq 1 150); do
        [ -z "$(SLURM_CONF=$conf squeue -h -o %A 2>/dev/null)" ] && break
        sleep 0.2
      done
    fi
  fi
  stop_pidfile "$dir/slurmd.pid"
  stop_pidfile "$dir/slurmctld.pid"
  stop_pidfile "$dir/munge/munged.pid"
}

install_packages() {
  local missing=()
  command -v munged >/dev/null 2>&1 || [ -x /usr/sbin/munged ] || missing+=(munge)
  { [ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/slurmd ] && command -v sbatch >/dev/null 2>&1; } || missing+=(slurm-wlm)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || cannot_run "packages ${missing[*]} are missing and there is no apt-get"
  say "installing Debian packages: ${missing[*]}"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    cannot_run "apt-get install ${missing[*]} failed"
  fi
}

start_munge() {
  mkdir -p "$dir/munge"
  head -c 1024 /dev/urandom >"$dir/munge/munge.key"
  chown -R munge:munge "$dir/munge"
  chmod 700 "$dir/munge"
  chmod 400 "$dir/munge/munge.key"
  # munged refuses to run as root; --force accepts the scratch folder's ancestors (e.g. a sticky /tmp).
  runuser -u munge -- /usr/sbin/munged --force --socket="$socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"
  munge -n -S "$socket" | unmunge -S "$socket" >/dev/null || { say "munge does not answer on $socket"; exit 1; }
}

# A free TCP port on localhost, from the kernel.
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

write_conf() {
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc --all)
  mem=$(awk '/^MemTotal:/ { print int($2 / 1024) - 1024 }' /proc/meminfo)
  mkdir -p "$dir/state" "$dir/spool"
  cat >"$conf" <<EOF
# Written by scripts/slurm-local.sh: a single-node cluster in $dir.
ClusterName=rethinktl
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# Finished jobs stay visible to 'squeue --states=all' for 10 minutes (there is no accounting database).
MinJobAge=600
KillWait=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

wait_for_idle_node() {
  for _ in $(seq 1 150); do
    state=$(SLURM_CONF=$conf sinfo -h -o %T 2>/dev/null || true)
    [ "$state" = "idle" ] && return 0
    sleep 0.2
  done
  say "the node did not become idle within 30 s (state '${state:-none}'); logs: $dir/slurmctld.log $dir/slurmd.log"
  tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
  exit 1
}

start_cluster() {
  [ "$(uname -s)" = "Linux" ] || cannot_run "not Linux"
  [ "$(id -u)" -eq 0 ] || cannot_run "not root (slurmd and munged need root to start; run as root or with sudo)"
  install_packages
  id munge >/dev/null 2>&1 || cannot_run "no 'munge' user after installing munge"
  stop_cluster # a cluster left in $dir by an earlier, killed caller
  rm -rf "$dir"
  mkdir -p "$dir"
  trap 'say "start failed; stopping what was started"; stop_cluster' ERR
  start_munge
  write_conf
  SLURM_CONF=$conf /usr/sbin/slurmctld -c -f "$conf"
  SLURM_CONF=$conf /usr/sbin/slurmd -f "$conf"
  wait_for_idle_node
  trap - ERR
  say "up: $(SLURM_CONF=$conf sinfo -h -o '%P %D %c %T') (SLURM_CONF=$conf)"
}

case "$command" in
  start) start_cluster ;;
  stop)
    stop_cluster
    rm -rf "$dir"
    ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *)
    echo "usage: $0 start|stop|env [DIR]" >&2
    exit 2
    ;;
esac
