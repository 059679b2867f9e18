# The server, small and unprivileged:
#   docker build -t pycolonies-like .
#   docker run -p 50070:50070 -e COLONIES_SERVER_ID=<id> -v colonies:/var/lib/colonies pycolonies-like
# With PostgreSQL: deploy/docker-compose.yml.
FROM python:3.11-slim AS build
WORKDIR /src
COPY setup.cfg pyproject.toml README.md ./
COPY pycolonies_like pycolonies_like
COPY server server
COPY executors executors
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --create-home --home-dir /var/lib/colonies colonies \
    && chmod 0700 /var/lib/colonies
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER colonies
WORKDIR /var/lib/colonies
ENV COLONIES_DATA_DIR=/var/lib/colonies PYTHONUNBUFFERED=1
VOLUME ["/var/lib/colonies"]
EXPOSE 50070
HEALTHCHECK --interval=10s --timeout=5s CMD ["colonies", "server", "alive"]
ENTRYPOINT ["colonies", "server", "start", "--host", "0.0.0.0"]
