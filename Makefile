# The table of contents: one target per stage. `make help` lists them.
VENV       ?= .venv
PYTHON     := $(VENV)/bin/python
STAMP      := $(VENV)/.installed
EXPERIMENT ?= main
JOBS       ?= 2
RESULTS    ?= results
# The studies whose analysed results are shipped in results/reference/ (make reference).
REFERENCE  ?= main confirm long kink learner optimizers remedies
# Offline machines: use the shared MNIST folder when it exists and nothing else was said.
ifeq ($(STUDY_DATA_DIR),)
  ifneq ($(wildcard ../shared/data/mnist),)
    export STUDY_DATA_DIR := $(abspath ../shared/data)
  endif
endif

.DEFAULT_GOAL := help
.PHONY: help install machine lint test gradcheck data sweep confirm figures index reference bench spread mutate clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  variables: EXPERIMENT=$(EXPERIMENT) JOBS=$(JOBS) RESULTS=$(RESULTS)"

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the package with its dev extras

machine: $(STAMP)  ## print the CPU, the BLAS kernel and threads, and whether real MNIST was found
	$(PYTHON) -m bench.machine

lint: $(STAMP)  ## check the code with ruff (rules in pyproject.toml)
	$(PYTHON) -m ruff check .

test: $(STAMP)  ## run the tests (real-data tests read STUDY_DATA_DIR)
	$(PYTHON) -m pytest

gradcheck: $(STAMP)  ## check every activation's gradients against finite differences
	$(PYTHON) -m study gradcheck

data: $(STAMP)  ## say where MNIST was found, its counts and pixel statistics
	$(PYTHON) -m study data

sweep: $(STAMP)  ## train experiments/EXPERIMENT.toml (default main) into results/<name>/
	$(PYTHON) -m study sweep experiments/$(EXPERIMENT).toml --jobs $(JOBS) --results $(RESULTS)

experiments/confirm.toml:
	$(PYTHON) -m analysis confirm $(RESULTS)/main --seeds 10 --out $@

confirm: $(STAMP) experiments/confirm.toml  ## stage 2: the validation-selected rates of results/main, 10 paired seeds
	$(PYTHON) -m study sweep experiments/confirm.toml --jobs $(JOBS) --results $(RESULTS)

figures: $(STAMP)  ## metrics, summary, figures, answers and report.html of EXPERIMENT's results
	$(PYTHON) -m analysis $(RESULTS)/$(EXPERIMENT)

index: $(STAMP)  ## RESULTS/index.html: one page answering across every analysed folder of RESULTS
	$(PYTHON) -m analysis index $(RESULTS)

reference: $(STAMP)  ## analyse the REFERENCE studies, copy them to results/reference/ with its index; README findings
	for name in $(REFERENCE); do $(PYTHON) -m analysis $(RESULTS)/$$name > /dev/null || exit 1; done
	$(PYTHON) -m analysis reference $(RESULTS) $(REFERENCE) --out results/reference
	$(PYTHON) -m analysis index results/reference --readme README.md

bench: $(STAMP)  ## run every benchmark, python -m bench (what each measures: docs/performance.md)
	-$(PYTHON) -m pip install --quiet -e '.[bench]' || echo "torch not installed: its row is skipped"
	$(PYTHON) -m bench --out $(RESULTS)/bench/bench.csv

spread: $(STAMP)  ## how far results move across BLAS kernels and threads (docs/reproducibility.md)
	$(PYTHON) -m bench.kernel_spread --mnist

mutate: $(STAMP)  ## mutation score of the science and safety code, mutmut (about 30 min; docs/mutation.md)
	$(PYTHON) -m pip install --quiet -e '.[mutate]'
	rm -rf mutants
	env -u STUDY_DATA_DIR $(VENV)/bin/mutmut run --max-children $(JOBS)
	$(VENV)/bin/mutmut export-cicd-stats && cat mutants/mutmut-cicd-stats.json
	$(VENV)/bin/mutmut results

clean:  ## remove the virtual environment and caches (keeps results/ and data/)
	rm -rf $(VENV) .pytest_cache *.egg-info mutants
