# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The CPU build of torch 2.13.0 is installed first, so that no dependency resolves a CUDA build.
TORCH_SPEC ?= torch==2.13.0
STAMP  := $(VENV)/.installed

.PHONY: venv demo test test-all bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)"
	$(PY) -m pip install -q -e ".[all]"
	touch $(STAMP)

# --overwrite: a previous demo's runs are moved aside (runs/demo/r2gen.old-<time>), never deleted
demo: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m cxrgen demo --out runs/demo --overwrite

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q -m "not gpu and not slow"

test-all: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q -m "not gpu"

clean:
	rm -rf $(VENV) runs build *.egg-info src/*.egg-info
