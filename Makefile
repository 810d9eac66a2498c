# Daily commands; `make help` lists them. Everything runs inside .venv (made by `make install`).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install test run demo ui bench

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: ## create .venv and install the package with its test extras
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"

test: ## run the test suite (synthetic data; real-data tests run when LG_AIMERS_DATA_DIR has the files)
	$(PY) -m pytest

run: ## one cross-validated run on the competition data; extra overrides via RUN_ARGS="model=catboost sampler=smote"
	$(PY) src/run.py $(RUN_ARGS)

demo: ## the whole run end to end on synthetic data (no competition files needed)
	$(PY) src/run.py dataset=synthetic run_name=demo $(RUN_ARGS)

ui: ## browse runs: mlflow ui on http://127.0.0.1:5000 against the project's store
	$(VENV)/bin/mlflow ui --host 127.0.0.1 --port 5000 --backend-store-uri $${MLFLOW_TRACKING_URI:-sqlite:///mlruns/mlflow.db}

bench: ## wall time and peak memory per model, and framework overhead, on the competition data
	$(PY) -m leadconv.bench $(BENCH_ARGS)
