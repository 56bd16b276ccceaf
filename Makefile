# Quick start: `make demo` (serves http://127.0.0.1:8000) and `make test`.
# Needs only Python 3.11 and make; everything else is installed into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install lint serve check-deploy clean bench bench-quick

$(PY):
	@test -n "$(PYTHON)" || { echo "需要 Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) requirements.txt requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	@touch $(STAMP)

install: $(STAMP)

# The demo: embedded SQLite, no Redis, no mail, no second factor (TWO_FACTOR_ROLES empty).
demo: install
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_demo
	@echo "打开 http://127.0.0.1:8000 （Ctrl+C 停止）"
	TWO_FACTOR_ROLES= $(PY) manage.py runserver 127.0.0.1:8000

# The production stack on this machine (docs/deploy.md): DEBUG=0, static files collected for
# WhiteNoise, gunicorn with config/gunicorn.conf.py on $$HOST:$$PORT (default 127.0.0.1:8000)
# against $$DATABASE_URL. Needs SECRET_KEY and ALLOWED_HOSTS; migrations are the deployer's
# step (`manage.py migrate`), /readyz says when they are missing.
serve: install
	@test -n "$$SECRET_KEY" || { echo "未设置 SECRET_KEY：生产环境必须在环境变量中提供 SECRET_KEY（例如 export SECRET_KEY=\$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')），拒绝启动。" >&2; exit 1; }
	@test -n "$$ALLOWED_HOSTS" || { echo "未设置 ALLOWED_HOSTS：请列出本系统的域名（如 ALLOWED_HOSTS=gongkai.example.gov.cn），拒绝启动。" >&2; exit 1; }
	DEBUG=0 $(PY) manage.py collectstatic --noinput -v 0
	DEBUG=0 exec $(VENV)/bin/gunicorn --config config/gunicorn.conf.py config.wsgi

lint: install
	$(PY) -m ruff check .

# pytest exits 5 when it collected no test: a suite that ran nothing is a failure.
test: install
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest 没有收集到任何测试：视为失败"; exit 1; fi; exit $$rc

# Benchmarks beside the bare stack (DESIGN §9) on PostgreSQL: seeds (once), measures, prints
# the table, writes var/bench/<scale>-<time>.json. Database: BENCH_DATABASE_URL, else
# DATABASE_URL's name + _bench / _benchq (default postgres://postgres@127.0.0.1:5432/themeday).
bench: install
	$(PY) -m bench.run --scale full

bench-quick: install
	$(PY) -m bench.run --scale quick

check-deploy: install
	DEBUG=0 SECRET_KEY=check-only-$$(date +%s)-not-a-real-secret-0123456789abcdef ALLOWED_HOSTS=example.gov.cn \
		$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) db.sqlite3 var test-artifacts
