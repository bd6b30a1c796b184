# Three Levels, Reversed. `make lab` to learn, `make test` to check everything.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Jupyter refuses to run as root without this flag (CI and containers run as root).
ROOTFLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
PORT   ?= 8888
AXE_VERSION := 4.14.1
AXE    := .cache/node_modules/axe-core/axe.min.js

.PHONY: lab test install notebooks outputs lock bench clean help lite lite-online lite-serve bench-lite

help:
	@echo "make lab         set up (first time) and open the course in JupyterLab, at lesson 01"
	@echo "make test        set up (first time) and run every check: unit tests, nbval, browser tests"
	@echo "make notebooks   rebuild workbooks, answer keys and the glossary page from seeds/ and exercises/"
	@echo "make outputs     re-execute every notebook and store its outputs (after changing code or data)"
	@echo "make lock        refresh the pinned versions in constraints.txt"
	@echo "make bench       run the speed benchmarks"
	@echo "make lite        build the course as an offline JupyterLite site in site/ (needs npm; see lite/README.md)"
	@echo "make lite-online build the smaller online site in site-online/ (Pyodide from its CDN)"
	@echo "make lite-serve  serve site/ on http://127.0.0.1:8000/ (Ctrl+C to stop)"
	@echo "make hub         start a JupyterHub for a class on 127.0.0.1, print the learner link (make hub-stop)"
	@echo "make bench-hub   measure a hub with classes of 10, 20 and 40 learners"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's dependencies or pins change.
$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	@# first-use work belongs here, not in the first test run: bytecode for the course, and
	@# matplotlib's font cache (built on the first import, seconds on a new machine)
	$(BIN)/python -m compileall -q src
	$(BIN)/python -c "import matplotlib.font_manager"
	@touch $(STAMP)

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) $(ROOTFLAG) --KernelManager.transport=ipc \
	  --ServerApp.root_dir="$(CURDIR)" lessons/01-three-levels.ipynb

# The browser tests audit the notebooks' outputs with axe-core when it is here (npm fetches it).
$(AXE):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-save --no-audit --no-fund --prefix .cache axe-core@$(AXE_VERSION); \
	else echo "npm not found: the accessibility audit in the browser tests will be skipped"; fi

test: $(STAMP) $(AXE)
	$(BIN)/python -m threelevels.maint check
	@# unit tests, nbval and the wheel test on both cores; then, one at a time, the tests that drive
	@# a browser or a class of servers (e2e, lite, hub), so that they never race nbval for the cores
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not (e2e or lite or hub)"
	@# (one pytest each: a session's Playwright stays open, and a second one cannot start beside it)
	$(BIN)/python -m pytest -p no:xdist -m e2e tests/e2e
	$(BIN)/python -m pytest -p no:xdist -m hub tests/hub
	$(BIN)/python -m pytest -p no:xdist -m lite tests/lite

notebooks: $(STAMP)
	$(BIN)/python -m threelevels.maint build

outputs: $(STAMP)
	$(BIN)/python -m threelevels.maint build
	$(BIN)/python -m threelevels.maint outputs

# Resolve the newest versions the ranges in pyproject.toml allow, in a scratch environment,
# and write them to constraints.txt. Then run `make outputs test` and commit both.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e ".[test]"
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^three-levels' > constraints.txt
	rm -rf .lock-venv
	@echo "constraints.txt refreshed; now run: make outputs test"

bench: $(STAMP)
	$(BIN)/python bench/bench_engine.py
	@if [ -f bench/bench_store.py ]; then $(BIN)/python bench/bench_store.py; fi

# The browser edition (JupyterLite): static files, no Python or server needed by learners.
# lite/build.py uses only the standard library; its own tools go to .cache/lite/venv.
lite:
	$(PYTHON) lite/build.py --out site

lite-online:
	$(PYTHON) lite/build.py --online --out site-online

# How long the site makes a learner wait (a benchmark, not a test); COMPARE="name=dir" adds a site.
bench-lite: $(STAMP)
	$(BIN)/python bench/bench_lite.py $(foreach c,$(COMPARE),--compare "$(c)")

lite-serve:
	@test -f site/index.html || { echo "no site/ yet: run make lite first"; exit 1; }
	@echo "open http://127.0.0.1:8000/lab/index.html?path=lessons/01-three-levels.ipynb"
	$(PYTHON) -m http.server 8000 --bind 127.0.0.1 --directory site

clean:
	rm -rf $(VENV) .cache .pytest_cache build src/*.egg-info test-artifacts site site-online

# --- JupyterHub for a class (deploy/jupyterhub) -------------------------------------------------------
# jupyterhub + nbgitpuller into the course's venv, configurable-http-proxy (npm) into .cache/hub/node.
HUB_STAMP := .cache/hub/.installed
.PHONY: hub hub-stop bench-hub

$(HUB_STAMP): $(STAMP) deploy/jupyterhub/requirements.txt deploy/jupyterhub/install.sh
	deploy/jupyterhub/install.sh $(BIN)/python

# The hub test (tests/hub) runs in `make test`: it needs the hub installed first.
test: $(HUB_STAMP)

# A hub on 127.0.0.1:$(HUB_PORT) serving this checkout's last commit; prints the learner link.
HUB_PORT ?= 8000
hub: $(HUB_STAMP)
	HUB_PYTHON=$(CURDIR)/$(BIN)/python HUB_PORT=$(HUB_PORT) deploy/jupyterhub/hub.sh start

hub-stop:
	HUB_PORT=$(HUB_PORT) deploy/jupyterhub/hub.sh stop

# Classes of 10, 20 and 40 starting together (a benchmark, minutes long; not part of `make test`).
bench-hub: $(HUB_STAMP)
	$(BIN)/python bench/bench_hub.py
