# Two commands on a fresh machine: `make demo` and `make test`. Each bootstraps .venv if missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test gallery bench clean

$(BIN)/docgen: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,web]'
	@touch $@

demo: $(BIN)/docgen
	$(BIN)/docgen demo --out out

gallery: $(BIN)/docgen
	$(BIN)/docgen demo --out out --png

test: $(BIN)/docgen
	$(BIN)/python -m pytest -q

bench: $(BIN)/docgen
	$(BIN)/python bench/render.py

clean:
	rm -rf out build dist *.egg-info
