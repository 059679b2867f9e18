#!/usr/bin/env bash
# Makes sure the base images exist: the Python image the Dockerfile builds on
# and the PostgreSQL image the Compose file runs. A registry is tried first;
# when none answers, stand-ins are built from a Debian bookworm made here with
# debootstrap (see docker/standin/). Each step is skipped when its image exists,
# so only the first run is slow. Writes the names to use to $BASES_ENV.
#   PYTHON_IMAGE    the Dockerfile's base (default python:3.11-slim)
#   POSTGRES_IMAGE  the Compose file's database (default postgres:16)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON_IMAGE=${PYTHON_IMAGE:-python:3.11-slim}
POSTGRES_IMAGE=${POSTGRES_IMAGE:-postgres:16}
POSTGRES_STANDIN=local/postgres:15
DEBIAN_IMAGE=local/debian:bookworm
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASES_ENV=${BASES_ENV:-build/image-bases.env}

say() { echo "base: $*" >&2; }
standin() {
  [ -n "$(docker image inspect -f '{{index .Config.Labels "org.pycolonies-like.stand-in"}}' "$1")" ]
}
have() { docker image inspect "$1" >/dev/null 2>&1; }
# Runs a command, showing its output only when it fails.
quietly() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}
pulled() { timeout 120 docker pull -q "$1" >/dev/null 2>&1; }

debian() {
  have "$DEBIAN_IMAGE" && return
  command -v debootstrap >/dev/null || { say "debootstrap is missing (apt-get install debootstrap)"; exit 1; }
  local rootfs
  rootfs=$(mktemp -d /tmp/bookworm-rootfs.XXXXXX)
  say "debootstrap bookworm (minbase) from $DEBIAN_MIRROR"
  if ! debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$rootfs.log" 2>&1; then
    tail -20 "$rootfs.log" >&2
    rm -rf "$rootfs" "$rootfs.log"
    exit 1
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar --numeric-owner -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$rootfs" "$rootfs.log"
  say "imported $DEBIAN_IMAGE"
}

# pip inside a build reaches the package index the way pip on this host does:
# the host's network settings (index, proxy, certificate, timeout) and its
# extra CA certificates go into the stand-in; local paths (find-links,
# file:// indexes, constraints) stay behind.
pip_settings() {
  python3 - <<'PY'
import os, subprocess

wanted = {"index-url", "extra-index-url", "trusted-host", "proxy", "timeout", "default-timeout",
          "retries", "cert"}
found = {}
try:
    listing = subprocess.run(["python3", "-m", "pip", "config", "list"], capture_output=True,
                             text=True, timeout=60).stdout
except Exception:
    listing = ""
for line in listing.splitlines():
    key, _, value = line.partition("=")
    section, _, name = key.rpartition(".")
    if name in wanted:
        found[name] = value.strip().strip("'\"")
for name in wanted:
    env = os.environ.get("PIP_" + name.upper().replace("-", "_"))
    if env:
        found[name] = env
if "default-timeout" in found:
    found["timeout"] = found.pop("default-timeout")
for name in ("index-url", "extra-index-url"):
    urls = [u for u in found.get(name, "").split() if u.startswith(("http://", "https://"))]
    if urls:
        found[name] = " ".join(urls)
    else:
        found.pop(name, None)
if "cert" in found:
    found["cert"] = "/etc/ssl/certs/ca-certificates.crt"  # the image's bundle, with the host's CAs
print("[global]")
for name, value in sorted(found.items()):
    print(f"{name} = {value}")
PY
}

python_standin() {
  debian
  local ctx=build/standin-python
  rm -rf "$ctx" && mkdir -p "$ctx/ca-certificates"
  cp docker/standin/python/Dockerfile "$ctx/"
  pip_settings >"$ctx/pip.conf"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$ctx/ca-certificates/"
  fi
  say "building the stand-in $PYTHON_IMAGE from $DEBIAN_IMAGE"
  quietly docker build --network host --build-arg "BASE=$DEBIAN_IMAGE" -t "$PYTHON_IMAGE" "$ctx"
  rm -rf "$ctx"
}

postgres_standin() {
  debian
  say "building the stand-in $POSTGRES_STANDIN from $DEBIAN_IMAGE"
  quietly docker build --network host --build-arg "BASE=$DEBIAN_IMAGE" -t "$POSTGRES_STANDIN" \
    docker/standin/postgres
}

if have "$PYTHON_IMAGE"; then
  :
elif pulled "$PYTHON_IMAGE"; then
  say "pulled $PYTHON_IMAGE"
else
  say "no registry answers for $PYTHON_IMAGE"
  python_standin
fi

if have "$POSTGRES_IMAGE" || pulled "$POSTGRES_IMAGE"; then
  postgres=$POSTGRES_IMAGE
else
  have "$POSTGRES_STANDIN" || postgres_standin
  postgres=$POSTGRES_STANDIN
fi

mkdir -p "$(dirname "$BASES_ENV")"
printf 'PYTHON_IMAGE=%s\nPOSTGRES_IMAGE=%s\n' "$PYTHON_IMAGE" "$postgres" >"$BASES_ENV"
for image in "$PYTHON_IMAGE" "$postgres"; do
  if standin "$image"; then say "$image: a local stand-in"; else say "$image: as published"; fi
done
