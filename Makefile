# One command each: `make demo` sets everything up and runs qc on the sample calls and chats;
# `make test` sets everything up and runs the tests. Both are idempotent: a second run
# only re-checks what is installed (seconds).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
QC     := $(VENV)/bin/qc
# torch first and pinned: an unpinned torch pulls several GB of CUDA packages
# (see README, troubleshooting). On a GPU machine with a CUDA torch 2.13 it is kept.
TORCH  ?= torch==2.13.0
# GPU=1 (make setup GPU=1, make test GPU=1): the CUDA build of TORCH instead of a CPU one, and
# cuBLAS for CUDA 12, which ctranslate2 (Whisper) opens and torch's CUDA 13 build does not bring.
# See README, GPU. Its own stamp, so switching between the two setups reinstalls.
GPU    ?=
CUBLAS ?= nvidia-cublas-cu12>=12.8,<13
STAMP  := $(VENV)/.qc-installed$(if $(filter 1,$(GPU)),-gpu)

.PHONY: setup system-deps venv models demo test bench bench-data clean

setup: system-deps venv models

system-deps:
	@./scripts/system-deps.sh
	@./scripts/browser-deps.sh

venv: $(STAMP)

$(STAMP): pyproject.toml scripts/torchaudio-cpu-fix.py $(if $(filter 1,$(GPU)),scripts/gpu-torch.sh)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
ifeq ($(GPU),1)
	./scripts/gpu-torch.sh $(PY) '$(TORCH)'
	$(PY) -m pip install -q -e '.[dev]' '$(CUBLAS)'
	@# a CUDA torch loads torchaudio's native extension: put back what a CPU setup set aside, then check
	$(PY) scripts/torchaudio-cpu-fix.py --undo
	$(PY) scripts/torchaudio-cpu-fix.py --check
	$(QC) devices
else
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q -e '.[dev]'
	@# pyannote.audio brings a CUDA-only torchaudio next to the CPU torch: see README, troubleshooting
	$(PY) scripts/torchaudio-cpu-fix.py
endif
	@rm -f $(VENV)/.qc-installed $(VENV)/.qc-installed-gpu
	@touch $(STAMP)

models: $(STAMP)
	@$(QC) models install

# the sample calls and the sample chats of the same agents, in one report
demo: setup
	$(QC) run examples/calls examples/chats --manifest examples/calls/manifest.csv --out reports/demo \
	  --db reports/demo/qc.sqlite; \
	  code=$$?; echo "open reports/demo/index.html (agents in reports/demo/agents/, calls with audio and chats in reports/demo/calls/)"; exit $$code

test: setup
	@# the layer contract of pyproject.toml [tool.importlinter]: which package may import which
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q

bench: setup bench-data
	$(PY) bench/transcription.py
	$(PY) bench/diarization.py
	$(PY) bench/verdicts.py
	$(PY) bench/complaints.py
	$(PY) bench/reasons.py
	$(PY) bench/report.py

# The labelled regression corpus (bench/corpus/calls) rendered to audio: into $$QC_BENCH_DATA,
# else reports/bench-data/corpus. Idempotent: calls whose script is unchanged are skipped.
bench-data:
	@./scripts/bench-data-deps.sh
	PYTHONPATH=$(CURDIR) build/tts-venv/bin/python -m bench.corpus.render

clean:
	rm -rf $(VENV) reports/demo .pytest_cache
