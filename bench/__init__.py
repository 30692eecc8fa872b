"""Benchmark harness: seed users, serve with gunicorn, drive with wrk, write docs/performance.md."""
