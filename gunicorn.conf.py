"""gunicorn settings for `make serve`: workers and bind address come from the environment."""

import os

bind = os.environ.get("MFO_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("MFO_WORKERS", "2"))
threads = int(os.environ.get("MFO_THREADS", "1"))
timeout = int(os.environ.get("MFO_WORKER_TIMEOUT", "30"))
graceful_timeout = 30
# mfo writes one line per request itself (method, path, status, time, user id).
accesslog = None
errorlog = "-"
# Trust X-Forwarded-* only from the load balancer's address (see docs/deploy.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
