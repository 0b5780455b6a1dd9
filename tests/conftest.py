"""Shared test configuration: the hypothesis profile and a headless matplotlib backend."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ecomodel",
    deadline=None,
    max_examples=int(os.environ.get("ECOMODEL_HYPOTHESIS_EXAMPLES", "40")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("CI", "") != "",
)
settings.load_profile("ecomodel")
