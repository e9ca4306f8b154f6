"""Slot checks through the live stack: the sample portrait through each slot's real pipeline
(web process's services, Redis queue, prefork worker, google-genai against the stand-in)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ingest.models import SlotCheck
from ingest.samples import SAMPLE_PORTRAIT
from ingest.slot_check import slot_checks_run
from jobs.activity import slot_stats_list, stats_since
from jobs.models import Job, JobStatus
from tests.support import images
from tests.support.gemini_stub import blocked, error, hang

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def _gemini_slot(booth_slot, name: str = "Pirate", **params):
    return booth_slot(
        name=name, provider="gemini", operation="edit", params={"prompt": "Make {name} a pirate", **params}
    )


def test_a_working_slot_passes_with_its_latency_model_and_result_and_is_no_booth_statistic(
    live_stack, booth_slot, gemini
):
    local, pirate = booth_slot(operation="sepia"), _gemini_slot(booth_slot)

    checks = slot_checks_run(slots=[local, pirate])

    for check in checks:
        assert (check.ok, check.reason_code) == (True, "ok"), check.reason
        assert 0 < check.latency_seconds < 2
        job = Job.objects.get(pk=check.job_id)
        assert job.is_test_run and job.status == JobStatus.COMPLETED
        assert job.result.size > 0
    assert checks[1].model == "gemini-2.5-flash-image"
    # The portrait the stand-in received is the bundled one, with a name for the prompt's {name}.
    [request] = gemini.requests
    assert request.prompts == ["Make Sample Guest a pirate"]
    assert request.images[0][1:3] == images.decode(SAMPLE_PORTRAIT.read_bytes()).size
    stats = {s.slot_id: s for s in slot_stats_list(since=stats_since())}
    assert stats[local.id].total == 0 and stats[pirate.id].total == 0


@pytest.mark.parametrize(
    ("behaviour", "code", "words"),
    [
        (error(429, "Resource has been exhausted (e.g. check quota)."), "quota", "Quota"),
        (blocked("SAFETY"), "refused", "Refused"),
        (error(404, "models/gemini-9 is not found for API version v1beta"), "model_not_found", "Model not found"),
        (error(403, "API key not valid. Please pass a valid API key."), "key_refused", "Key refused"),
        (hang(5), "too_slow", "Too slow for the deadline"),
    ],
    ids=["quota", "refused", "model-not-found", "key-refused", "too-slow"],
)
def test_each_way_a_provider_fails_is_said_in_plain_words_with_a_fix(
    live_stack, booth_slot, gemini, behaviour, code, words
):
    gemini.default = behaviour
    slot = _gemini_slot(booth_slot, model="gemini-9" if code == "model_not_found" else "gemini-2.5-flash-image")

    [check] = slot_checks_run(slots=[slot])

    assert (check.ok, check.reason_code) == (False, code), check.reason
    assert check.reason.startswith(words)
    assert check.fix
    assert Job.objects.get(pk=check.job_id).is_test_run


def test_a_provider_without_a_key_is_reported_as_key_missing_with_how_to_set_it(live_stack, booth_slot):
    slot = booth_slot(provider="gemini_nokey", operation="edit", params={"prompt": "Make it pop"})

    [check] = slot_checks_run(slots=[slot])

    assert (check.ok, check.reason_code) == (False, "key_missing")
    assert "GEMINI_API_KEY" in check.fix


def test_a_disabled_slot_is_not_started_and_says_so(live_stack, booth_slot):
    [check] = slot_checks_run(slots=[booth_slot(is_active=False)])

    assert (check.ok, check.reason_code, check.job_id) == (False, "slot_disabled", None)
    assert "Enable the slot" in check.fix


def test_the_command_reports_every_active_slot_and_fails_when_one_fails(live_stack, booth_slot, gemini, capsys):
    gemini.default = error(429, "Quota exceeded.")
    good, bad = booth_slot(name="A sepia"), _gemini_slot(booth_slot, name="B pirate")
    booth_slot(name="C off", is_active=False)

    with pytest.raises(CommandError, match="1 of 2 slot"):
        call_command("slot_check", "--all")

    out = capsys.readouterr().out
    assert f"OK     A sepia ({good.id}) local:sepia" in out
    assert f"FAILED B pirate ({bad.id}) gemini:edit" in out
    assert "Quota: the provider said too many requests" in out and "Fix: " in out
    assert "C off" not in out
    assert SlotCheck.objects.filter(finished_at__lte=timezone.now()).count() == 2


def test_the_command_checks_one_slot_by_id_and_refuses_an_unknown_one(live_stack, booth_slot, capsys):
    slot = booth_slot()

    call_command("slot_check", "--slot", str(slot.id), "--json")

    assert '"ok": true' in capsys.readouterr().out
    with pytest.raises(CommandError, match="No such slot"):
        call_command("slot_check", "--slot", "not-a-slot")
