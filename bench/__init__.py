"""Benchmarks of the booth pipeline against a direct, queue-less baseline (``scripts/bench``).

Not part of the test suite: it starts its own stack (gunicorn, Celery, the stand-in Gemini server)
on its own database and Redis database and prints a results table. See ``bench/README.md``.
"""
