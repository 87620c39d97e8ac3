# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The CPU build of torch 2.13.0 is installed first, so that no dependency resolves a CUDA build.
TORCH_SPEC ?= torch==2.13.0
STAMP  := $(VENV)/.installed

.PHONY: venv demo test test-all bench clean orthanc orthanc-stop

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

# A throw-away Orthanc (DICOMweb, authentication on) on 127.0.0.1:18042 for the PACS tests and for
# trying `cxrgen pacs pull`; URL and credentials land in .ci/orthanc.env (installs Debian's
# orthanc + orthanc-dicomweb when missing, which needs root)
orthanc:
	bash .ci/setup.d/orthanc.sh

orthanc-stop:
	@if [ -f .ci/orthanc.env ]; then . ./.ci/orthanc.env; kill $$CXRGEN_TEST_ORTHANC_PID 2>/dev/null || true; \
	  rm -rf "$$CXRGEN_TEST_ORTHANC_DIR" .ci/orthanc.env; echo "Orthanc stopped"; fi

clean:
	rm -rf $(VENV) runs build *.egg-info src/*.egg-info
