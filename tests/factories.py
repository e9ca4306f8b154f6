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


class RegisteredMediaFactory(factory.django.DjangoModelFactory):
    """A temporary file registered for URL-fetching providers (docs/spec.md, UC4), created through
    ``media_register``."""

    class Meta:
        model = "media.MediaObject"

    data = factory.LazyFunction(lambda: images.jpeg(64, 48))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        import io

        from media.services import media_register

        return media_register(upload=io.BytesIO(kwargs["data"]))


class ResultFactory(factory.django.DjangoModelFactory):
    """A completed job's result with a real image stored at ``results/{job_id}.jpg``.

    ``data`` is the stored bytes; ``ResultFactory(expires_at=...)`` for a result near its TTL.
    """

    class Meta:
        model = "jobs.Result"

    job = factory.SubFactory(JobFactory, status="completed")
    data = factory.LazyFunction(lambda: images.jpeg(64, 48))
    content_type = "image/jpeg"
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda result: result.created_at + timedelta(hours=72))
    expired_at = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from media.services import storage_write

        data = kwargs.pop("data")
        key = f"results/{kwargs['job'].id}.jpg"
        size = storage_write(key=key, content=data)
        return model_class.objects.create(storage_key=key, size=size, **kwargs)


class QueuedJobFactory(JobFactory):
    """A job with its input photo stored and registered, as ingest leaves it (``input=<bytes>``
    chooses the photo)."""

    @factory.post_generation
    def input(job, create, extracted, **kwargs):  # noqa: N805 (factory_boy passes the object)
        from media.models import MediaObject
        from media.services import storage_write

        if not create:
            return
        key = f"inputs/{job.id}.jpg"
        size = storage_write(key=key, content=extracted or images.jpeg(64, 48))
        job.input_media = MediaObject.objects.create(
            kind="ingest_input",
            storage_key=key,
            content_type="image/jpeg",
            size=size,
            created_at=job.created_at,
            expires_at=job.deadline,
        )
        job.save(update_fields=["input_media"])
