# One place to run things. `make demo` and `make test` set everything up themselves.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LIBRARY ?= demo-library
STAMP  := $(VENV)/.installed

AXE    := tests/webui/axe/node_modules/axe-core/axe.min.js

.PHONY: demo test lint typecheck unit browser bench system-deps venv clean axe

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# exiftool writes metadata; chromium runs the browser tests; npm installs axe-core for them;
# bindfs makes the FUSE mount on which the hot-folder tests see a folder polled.
system-deps:
	@missing=""; \
	command -v exiftool >/dev/null || missing="$$missing libimage-exiftool-perl"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v bindfs >/dev/null || missing="$$missing bindfs"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			$$missing >/dev/null; \
	else \
		echo "photodesk needs$$missing: run as root, or sudo apt-get install$$missing"; exit 1; \
	fi

# axe-core, the accessibility checker the browser tests inject into every page (npm package).
$(AXE): tests/webui/axe/package.json tests/webui/axe/package-lock.json
	npm ci --prefix tests/webui/axe --no-audit --no-fund --loglevel=error
	touch $(AXE)

axe: system-deps $(AXE)

demo: $(STAMP) system-deps
	$(BIN)/photodesk --library $(LIBRARY) demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) system-deps
	$(BIN)/pytest -q -n 2 -m "not browser"

browser: $(STAMP) system-deps axe
	$(BIN)/pytest -q -m browser

test: $(STAMP) system-deps axe lint typecheck
	$(BIN)/pytest -q -n 2 --durations=15

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/dupes_speed.py
	$(BIN)/python benchmarks/dupes_quality.py
	$(BIN)/python benchmarks/common_values_cost.py
	$(BIN)/python benchmarks/gallery_speed.py
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/caption_credits.py
	$(BIN)/python benchmarks/workers.py --database-url $${PHOTODESK_BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/photodesk_bench}
	dropdb --if-exists -h 127.0.0.1 -U postgres photodesk_scale_bench
	createdb -h 127.0.0.1 -U postgres photodesk_scale_bench
	$(BIN)/python benchmarks/catalog_scale.py --count 1000000 --database-url postgresql://postgres@127.0.0.1:5432/photodesk_scale_bench
	$(BIN)/python benchmarks/saved_index.py --counts 1000000 --folder $$(mktemp -d)
	$(BIN)/python benchmarks/region_index.py

clean:
	rm -rf $(VENV) $(LIBRARY) .pytest_cache .mypy_cache .ruff_cache tests/webui/axe/node_modules
