# shellcheck shell=bash
# Sourced by docker/image-test.sh and .ci/run: a Docker daemon for the length
# of a run. engine_start uses the daemon that answers, or starts dockerd
# (root only) bound to loopback and without NAT rules, so nothing is published
# beyond this host; build steps then use the host's network. engine_stop stops
# only a daemon that engine_start started. engine_lock serialises image runs
# on this machine: the daemon is shared by everyone on it.

ENGINE_PID=""
# shellcheck disable=SC2034 # for the callers: why no engine could be started
ENGINE_WHY=""
ENGINE_LOG=${ENGINE_LOG:-build/dockerd.log}
ENGINE_LOCK=${ENGINE_LOCK:-/tmp/pycolonies-like-engine.lock}

engine_lock() {
  [ -n "${ENGINE_LOCK_HELD:-}" ] && return 0
  exec 9>"$ENGINE_LOCK"
  if ! flock -n 9; then
    echo "engine: another image run holds $ENGINE_LOCK; waiting for it" >&2
    flock -w 1800 9 || { echo "engine: gave up waiting for $ENGINE_LOCK" >&2; return 1; }
  fi
  export ENGINE_LOCK_HELD=1
}

engine_start() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    ENGINE_WHY="no Docker daemon answers, and starting one needs root"
    return 1
  fi
  if ! command -v dockerd >/dev/null; then
    ENGINE_WHY="no Docker daemon answers, and dockerd is not installed (apt-get install docker.io)"
    return 1
  fi
  mkdir -p "$(dirname "$ENGINE_LOG")"
  dockerd --iptables=false --ip6tables=false --ip=127.0.0.1 >"$ENGINE_LOG" 2>&1 9>&- &
  ENGINE_PID=$!
  local _
  for _ in $(seq 120); do
    if docker info >/dev/null 2>&1; then
      echo "engine: started dockerd (pid $ENGINE_PID, log $ENGINE_LOG)" >&2
      return 0
    fi
    kill -0 "$ENGINE_PID" 2>/dev/null || break
    sleep 0.5
  done
  # shellcheck disable=SC2034
  ENGINE_WHY="dockerd did not start: $(tail -n 3 "$ENGINE_LOG" | tr '\n' ' ')"
  engine_stop
  return 1
}

engine_stop() {
  [ -n "$ENGINE_PID" ] || return 0
  kill "$ENGINE_PID" 2>/dev/null || true
  local _
  for _ in $(seq 60); do
    kill -0 "$ENGINE_PID" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$ENGINE_PID" 2>/dev/null; then
    echo "engine: dockerd (pid $ENGINE_PID) did not stop in 30 s; killing it" >&2
    kill -9 "$ENGINE_PID" 2>/dev/null || true
  fi
  wait "$ENGINE_PID" 2>/dev/null || true
  echo "engine: stopped dockerd (pid $ENGINE_PID)" >&2
  ENGINE_PID=""
}
