"""Settings of the benchmarked stack: the local settings (``photochanger.settings.local``, plain HTTP) plus

- the test-only ``testing`` provider, whose ``echo`` operation returns the photo untouched: the
  pure-pipeline throughput scenario uses it to measure PhotoChanger without any image work;
- with ``BENCH_TRACE_FILE`` set, ``bench.profiling``, which times each stage of every request.
"""

from __future__ import annotations

import os

from photochanger.settings.local import *  # noqa: F403
from photochanger.settings.local import INSTALLED_APPS, PROVIDERS

PROVIDERS = {**PROVIDERS, "testing": {"BACKEND": "tests.support.providers.TestingProvider"}}

if os.environ.get("BENCH_TRACE_FILE"):
    INSTALLED_APPS = [*INSTALLED_APPS, "bench.profiling.BenchProfilingConfig"]
