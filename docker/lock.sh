#!/usr/bin/env bash
# Writes deploy/constraints.txt: every package the image installs, and the
# build backend, pinned to what the package index offers today for the image's
# Python (resolved inside the base image, so the host's Python and pip settings
# play no part). Refreshing the pins is a deliberate act: `make lock`, read the
# diff, run `make image-test`, commit.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON_IMAGE=${PYTHON_IMAGE:-python:3.11-slim}
out=deploy/constraints.txt

docker run --rm --network host -e PIP_ROOT_USER_ACTION=ignore -v "$PWD:/src:ro" \
  "$PYTHON_IMAGE" sh -ec '
    mkdir /tmp/src
    cd /src && cp -r setup.cfg pyproject.toml README.md pycolonies_like server executors /tmp/src/
    python -m pip install --quiet --dry-run --ignore-installed --report /tmp/report.json \
      /tmp/src setuptools wheel
    python - <<PY
import json, platform, sys
report = json.load(open("/tmp/report.json"))
pins = sorted(
    (i["metadata"]["name"].lower(), i["metadata"]["version"])
    for i in report["install"]
    if i["metadata"]["name"].lower() != "pycolonies-like"
)
print("# Pinned dependencies of the image (and the build backend), for Python %s on %s."
      % (platform.python_version(), sys.platform))
print("# Written by \`make lock\` (docker/lock.sh); do not edit by hand. To install with them:")
print("#   pip install -c deploy/constraints.txt .")
for name, version in pins:
    print(f"{name}=={version}")
PY' >"$out.tmp"
mv "$out.tmp" "$out"
echo "lock: $(grep -vc '^#' "$out") pins written to $out" >&2
