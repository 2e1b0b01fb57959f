import os

from hypothesis import HealthCheck, settings

# Property tests must be reproducible in CI: derandomize there; locally,
# hypothesis explores new examples on every run.
settings.register_profile("ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
