"""Expired refresh tokens do not pile up: beat flushes them every hour."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from photochanger.tasks import flush_expired_tokens

pytestmark = pytest.mark.django_db


def test_expired_refresh_tokens_are_flushed_and_live_ones_kept():
    user = get_user_model().objects.create_user(username="op", password="s3cret-pass")
    now = timezone.now()
    for jti, expires_at in (("old", now - timedelta(minutes=1)), ("live", now + timedelta(hours=1))):
        OutstandingToken.objects.create(user=user, jti=jti, token="t", created_at=now, expires_at=expires_at)

    flush_expired_tokens()

    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == ["live"]


def test_beat_flushes_expired_tokens_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["flush-expired-tokens"]
    assert entry == {"task": "photochanger.flush_expired_tokens", "schedule": 3600.0}
