"""Settings for the whole suite.

Hypothesis replays the same examples on every run (``derandomize``): `make test` and CI
check one fixed set of cases, so a submission never fails on a case nobody saw locally.
``HYPOTHESIS_PROFILE=explore`` draws new examples each run, to look for new failures.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("replay", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "replay"))
