"""The benchmarks' synthetic problems: the loader lives in ops.bulkload, which `manage.py bench_bulk_load` runs
too (nothing imports bench/, so the code cannot live here)."""
from ops.bulkload import CATEGORIES, SOURCES, ensure_issues, issue_count, owner_bulk_load, real_users  # noqa: F401
