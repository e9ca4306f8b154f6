"""``manage.py slot_check [--slot ID ... | --all]``: the sample portrait through each slot's real
pipeline (a worker must be running), one line per slot: OK or failed with the reason and the fix."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.provider_registry import provider_setup_problems
from ingest.models import SlotCheck
from ingest.slot_check import slot_checks_run
from slots.models import Slot


def _line(check: SlotCheck) -> str:
    state = "OK    " if check.ok else "FAILED"
    latency = f"{check.latency_seconds:.1f} s" if check.latency_seconds is not None else "—"
    text = f"{state} {check.slot.name} ({check.slot_id}) {check.provider}:{check.operation}"
    text += f" model={check.model or '—'} latency={latency}\n       {check.reason}"
    if check.fix and not check.ok:
        text += f"\n       Fix: {check.fix}"
    if check.job_id:
        text += f"\n       Job: {check.job_id}"
    return text


class Command(BaseCommand):
    help = (
        "Send the bundled sample portrait through slots' real pipeline and report per slot: OK or the reason "
        "it failed, latency and model. The checks are test runs: booth statistics leave them out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--slot", action="append", metavar="ID", help="A slot's id (repeat for several).")
        which.add_argument("--all", action="store_true", help="Every active slot.")
        parser.add_argument("--json", action="store_true", help="One JSON object per slot instead of text.")

    def handle(self, *args, **options) -> None:
        if options["all"]:
            slots = list(Slot.objects.filter(is_active=True).order_by("name"))
        else:
            try:
                slots = [Slot.objects.get(pk=slot_id) for slot_id in options["slot"]]
            except (Slot.DoesNotExist, ValidationError) as exc:  # ValidationError: not a UUID
                raise CommandError(f"No such slot: {', '.join(options['slot'])}") from exc
        if not slots:
            raise CommandError("No active slots to check.")
        if not options["json"]:
            for name, problem in provider_setup_problems().items():
                if any(slot.provider == name for slot in slots):
                    self.stderr.write(f"Warning: provider {name} is not configured. {problem}")
        checks = slot_checks_run(slots=slots)
        for check in checks:
            if options["json"]:
                self.stdout.write(json.dumps(_as_dict(check)))
            else:
                self.stdout.write(_line(check))
        failed = [check for check in checks if not check.ok]
        if failed:
            raise CommandError(f"{len(failed)} of {len(checks)} slot(s) failed the check.")


def _as_dict(check: SlotCheck) -> dict:
    return {
        "slot_id": str(check.slot_id),
        "slot": check.slot.name,
        "ok": check.ok,
        "reason_code": check.reason_code,
        "reason": check.reason,
        "fix": check.fix,
        "latency_seconds": check.latency_seconds,
        "model": check.model,
        "job_id": str(check.job_id) if check.job_id else None,
    }
