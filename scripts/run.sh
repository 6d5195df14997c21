#!/usr/bin/env bash
# `make run` after set-up: the demo data (manage.py demo_setup) and the web server (gunicorn) start side by side.
# gunicorn loads the application while the demo is built and opens PORT when it is done (config/gunicorn_demo.py).
set -uo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
gate="$(mktemp -d)"
t=$EPOCHREALTIME
DEMO_GATE="$gate" .venv/bin/gunicorn -c config/gunicorn_demo.py config.wsgi -b "127.0.0.1:$PORT" \
  -w "${WORKERS:-2}" --threads "${THREADS:-4}" --timeout 120 --access-logfile - &
server=$!
# Whatever ends this script (a failed demo_setup, Ctrl-C, the server stopping) ends the other half too.
trap 'rm -rf "$gate"; kill "$server" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
SETUP_STARTED=$t DEMO_GATE="$gate" .venv/bin/python manage.py demo_setup || exit 1
awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN{printf "\033[1m[setup]\033[0m %-20s %6.1f s\n", "demo data", b-a}'
echo "Serving on http://127.0.0.1:$PORT/  (Ctrl-C to stop)"
wait "$server"
