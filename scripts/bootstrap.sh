#!/usr/bin/env bash
# One idempotent set-up for `make run`, `make test` and `make bench`:
# system packages, the venv, front-end assets, the project's own PostGIS cluster.
# Each step checks first and does nothing when it is already done, so a second run is quick.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
WANT_BROWSER="${WANT_BROWSER:-0}"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
# How long each step took (printed on every run, so a slow first start shows where its time went).
_t="$EPOCHREALTIME"
took() { local now="$EPOCHREALTIME"; say "$(awk -v a="$_t" -v b="$now" -v s="$1" 'BEGIN{printf "%-20s %6.1f s", s, b-a}')"; _t="$now"; }

# --- system packages (Debian bookworm) ---------------------------------------------------
need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
[ -f /usr/share/postgresql/15/extension/pgrouting.control ] || need+=(postgresql-15-pgrouting)
command -v osm2pgrouting >/dev/null || need+=(osm2pgrouting)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)  # Chinese in PDF reports
command -v npm >/dev/null || need+=(npm)
command -v zbarimg >/dev/null || need+=(zbar-tools)  # tests decode the facility QR labels
if [ "$WANT_BROWSER" = 1 ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing system packages: ${need[*]}" >&2
    echo "Run as root, or: sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
    exit 1
  fi
  say "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
took "system packages"

# The steps below do not need each other until the end: the cluster and the front-end assets are made in the
# background while pip installs (each prints its own time when done), and waited for at the end.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" -v s="$2" 'BEGIN{printf "%-20s %6.1f s", s, b-a}'; }
background=()

# --- the project's own PostgreSQL cluster -------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
  ( s="$EPOCHREALTIME"; bash scripts/pg.sh start; say "$(since "$s" "postgis cluster")" ) &
  background+=($!)
fi

# --- front-end assets: pinned npm packages copied into static/vendor ----------------------
vstamp="static/vendor/.package.sha"
vsum="$(cat package.json scripts/vendor_assets.sh | sha256sum | cut -c1-64)"
if [ "$(cat "$vstamp" 2>/dev/null)" != "$vsum" ]; then
  say "installing front-end assets (npm)"
  ( s="$EPOCHREALTIME"
    npm install --silent --no-audit --no-fund --ignore-scripts >/dev/null
    bash scripts/vendor_assets.sh
    echo "$vsum" > "$vstamp"
    say "$(since "$s" "front-end assets")" ) &
  background+=($!)
fi

# --- Python venv from pinned requirements ------------------------------------------------
# REQS picks how much: requirements.txt (what `make run` needs), requirements-dev.txt (+ tests and tooling),
# requirements-bench.txt (+ the benchmarks' comparison solvers). Each file includes the one before it.
PY="${PYTHON:-python3}"
REQS="${REQS:-requirements.txt}"
chain() {  # the file and the files it includes, in order
  case "$1" in
    requirements-bench.txt) echo requirements-bench.txt requirements-dev.txt requirements.txt ;;
    requirements-dev.txt) echo requirements-dev.txt requirements.txt ;;
    *) echo requirements.txt ;;
  esac
}
sum_of() { cat $(chain "$1") | sha256sum | cut -c1-64; }
stamp_of() { echo ".venv/.${1%.txt}.sha"; }
if [ ! -x .venv/bin/python ] || [ "$(cat "$(stamp_of "$REQS")" 2>/dev/null)" != "$(sum_of "$REQS")" ]; then
  say "installing $REQS into .venv"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  # --no-compile: byte-compiling every installed module took as long as installing them; Python compiles
  # what it imports on first use instead.
  .venv/bin/pip install -q --disable-pip-version-check --no-compile -r "$REQS"
  for f in $(chain "$REQS"); do sum_of "$f" > "$(stamp_of "$f")"; done
fi
took "python venv"

# --- byte-code of what the application imports ---------------------------------------------
# Without it (pip's --no-compile above, and PYTHONDONTWRITEBYTECODE in the environment, which stops Python from
# writing what it compiles) every manage.py command compiled the ~1,500 modules it imports again: 1.5 of the
# 2.5 s of CPU `manage.py check` took. Importing config.wsgi (Django, every view module and config.wsgi.WARM)
# once with writing allowed leaves their .pyc behind (once per install); our own modules are compiled on every
# set-up (compileall skips what is current).
bstamp=".venv/.bytecode.sha"
if [ "$(cat "$bstamp" 2>/dev/null)" != "$(sum_of requirements.txt)" ]; then
  if env -u PYTHONDONTWRITEBYTECODE DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python -c "import config.wsgi" \
      >/dev/null 2>&1; then
    sum_of requirements.txt > "$bstamp"
  else
    say "byte-compiling the libraries skipped (importing config.wsgi failed; manage.py check says why)"
  fi
fi
.venv/bin/python -m compileall -q $(ls -d */__init__.py | xargs -n1 dirname) manage.py >/dev/null || true
took "byte-code"

for pid in "${background[@]}"; do
  wait "$pid"  # a failed background step fails the set-up (set -e)
done
took "waiting for the rest"
