#!/bin/sh
# The image's entrypoint: runs `colonies` with the given arguments, the server
# by default. Arguments starting with `-` are flags of `server start`
# (`docker run IMAGE --port 50443`); others are a `colonies` command, which may
# be written with `colonies` first (`colonies --json server status`: global
# options then cannot be taken for server flags).
# Docker secrets: every COLONIES_<NAME>_FILE=path becomes COLONIES_<NAME> with
# the file's content, so keys and passwords need not be in the environment
# that `docker inspect` shows.
set -eu
path=""
for var in $(env | sed -n 's/^\(COLONIES_[A-Z0-9_]*\)_FILE=.*/\1/p'); do
  eval "path=\${${var}_FILE}"
  eval "given=\${${var}:-}"
  if [ -n "$given" ]; then
    echo "error: both $var and ${var}_FILE are set" >&2
    exit 2
  fi
  if [ ! -r "$path" ]; then
    echo "error: ${var}_FILE: cannot read $path" >&2
    exit 2
  fi
  value=$(cat "$path")
  export "$var=$value"
  unset "${var}_FILE"
done
case "${1:-}" in
  -*) set -- server start --host 0.0.0.0 "$@" ;;
  colonies) shift ;;
esac
exec colonies "$@"
