# Every target bootstraps .venv from the requirements files, so a fresh clone needs only `make plan` / `make test`.
PYTHON := .venv/bin/python
VENV := .venv/.installed
# checkov pins old versions of packages the program also uses, so it lives in its own venv.
CHECKOV := .venv-checkov/.installed

.PHONY: plan test lint bench mutation

$(VENV): requirements.txt requirements-dev.txt
	python3 -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

plan: $(VENV)
	$(PYTHON) -m tools.plan staging --cost --policy

test: $(VENV) $(CHECKOV)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(PYTHON) -m pytest -q

$(CHECKOV): requirements-checkov.txt
	python3 -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

lint: $(VENV)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

# Medians of several whole-process runs: SDK imports, each stack's offline plan, the test suite.
RUNS ?= 3
SUITE_RUNS ?= 3
bench: $(VENV) $(CHECKOV)
	$(PYTHON) -m tools.bench --runs $(RUNS) --suite-runs $(SUITE_RUNS)

# Plants a seeded sample of N defects in the program, one at a time on a copy of the tree, runs
# the suite against each and prints the share killed and the survivors (tools/mutation.py).
# Not part of `make test`: about 20 minutes on 2 idle cores with the defaults.
N ?= 90
SEED ?= 7
JOBS ?= 2
MINUTES ?= 20
mutation: $(VENV) $(CHECKOV)
	$(PYTHON) -m tools.mutation -n $(N) --seed $(SEED) --jobs $(JOBS) --budget-minutes $(MINUTES)
