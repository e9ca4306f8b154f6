"""Staff-only thumbnails: the one way the admin site shows stored images."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from media.images import image_check
from media.services import media_delete
from tests.admin.test_job_admin import with_input
from tests.factories import JobFactory, ResultFactory, TemplateMediaFactory
from tests.support import hostile_images, images

pytestmark = pytest.mark.django_db


def job_thumb(job, kind: str) -> str:
    return f"/admin/jobs/job/{job.id}/thumbnail/{kind}/"


def decoded(response) -> Image.Image:
    assert response.status_code == 200, response
    assert response["Content-Type"] == "image/jpeg"
    img = Image.open(io.BytesIO(response.content))
    assert img.format == "JPEG"
    return img


def test_result_and_input_thumbnails_are_small_jpegs(admin_client):
    job = with_input(JobFactory(status="processing"))
    ResultFactory(job=job, data=images.jpeg(1600, 900))

    result = admin_client.get(job_thumb(job, "result"))
    photo = decoded(admin_client.get(job_thumb(job, "input")))

    assert decoded(result).size == (320, 180)
    assert photo.size == (320, 240)
    assert {"private", "no-store"} <= {part.strip() for part in result["Cache-Control"].split(",")}


def test_the_preview_size_is_larger(admin_client):
    job = JobFactory(status="completed")
    ResultFactory(job=job, data=images.jpeg(1600, 900))

    assert decoded(admin_client.get(job_thumb(job, "result"), {"size": "preview"})).size == (1024, 576)


def test_transparent_templates_get_a_white_background(admin_client):
    frame = Image.new("RGBA", (100, 50), (0, 0, 0, 0))
    buffer = io.BytesIO()
    frame.save(buffer, "PNG")
    template = TemplateMediaFactory(data=buffer.getvalue())

    thumb = decoded(admin_client.get(f"/admin/media/templatemedia/{template.id}/thumbnail/"))

    assert thumb.size == (100, 50)
    assert min(thumb.convert("L").getdata()) > 240


@pytest.mark.parametrize("who", ["anonymous", "not staff"])
def test_only_logged_in_staff_get_thumbnails(client, client_for, who):
    job = JobFactory(status="completed")
    ResultFactory(job=job)
    template = TemplateMediaFactory()
    visitor = (
        client if who == "anonymous" else client_for(staff=False, perms=("jobs.view_job", "media.view_templatemedia"))
    )

    for url in (job_thumb(job, "result"), f"/admin/media/templatemedia/{template.id}/thumbnail/"):
        response = visitor.get(url)
        assert response.status_code == 302, url
        assert "/admin/login/" in response["Location"]


def test_staff_need_the_view_permission(client_for):
    job = JobFactory(status="completed")
    ResultFactory(job=job)
    template = TemplateMediaFactory()
    staff = client_for(perms=())

    assert staff.get(job_thumb(job, "result")).status_code == 403
    assert staff.get(f"/admin/media/templatemedia/{template.id}/thumbnail/").status_code == 403
    allowed = client_for(perms=("jobs.view_job", "media.view_templatemedia"))
    assert allowed.get(job_thumb(job, "result")).status_code == 200
    assert allowed.get(f"/admin/media/templatemedia/{template.id}/thumbnail/").status_code == 200


def test_404_once_the_file_is_gone(admin_client):
    job = with_input(JobFactory(status="processing"))
    result = ResultFactory(job=job)
    template = TemplateMediaFactory()

    media_delete(media_id=job.input_media_id)
    default_storage.delete(result.storage_key)
    default_storage.delete(template.storage_key)

    assert admin_client.get(job_thumb(job, "input")).status_code == 404
    assert admin_client.get(job_thumb(job, "result")).status_code == 404
    assert admin_client.get(f"/admin/media/templatemedia/{template.id}/thumbnail/").status_code == 404


def test_404_for_an_expired_result_even_before_the_cleanup(admin_client):
    job = JobFactory(status="completed")
    ResultFactory(
        job=job, created_at=timezone.now() - timedelta(hours=73), expires_at=timezone.now() - timedelta(hours=1)
    )

    assert admin_client.get(job_thumb(job, "result")).status_code == 404


def test_404_for_unknown_jobs_kinds_and_jobs_without_a_result(admin_client):
    job = JobFactory(status="pending")

    assert admin_client.get(job_thumb(job, "result")).status_code == 404
    assert admin_client.get(job_thumb(job, "secret")).status_code == 404
    assert admin_client.get("/admin/jobs/job/00000000-0000-0000-0000-000000000000/thumbnail/result/").status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(hostile_images.repeated_scan_jpeg(), id="repeated-scans"),
        pytest.param(hostile_images.segment_flood_jpeg(), id="segment-flood"),
        pytest.param(hostile_images.sparse_png(8000, 8000), id="over-the-pixel-limit"),
    ],
)
def test_a_stored_file_the_decode_guard_refuses_is_a_404_at_once(admin_client, data):
    job = JobFactory(status="completed")
    ResultFactory(job=job, data=data)
    started = time.monotonic()
    assert admin_client.get(job_thumb(job, "result"), {"size": "preview"}).status_code == 404
    assert time.monotonic() - started < 0.5


def test_a_photo_whose_exif_outgrows_its_segment_gets_an_upright_thumbnail(admin_client):
    job = JobFactory(status="completed")
    ResultFactory(job=job, data=hostile_images.growing_exif_jpeg(orientation=6))
    assert decoded(admin_client.get(job_thumb(job, "result"))).size == (240, 320)


def test_the_web_s_own_upright_copy_of_a_large_flat_photo_gets_a_thumbnail(admin_client):
    """Stored files passed the upload check: the pixels-per-byte rule is for what a sender claims."""
    upright = image_check(io.BytesIO(hostile_images.flat_turned_webp(4000, 3200)), max_pixels=52_000_000).upright
    job = JobFactory(status="completed")
    ResultFactory(job=job, data=upright)
    assert decoded(admin_client.get(job_thumb(job, "result"))).size == (256, 320)
