# The server (and the CLI and the ready-made executors), small and unprivileged.
#   make image                      # docker build -t pycolonies-like .
#   README.md, "Deployment": running it; deploy/docker-compose.yml: a whole colony.
# Dependencies are pinned by deploy/constraints.txt (`make lock` refreshes it).
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore \
    PIP_CONSTRAINT=/src/deploy/constraints.txt
WORKDIR /src
# The pinned dependencies first: this layer is rebuilt only when the pins change.
COPY deploy/constraints.txt deploy/constraints.txt
RUN pip wheel --quiet --wheel-dir /wheels -r deploy/constraints.txt
COPY setup.cfg pyproject.toml README.md ./
COPY pycolonies_like pycolonies_like
COPY server server
COPY executors executors
# Only the built wheels from here on (--no-index): what runs is what was pinned.
RUN pip wheel --quiet --no-index --find-links /wheels --no-deps --wheel-dir /wheels . \
    && python -m venv --without-pip /opt/colonies \
    && pip --python /opt/colonies/bin/python install --quiet --no-index --find-links /wheels \
       pycolonies-like

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="pycolonies-like" \
      org.opencontainers.image.description="ColonyOS-style distributed executor server" \
      org.opencontainers.image.licenses="MIT"
# A system user and group with fixed ids (10001, clear of the host's), no home
# and no shell; -K keeps useradd/groupadd from warning about ids above the
# system range. It may write only to the data directory and, where volumes are
# mounted on them (deploy/docker-compose.yml), the key directories; a fresh
# named volume takes the owner and mode of the directory it is mounted on.
RUN groupadd --system --gid 10001 -K SYS_GID_MAX=10001 colonies \
    && useradd --system --uid 10001 --gid 10001 -K SYS_UID_MAX=10001 \
       --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin colonies \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/colonies \
       /etc/colonies/keys /etc/colonies/executor \
    && install -d -o 10001 -g 10001 -m 0755 /etc/colonies/ids
COPY --from=build /opt/colonies /opt/colonies
COPY docker/entrypoint.sh /usr/local/bin/docker-entrypoint
COPY docker/healthcheck.py /usr/local/bin/colonies-healthcheck
COPY docker/stack.py /usr/local/bin/colonies-stack
# COLONIES_SERVER_HTTP_PORT=0: no HTTP port unless asked for (health, metrics,
# the dashboard: -e COLONIES_SERVER_HTTP_PORT=50080; the ColonyOS API, which
# cannot refuse replayed requests, also -e COLONIES_COLONYOS_API=true). The
# server raises its descriptor limit to the container's hard limit (Docker's
# default is large; `--ulimit nofile=65536` sets it). Python writes no bytecode at run time:
# the root filesystem may be read-only, and the packages are compiled already.
ENV PATH=/opt/colonies/bin:$PATH \
    PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    COLONIES_DATA_DIR=/var/lib/colonies \
    COLONIES_SERVER_HTTP_PORT=0
USER 10001:10001
WORKDIR /var/lib/colonies
EXPOSE 50070
# Reads the server's own flags and settings (port, TLS), so it follows them.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["colonies-healthcheck"]
ENTRYPOINT ["docker-entrypoint"]
CMD ["server", "start", "--host", "0.0.0.0"]
