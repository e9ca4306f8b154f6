"""Database connection helpers."""

from __future__ import annotations

from django.db import connection


def connection_release() -> None:
    """Give this thread's database connection back (to the pool) before slow work that needs none,
    such as reading a photo or waiting on a job. Inside a transaction it must stay open (and the
    tests run each test in one)."""
    if not connection.in_atomic_block:
        connection.close()
