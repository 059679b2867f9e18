#!/usr/bin/env bash
# `make image-test`: builds the image and checks it in containers
# (tests/deploy/test_image.py): healthy, unprivileged, read-only root, a
# graceful stop with an executor connected, the health check following --port
# and TLS, the Compose stack on PostgreSQL completing a submitted process, and
# the image's size. Without a registry, the base images are made here first
# (docker/base.sh; cached as images, so only the first run is slow).
# Everything it creates is named after $RUN and removed on exit, and a daemon
# it started is stopped: nothing is left running.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=docker/engine.sh
. docker/engine.sh

IMAGE=${IMAGE:-pycolonies-like}
RUN=${RUN:-pcl-test-$$}
OUT=build/image-test
BUILD_FLAGS=${DOCKER_BUILD_FLAGS:---network host}
mkdir -p "$OUT"

remove_leftovers() {
  docker ps -aq --filter "name=^/$RUN" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker volume ls -q --filter "name=^$RUN" | xargs -r docker volume rm -f >/dev/null 2>&1 || true
  docker network ls -q --filter "name=^$RUN" | xargs -r docker network rm >/dev/null 2>&1 || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if docker info >/dev/null 2>&1; then
    remove_leftovers
  fi
  engine_stop
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

engine_lock
if ! engine_start; then
  echo "image-test: $ENGINE_WHY" >&2
  exit 1
fi

started=$(date +%s)
BASES_ENV=$OUT/bases.env docker/base.sh
# shellcheck source=/dev/null
. "$OUT/bases.env"

echo "image-test: docker build $BUILD_FLAGS -t $IMAGE ." >&2
build_started=$(date +%s)
# shellcheck disable=SC2086
if ! docker build $BUILD_FLAGS --build-arg "PYTHON_IMAGE=$PYTHON_IMAGE" -t "$IMAGE" . \
    >"$OUT/build.log" 2>&1; then
  tail -n 30 "$OUT/build.log" >&2
  exit 1
fi
build_seconds=$(($(date +%s) - build_started))
if grep -Ei '^(useradd|groupadd)[^:]*: warning' "$OUT/build.log" >&2; then
  echo "image-test: the build warned (above)" >&2
  exit 1
fi

COLONIES_IMAGE_TEST=1 COLONIES_IMAGE=$IMAGE POSTGRES_IMAGE=$POSTGRES_IMAGE \
  COLONIES_TEST_PREFIX=$RUN PYTHON_IMAGE=$PYTHON_IMAGE \
  .venv/bin/python -m pytest -p no:cacheprovider -v -s tests/deploy/test_image.py

size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
base=$(docker image inspect -f '{{.Size}}' "$PYTHON_IMAGE")
if [ -n "$(docker image inspect -f '{{index .Config.Labels "org.pycolonies-like.stand-in"}}' "$PYTHON_IMAGE")" ]; then
  base_note="a local stand-in for python:3.11-slim"
else
  base_note="$PYTHON_IMAGE"
fi
printf 'image-test: image %s: %d MB (base %d MB, %s; ours %d MB); build %d s; whole run %d s\n' \
  "$IMAGE" $((size / 1000000)) $((base / 1000000)) "$base_note" $(((size - base) / 1000000)) \
  "$build_seconds" $(($(date +%s) - started))
