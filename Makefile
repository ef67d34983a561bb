# make run   — install what is missing, then run the batch flow on scans/ into output/scans
# make test  — the same set-up, then the tests
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
# Debian packages: Tesseract with the Japanese models, poppler for PDFs, the typefaces the generator
# sets cables in (Mincho and Gothic: IPA, IPAex, Noto CJK) and
# FriBiDi (Pillow's vertical text layout) for the generator; chromium for the review page's
# browser test (Playwright drives Debian's build; it downloads no browser of its own); Tesseract's
# headers and a compiler, to build tesserocr against Debian's own libtesseract (below).
APT_PACKAGES := tesseract-ocr tesseract-ocr-jpn tesseract-ocr-jpn-vert tesseract-ocr-script-jpan-vert \
                tesseract-ocr-osd poppler-utils \
                fonts-ipafont-mincho fonts-ipafont-gothic fonts-ipaexfont-mincho fonts-ipaexfont-gothic fonts-noto-cjk \
                libfribidi0 python3-venv chromium \
                libtesseract-dev libleptonica-dev pkg-config g++ python3-dev
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTHON    := $(shell command -v python3.11 || command -v python3)

.PHONY: run test deps venv scans schema bench lint clean

deps:
	@missing=$$(for p in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing: $$missing"; \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# tesserocr from source: its wheels carry another Tesseract (5.5), which reads otherwise than the
# binary and models Debian installs (engines/tesseract.py checks that the two versions agree).
$(STAMP): pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-binary tesserocr -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

# A lasting local Prefect server (started once, reused): runs start in seconds, not ten.
run: deps venv
	$(VENV)/bin/cableocr server || echo "no lasting Prefect server: this run uses Prefect's temporary API"
	$(VENV)/bin/cableocr run scans --out output/scans

test: deps venv
	$(VENV)/bin/pytest

# Regenerate the committed sample batch (deterministic).
scans: deps venv
	$(PY) bench/make_sample.py scans

# Rewrite the published JSON Schemas of the cable and page documents (a test checks they are current).
schema: venv
	$(VENV)/bin/cableocr schema --out schema/cable.schema.json
	$(VENV)/bin/cableocr schema --page --out schema/page.schema.json

bench: deps venv
	$(PY) bench/throughput.py

lint: venv
	$(VENV)/bin/ruff check src flows tests bench

clean:
	rm -rf output/scans $(VENV)
