#!/usr/bin/env bash
# Developer aid: a second working tree sharing this checkout's venv, assets and PostGIS cluster.
#   scripts/worktree.sh NAME  → ../wt/NAME on branch NAME
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
name="$1"; dir="$(dirname "$REPO")/wt/$name"
git -C "$REPO" worktree add -q -b "$name" "$dir" HEAD
ln -s "$REPO/.venv" "$dir/.venv"
ln -s "$REPO/.pg" "$dir/.pg"
ln -s "$REPO/node_modules" "$dir/node_modules"
mkdir -p "$dir/static" && ln -s "$REPO/static/vendor" "$dir/static/vendor"
cp "$REPO/.secret_key" "$dir/.secret_key" 2>/dev/null || true
echo "$dir"
