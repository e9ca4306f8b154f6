from __future__ import annotations

import gc

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _preload_providers(**kwargs) -> None:
    """Build the provider registry in the worker's parent process, before the pool forks: the SDKs
    (google-genai, pydantic models) are then imported once and shared copy-on-write, instead of
    once per pool process on its first job (seconds of CPU each, all at once under load)."""
    from PIL import Image

    from core.provider_registry import provider_registry

    for provider in provider_registry():
        provider.warm()  # SDK clients and validators too: ~0.3 s of CPU per pool process otherwise
    Image.init()  # Pillow imports its format plugins on the first open
    # Keep the collector away from everything loaded so far: objects it never touches stay
    # shared between the pool processes instead of being copied into each of them.
    gc.freeze()


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Jobs")

    def ready(self) -> None:
        from celery.signals import worker_init, worker_ready

        from jobs.liveness import worker_liveness_start
        from jobs.receivers import slot_withdrawn_cancel_pending
        from slots.signals import slot_withdrawn

        slot_withdrawn.connect(slot_withdrawn_cancel_pending, dispatch_uid="jobs-cancel-pending-of-withdrawn-slot")

        worker_init.connect(_preload_providers, weak=False, dispatch_uid="jobs-preload-providers")
        worker_ready.connect(worker_liveness_start, weak=False, dispatch_uid="jobs-worker-liveness")
