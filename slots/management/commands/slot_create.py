"""``manage.py slot_create``: create a slot from the shell and print its ingest URL and password."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ValidationFailed
from slots.services import slot_create, slot_ingest_url


def _param(text: str) -> tuple[str, object]:
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise CommandError(f"--param takes name=value, got {text!r}")
    try:
        value = json.loads(raw)  # numbers, booleans and lists arrive typed
    except json.JSONDecodeError:
        value = raw
    return name, value


class Command(BaseCommand):
    help = "Create a slot and print its id, ingest URL and password (the password is shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--provider", default="local")
        parser.add_argument("--operation", required=True)
        parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
        parser.add_argument("--inactive", action="store_true", help="Create the slot disabled.")
        parser.add_argument(
            "--on-failure",
            default="error",
            help="What the booth prints when the operation fails or is late: error, original or local:<operation>.",
        )
        parser.add_argument("--on-failure-param", action="append", default=[], metavar="NAME=VALUE")
        parser.add_argument("--answer-by", type=float, default=None, help="Seconds; under the booth's own timeout.")
        parser.add_argument(
            "--budget-daily",
            default=None,
            metavar="AMOUNT",
            help="Cap on the slot's estimated provider spend per UTC day (PROVIDER_PRICES_CURRENCY); none: no cap.",
        )
        parser.add_argument(
            "--budget-total", default=None, metavar="AMOUNT", help="Cap on its estimated spend over all time."
        )

    def handle(self, *args, **options) -> None:
        params = dict(_param(text) for text in options["param"])
        try:
            slot, secret = slot_create(
                name=options["name"],
                provider=options["provider"],
                operation=options["operation"],
                params=params,
                is_active=not options["inactive"],
                on_failure=options["on_failure"],
                on_failure_params=dict(_param(text) for text in options["on_failure_param"]),
                answer_by=options["answer_by"],
                budget_daily=options["budget_daily"],
                budget_total=options["budget_total"],
            )
        except ValidationFailed as exc:
            raise CommandError(json.dumps({"fields": exc.fields})) from exc
        self.stdout.write(
            json.dumps(
                {
                    "id": str(slot.id),
                    "name": slot.name,
                    "provider": slot.provider,
                    "operation": slot.operation,
                    "params": slot.params,
                    "on_failure": slot.on_failure,
                    "answer_by": slot.answer_by,
                    # Strings, as the API writes amounts; null: no cap.
                    "budget_daily": None if slot.budget_daily is None else str(slot.budget_daily),
                    "budget_total": None if slot.budget_total is None else str(slot.budget_total),
                    "ingest_url": slot_ingest_url(slot=slot),
                    "password": secret,
                },
                indent=2,
            )
        )
