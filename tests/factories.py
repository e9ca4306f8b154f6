from __future__ import annotations

import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from media.models import TemplateMedia
from media.services import template_media_create
from slots.models import Slot
from slots.services import slot_create
from tests.support import images


class SlotFactory(factory.django.DjangoModelFactory):
    """Creates slots through the real service; ``slot.secret`` holds the plaintext password."""

    class Meta:
        model = Slot

    name = factory.Sequence(lambda n: f"Booth {n}")
    provider = "local"
    operation = "sepia"
    params = factory.LazyFunction(dict)
    is_active = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        slot, secret = slot_create(**kwargs)
        slot.secret = secret
        return slot


class TemplateMediaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateMedia

    name = factory.Sequence(lambda n: f"Frame {n}")
    data = factory.LazyFunction(lambda: images.png(64, 48))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        import io

        return template_media_create(name=kwargs["name"], upload=io.BytesIO(kwargs["data"]))


class JobFactory(factory.django.DjangoModelFactory):
    """A job in any status, written directly (state-machine tests start from every state)."""

    class Meta:
        model = "jobs.Job"

    slot = factory.SubFactory(SlotFactory)
    provider = factory.SelfAttribute("slot.provider")
    operation = factory.SelfAttribute("slot.operation")
    params = factory.SelfAttribute("slot.params")
    status = "pending"
    created_at = factory.LazyFunction(timezone.now)
    deadline = factory.LazyAttribute(lambda job: job.created_at + timedelta(seconds=50))
    celery_task_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    finished_at = factory.LazyAttribute(lambda job: None if job.status in ("pending", "processing") else timezone.now())
    failure_code = factory.LazyAttribute(
        lambda job: job.status if job.status in ("failed_timeout", "failed_provider", "cancelled") else ""
    )
