"""Celery tasks of the booth side: thin wrappers that call ``ingest.slot_check``."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from ingest.slot_check import canary_checks_finish, canary_checks_start

# Seconds after the checks' deadline before their outcome is read: the task's own time limit
# (deadline + 1 s) has ended any job still running by then.
CANARY_FINISH_MARGIN = 2.0


@shared_task(name="ingest.canary_checks", ignore_result=True)
def canary_checks() -> int:
    check_ids = canary_checks_start()
    if check_ids:
        finish_canary_checks.apply_async(
            args=[[str(check_id) for check_id in check_ids]], countdown=settings.T_SYNC_RESPONSE + CANARY_FINISH_MARGIN
        )
    return len(check_ids)


@shared_task(name="ingest.finish_canary_checks", ignore_result=True)
def finish_canary_checks(check_ids: list[str]) -> int:
    return sum(not check.ok for check in canary_checks_finish(check_ids=check_ids))
