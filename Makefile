# divergence: find where news sources disagree.
.DEFAULT_GOAL := help
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# No machine here reaches a model hub: everything loads from installed packages.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: help setup demo test test-fast lint format clean model model-resume combiner notebooks

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: pip then takes the CPU wheel, not a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	# Every optional extra too, so the ONNX, faiss and Ray tests run here and in CI.
	$(BIN)/pip install --quiet -e ".[dev,all]"
	touch $(STAMP)

setup: $(STAMP) ## Create .venv and install divergence with every extra (CPU torch)

demo: $(STAMP) ## Run divergence diff on the bundled Cairo example (table + out/cairo-report.html)
	@mkdir -p out
	$(BIN)/divergence diff data/examples/cairo-multisource.jsonl -o out/cairo-report.html || test $$? -eq 1
	$(BIN)/divergence diff data/examples/cairo-multisource.jsonl || test $$? -eq 1
	@echo "HTML report: out/cairo-report.html"

test: $(STAMP) ## Run every test, the real-model integration tests included
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) ## Run the unit tests only (deterministic fake embedder, seconds)
	$(BIN)/python -m pytest -q -m "not integration"

notebooks: $(STAMP) ## Execute the notebooks top to bottom
	$(BIN)/jupyter-execute --kernel_name=python3 --timeout=600 \
	  notebooks/explore_comparison.ipynb notebooks/history.ipynb

lint: $(STAMP) ## ruff and mypy
	$(BIN)/ruff check divergence tests
	$(BIN)/ruff format --check divergence tests
	$(BIN)/mypy

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff format divergence tests
	$(BIN)/ruff check --fix divergence tests

clean: ## Remove the virtualenv, caches and outputs
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache *.egg-info

DATASETS ?= ../shared/datasets
MODEL_DIR ?= data/models/divergence-nli
D := $(DATASETS)
# Sets whose licence allows a shipped model (non-commercial, research-only and ANLI's dev set,
# meant for development, are evaluation-only); see data/models/divergence-nli/README.md.
MODEL_DATA := \
  $(D)/snli_dev/snli_1.0_dev.premise_hypothesis_label.jsonl $(D)/snli_test/snli_test.jsonl \
  $(D)/mnli_dev_matched/mnli_dev_matched_part_a.jsonl $(D)/sick/SICK.txt \
  $(D)/rte_superglue/rte_train_plus_val.jsonl $(D)/fever_symmetric/fever_symmetric_dev.jsonl \
  $(D)/lingnli/lingnli.jsonl $(D)/nli_new_protocols/nli_new_protocols.jsonl \
  $(D)/esxnli_en/esxnli_en.jsonl $(D)/taxinli/taxinli.jsonl $(D)/negation_nli/negation_nli.jsonl \
  $(D)/cad_snli/cad_snli.jsonl $(D)/breaking_nli/breaking_nli.jsonl \
  $(D)/conjnli_dev/conjnli_dev.jsonl \
  $(D)/med_monotonicity/med_monotonicity.jsonl:nli-2way $(D)/scitail_test/scitail_test.jsonl:nli-2way \
  $(D)/vitaminc_test/vitaminc_test.jsonl $(D)/fever2_adversarial/fever2_adversarial.jsonl \
  $(D)/covidfact/covidfact.jsonl $(D)/check_covid/check_covid.jsonl \
  $(D)/emergent/emergent.jsonl $(D)/fnc1_related/fnc1_related_train.jsonl
MODEL_EPOCHS ?= 1
MODEL_MAX_PER_SET ?= 48000
MODEL_AUGMENT := $(D)/stsbenchmark/sts-train.csv $(D)/mrpc/msr_paraphrase_train.txt \
  $(D)/fnc1_related/fnc1_related_train.jsonl:premises
model: $(STAMP) ## Retrain the shipped contradiction model from the public datasets (2-core CPU, ~2 h; resumable)
	$(BIN)/divergence train --out $(MODEL_DIR) --time-budget 7800 --epochs $(MODEL_EPOCHS) \
	  --learning-rate 6e-5 --max-per-set $(MODEL_MAX_PER_SET) --max-augmented 3000 \
	  $(addprefix --data ,$(MODEL_DATA)) $(addprefix --augment ,$(MODEL_AUGMENT))

model-resume: $(STAMP) ## Continue an interrupted `make model` to the same weights
	$(BIN)/divergence train --resume $(MODEL_DIR)

COMBINER_DIR ?= data/models/divergence-combiner
combiner: $(STAMP) ## Refit the calibrated score over the shipped model and the checks (~10 min)
	$(BIN)/divergence train-combiner --datasets $(DATASETS) --out $(COMBINER_DIR)
