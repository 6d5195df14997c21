"""Benchmarks (`make bench` → `python -m bench`). Each part is a module with `run(report)`; `report(section, name,
value, unit, note)` receives one figure at a time (see bench/routes.py)."""
