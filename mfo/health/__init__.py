"""The health feature: GET /healthz, a probe for load balancers and orchestrators."""

from __future__ import annotations

from mfo.feature import Feature
from mfo.health.views import bp

feature = Feature(name="health", blueprint=bp)
