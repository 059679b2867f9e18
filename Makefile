# Two commands on a fresh machine:
#   make dev    start a development server on embedded SQLite (./.colonies)
#   make test   run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install dev test lint protos check-protos bench bench-table clean

# setuptools warns on every editable install of a flat layout ("Editable installation"):
# expected here, so it is not shown.
$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

dev: $(STAMP)
	$(VENV)/bin/colonies dev

# pytest exits with 5 when it collects no tests; that is not a failure here.
test: $(STAMP)
	$(PY) -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then exit 0; fi; exit $$rc

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy --strict pycolonies_like executors
	$(VENV)/bin/mypy server

protos: $(STAMP)
	$(PY) -m grpc_tools.protoc -Iproto --python_out=pycolonies_like/proto \
		--pyi_out=pycolonies_like/proto proto/colonies.proto
	$(PY) proto/gen_stubs.py pycolonies_like/proto/colonies_stubs.py

# Fails when the generated code is not what `make protos` would write.
check-protos: $(STAMP)
	rm -rf build/protos && mkdir -p build/protos
	$(PY) -m grpc_tools.protoc -Iproto --python_out=build/protos --pyi_out=build/protos \
		proto/colonies.proto
	diff -q build/protos/colonies_pb2.py pycolonies_like/proto/colonies_pb2.py
	diff -q build/protos/colonies_pb2.pyi pycolonies_like/proto/colonies_pb2.pyi
	$(PY) proto/gen_stubs.py build/protos/colonies_stubs.py --pb2 build/protos/colonies_pb2.py
	diff -q build/protos/colonies_stubs.py pycolonies_like/proto/colonies_stubs.py

bench: $(STAMP)
	$(PY) bench/lifecycle.py
	$(PY) bench/workflow.py
	$(PY) bench/channels.py

# The performance table in one run; PostgreSQL rows with PG=postgresql://.../postgres
bench-table: $(STAMP)
	$(PY) bench/table.py $(if $(PG),--pg $(PG))

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .import_linter_cache

# The container image (README.md, "Deployment"). The build uses the host's
# network (DOCKER_BUILD_FLAGS), as some hosts give the bridge no NAT.
IMAGE ?= pycolonies-like
DOCKER_BUILD_FLAGS ?= --network host

.PHONY: image image-base image-test lock

image:
	docker build $(DOCKER_BUILD_FLAGS) -t $(IMAGE) .

# The base images, made locally from Debian when no registry is reachable.
image-base:
	docker/base.sh

# Builds the image and checks it in containers; leaves nothing running.
image-test: $(STAMP)
	IMAGE=$(IMAGE) DOCKER_BUILD_FLAGS='$(DOCKER_BUILD_FLAGS)' docker/image-test.sh

# Re-pins the image's dependencies (deploy/constraints.txt), on purpose.
lock:
	docker/lock.sh
