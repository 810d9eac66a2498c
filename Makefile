# Daily commands; `make help` lists them. Everything runs inside .venv (made by `make install`).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_ARGS ?=
MODEL ?= lightgbm
TRIALS ?= 50

.DEFAULT_GOAL := help
.PHONY: help install install-neural upgrade lock lint format test test-unit run demo ui bench bench-team tune

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

install: ## create .venv and install the exact versions of requirements.lock, then the package itself
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .

# torch's CPU build only: `==…+cpu` matches no CUDA wheel, so pip fails rather than pull one. Where PyPI is the
# only index, point TORCH_INDEX at PyTorch's: make install-neural TORCH_INDEX="--extra-index-url https://download.pytorch.org/whl/cpu"
TORCH_CPU ?= torch==2.13.0+cpu
TORCH_INDEX ?=
install-neural: ## optional, after make install: model=realmlp (pytabkit's RealMLP on a CPU build of torch, about 1 GB)
	$(PY) -m pip install --quiet "$(TORCH_CPU)" $(TORCH_INDEX)
	$(PY) -m pip install --quiet -e ".[neural]"

upgrade: ## install the newest versions pyproject.toml allows (to try an upgrade; then make test and make lock)
	$(PY) -m pip install --quiet --upgrade --upgrade-strategy eager -e ".[test,team]"

lock: ## regenerate requirements.lock: exact versions for CPython 3.11 on Linux x86-64 from pyproject.toml
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --extra team --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu --quiet -o requirements.lock

lint: ## ruff lint and format checks (CI runs them before the tests)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests

format: ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix src tests
	$(VENV)/bin/ruff format src tests

test: ## run the test suite (synthetic data; real-data tests run when LG_AIMERS_DATA_DIR has the files)
	$(PY) -m pytest

test-unit: ## only tests/unit: no MLflow store, no subprocess, no competition data (about 1.5 minutes on 2 cores)
	$(PY) -m pytest tests/unit

run: ## one cross-validated run on the competition data; extra overrides via RUN_ARGS="model=catboost sampler=smote"
	$(PY) src/run.py $(RUN_ARGS)

demo: ## the whole run end to end on synthetic data (no competition files needed)
	$(PY) src/run.py dataset=synthetic run_name=demo $(RUN_ARGS)

SERVER_HOST ?= 127.0.0.1
SERVER_PORT ?= 5000
SERVER_BACKEND ?= sqlite:///mlruns/mlflow.db
SERVER_ARTIFACTS ?= mlruns/artifacts
.PHONY: server
server: ## MLflow tracking server for the project's store (http://127.0.0.1:5000, serving artifacts); SERVER_HOST, SERVER_PORT, SERVER_BACKEND, SERVER_ARGS
	$(VENV)/bin/mlflow server --host $(SERVER_HOST) --port $(SERVER_PORT) --backend-store-uri "$(SERVER_BACKEND)" \
		--artifacts-destination "$(SERVER_ARTIFACTS)" --serve-artifacts $(SERVER_ARGS)

ui: ## browse runs: mlflow ui on http://127.0.0.1:5000 against the project's store
	$(VENV)/bin/mlflow ui --host 127.0.0.1 --port 5000 --backend-store-uri $${MLFLOW_TRACKING_URI:-sqlite:///mlruns/mlflow.db}

bench-team: ## Optuna trials/min for 1-3 workers: MLflow server + PostgreSQL against SQLite -> experiments/benchmark.md
	$(PY) -m leadconv.bench.team $(BENCH_TEAM_ARGS)

bench: ## wall time and peak memory per model, framework overhead, Optuna throughput, default suite + make submit from an empty store (competition data)
	$(PY) -m leadconv.bench.report $(BENCH_ARGS)

.PHONY: validation-runs results
VALIDATION_GRID := tracking.experiment=feature-validation sampler=none save_models=false features=raw,clean,engineered cv=stratified,group
validation-runs: ## the 18 runs behind experiments/results.md: {raw,clean,engineered} x {logreg,lightgbm,catboost} x {stratified,group}
	$(PY) src/run.py -m model=logreg $(VALIDATION_GRID)
	$(PY) src/run.py -m model=lightgbm model.n_jobs=1 $(VALIDATION_GRID)
	$(PY) src/run.py -m model=catboost model.thread_count=1 model.iterations=300 $(VALIDATION_GRID)

results: ## regenerate the table in experiments/results.md from MLflow (experiment feature-validation); RESULTS_ARGS="--experiment NAME"
	$(PY) -m leadconv.tracking.results $(RESULTS_ARGS)

.PHONY: label-shift
LABEL_SHIFT := $(PY) -m leadconv.tasks.label_shift --output experiments/label_shift.md --draws 20
label-shift: ## prior estimates and forecast F1 on held-out customers at priors 0.05-0.35 -> experiments/label_shift.md (about 30 min)
	$(LABEL_SHIFT) --system single --holdouts 5 $(LABEL_SHIFT_ARGS)
	$(LABEL_SHIFT) --system default_suite --holdouts 2 $(LABEL_SHIFT_ARGS)

.PHONY: shift-decisions
shift-decisions: ## decisions and forecasts on held-out customers of each kind of shift (rate only, the competition file's mix, both) -> experiments/shift_decisions.md (about 10 min with the stronger-models cache, 45 without)
	$(PY) -m leadconv.tasks.shift_decisions --output experiments/shift_decisions.md $(SHIFT_DECISIONS_ARGS)

.PHONY: stronger-models
stronger-models: ## every candidate of experiments/candidates.yaml judged on held-out customers at a 25% prior -> experiments/stronger_models.md; CANDIDATES_ARGS="--only NAME"
	$(PY) -m leadconv.tasks.candidates --output experiments/stronger_models.md --holdouts 3 $(CANDIDATES_ARGS)

.PHONY: ensemble submit shift-report leaderboard
ensemble: ## stack the best finished runs into one logged ensemble run; overrides via ENSEMBLE_ARGS="stacker=mean select.top_k=3"
	$(PY) src/ensemble.py $(ENSEMBLE_ARGS)

# INPUT and OUTPUT reach src/submit.py through the environment, never through the shell's command line or
# Hydra's override parser, so any file name works (quotes, spaces, `$`, backticks) and runs nothing. `value`
# takes them verbatim, and `unexport` stops make from expanding them into every recipe's environment.
unexport INPUT OUTPUT
ifneq ($(value INPUT),)
submit: export LEADCONV_SUBMIT_INPUT := $(value INPUT)
shift-report: export LEADCONV_SUBMIT_INPUT := $(value INPUT)
endif
ifneq ($(value OUTPUT),)
submit: export LEADCONV_SUBMIT_OUTPUT := $(value OUTPUT)
endif
submit: ## submissions/submission.csv (+ .json sidecar, .report.md page) from the latest ensemble, built if missing; INPUT=in.csv OUTPUT=out.csv for another file; REASONS=1 also writes <output>.reasons.csv (why each lead scores as it does)
	$(PY) src/submit.py $(if $(filter 1 true yes,$(REASONS)),reasons=true) $(SUBMIT_ARGS)

shift-report: ## print the shift diagnosis and the decision make submit would take for INPUT (default: the competition file), building the ensemble first if none exists, as make submit does
	$(PY) src/shift_report.py $(SUBMIT_ARGS)

leaderboard: ## the top runs in the terminal and in reports/leaderboard.md (+ CV F1 figure; git-ignored)
	$(PY) src/leaderboard.py $(LEADERBOARD_ARGS)

.PHONY: leaderboard-publish
leaderboard-publish: ## rewrite the tracked experiments/leaderboard.md (+ figure) from MLflow, to commit
	$(PY) src/leaderboard.py markdown=$(CURDIR)/experiments/leaderboard.md figure=$(CURDIR)/experiments/leaderboard_cv_f1.png $(LEADERBOARD_ARGS)

tune: ## Optuna search of MODEL (default lightgbm) for TRIALS trials (default 50), resumable; extra overrides via RUN_ARGS
	$(PY) src/run.py -m hydra/sweeper=optuna model=$(MODEL) hydra.sweeper.n_trials=$(TRIALS) $(RUN_ARGS)
