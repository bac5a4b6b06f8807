# Loom — `make run` starts the server at http://127.0.0.1:8000, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
UI_SRC := $(shell find ui/src ui/index.html ui/package.json ui/package-lock.json ui/vite.config.ts -type f 2>/dev/null)
UI_OUT := server/static/index.html
PYTEST_ARGS ?=

.PHONY: run test setup ui browser sandbox postgres redis bench clean

run: setup ui sandbox
	$(BIN)/loom serve --host 127.0.0.1 --port 8000

# Browser tests run in their own pytest process: Playwright's sync API keeps an event loop running in the
# main thread for the whole session, which the asyncio tests' own loops cannot share.
# The tests that go through the server's database run a second time on PostgreSQL: a throwaway server on
# 127.0.0.1 that the tests start and remove themselves (tests/pg.py, tests/database.py).
PG_TESTS ?= tests/server tests/agents tests/models
test: setup ui browser sandbox postgres redis
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)
	LOOM_TEST_DATABASE_URL=postgres $(BIN)/python -m pytest -m "not e2e" $(PG_TESTS) $(PYTEST_ARGS)
	cd ui && npm test --silent
	$(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

setup: $(STAMP)

# torch is pinned to the CPU wheel (torch==2.13.0) in the same pip command as sentence-transformers:
# an unpinned torch pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "torch==2.13.0" -e ".[test]"
	touch $(STAMP)

ui: $(UI_OUT)

# `npm install` rather than `npm ci`: with this npm, ci rejects a lock file that leaves out the rollup
# builds of other platforms; install keeps to the lock file and does not rewrite it.
$(UI_OUT): $(UI_SRC)
	@if [ -f ui/package.json ]; then \
		cd ui && npm install --no-audit --no-fund --loglevel=error && npm run build; \
	else mkdir -p server/static; fi

# Browser tests drive Debian's chromium (never a downloaded browser build), with Debian's CJK font for the Chinese UI.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else echo "browser tests need Debian chromium: sudo apt-get install -y chromium"; exit 1; fi; }
	@fc-list :lang=zh-cn 2>/dev/null | grep -q . || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null; \
		else echo "the Chinese UI tests need a CJK font: sudo apt-get install -y fonts-noto-cjk"; exit 1; fi; }
	@fc-list 2>/dev/null | grep -qi "color emoji" || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq fonts-noto-color-emoji >/dev/null; \
		else echo "the screenshots show the palette's icons with an emoji font: sudo apt-get install -y fonts-noto-color-emoji"; fi; }

# Code nodes run under bubblewrap with seccomp (docs/sandbox.md): Debian's bubblewrap and libseccomp2.
# Without them the server still starts, and refuses code nodes with the reason.
sandbox:
	@command -v bwrap >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q libseccomp.so.2 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && apt-get install -y -qq bubblewrap libseccomp2 >/dev/null; \
		else echo "code nodes need bubblewrap and libseccomp: sudo apt-get install -y bubblewrap libseccomp2"; fi; }

# Debian's PostgreSQL server binaries for the Postgres pass (and pgvector, where Debian packages it).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "$$LOOM_PG_BIN" ] || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; \
		else echo "the Postgres test pass needs PostgreSQL: sudo apt-get install -y postgresql"; exit 1; fi; }
	@pgv=postgresql-$$(ls /usr/lib/postgresql | sort -n | tail -1)-pgvector; \
	if [ "$$(id -u)" = 0 ] && [ ! -f /usr/share/postgresql/*/extension/vector.control ] \
		&& apt-cache show $$pgv >/dev/null 2>&1; then apt-get install -y -qq $$pgv >/dev/null; fi

# Debian's redis-server for the replica tests (tests/redis_server.py starts a throwaway one on 127.0.0.1).
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; \
		else echo "the replica tests need Redis: sudo apt-get install -y redis-server"; exit 1; fi; }

bench: setup
	$(BIN)/python benchmarks/engine.py

clean:
	rm -rf $(VENV) server/static ui/node_modules .pytest_cache
