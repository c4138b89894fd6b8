# Every target bootstraps .venv from the requirements files, so a fresh clone needs only `make plan` / `make test`.
PYTHON := .venv/bin/python
VENV := .venv/.installed

.PHONY: plan test lint

$(VENV): requirements.txt requirements-dev.txt
	python3 -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

plan: $(VENV)
	$(PYTHON) -m tools.plan staging

test: $(VENV)
	$(PYTHON) -m pytest -q

lint: $(VENV)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
