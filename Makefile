# apishield: `make demo` runs the main job, `make test` runs every test. Both set themselves up.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest docs matrix bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[all,dev,docs]'
	touch $(STAMP)

demo: $(STAMP)
	APISHIELD_NO_BROWSER=1 scripts/system-deps.sh
	$(BIN)/apishield demo

test: $(STAMP)
	scripts/system-deps.sh
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/mypy --strict src
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	scripts/with-services.sh $(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)
	$(BIN)/nox --non-interactive -s adapters_oldest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

pytest: $(STAMP)
	scripts/with-services.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

# the documentation site, into site/; --strict turns every warning (a broken link or anchor) into a failure
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# the adapter suites against the oldest supported and the newest framework versions (noxfile.py)
matrix: $(STAMP)
	$(BIN)/nox --non-interactive

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[all,dev,bench]'
	APISHIELD_NO_BROWSER=1 scripts/system-deps.sh
	scripts/with-services.sh $(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache .nox site
