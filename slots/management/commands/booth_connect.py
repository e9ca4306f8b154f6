"""``manage.py booth_connect``: what to type into DSLR Remote Pro (or scan on a tablet) per slot.

Prints each active slot's ingest URL (with ``--lan``, on this machine's venue-network address),
its password when ``--new-password`` issues one (only a hash is kept, so an existing password
cannot be shown again), and a QR code of the URL. ``scripts/serve --lan`` runs it once it serves.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ApplicationError
from slots.lan import NoLanAddress, is_loopback_url, lan_address, qr_text
from slots.models import Slot
from slots.services import slot_secret_rotate

HASH_ONLY_HINT = (
    "the one shown when the slot was created (only a hash is kept); "
    "`manage.py booth_connect --slot {id} --new-password` issues a new one"
)


class Command(BaseCommand):
    help = "Print each slot's booth URL, password and a QR code of the URL, for DSLR Remote Pro or a tablet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slot", action="append", metavar="ID", help="Only this slot (repeat for several).")
        parser.add_argument("--lan", action="store_true", help="Use this machine's LAN address for the URLs.")
        parser.add_argument("--port", type=int, default=8000, help="With --lan: the port served (default 8000).")
        parser.add_argument(
            "--new-password",
            action="store_true",
            help="Issue and print a new password for each --slot (a booth using the old one must be updated).",
        )
        parser.add_argument("--no-qr", action="store_true", help="Leave the QR codes out.")

    def handle(self, *args, **options) -> None:
        base = settings.PUBLIC_BASE_URL
        if options["lan"]:
            try:
                base = f"http://{lan_address(override=settings.LAN_ADDRESS or None)}:{options['port']}"
            except (NoLanAddress, ValueError) as exc:
                raise CommandError(str(exc)) from exc
        if options["new_password"] and not options["slot"]:
            raise CommandError("--new-password needs --slot ID: it changes that booth's password.")
        slots = self._slots(options["slot"])
        if not slots:
            self.stdout.write(
                "No active slots yet. Create one in the admin site or with `manage.py slot_create`, "
                "then run this again."
            )
            return
        self.stdout.write(
            "DSLR Remote Pro: Sharing → Web based (HTTP POST) post-processing; enter the URL and password below, "
            f"and set its timeout above {settings.T_SYNC_RESPONSE:g} s (e.g. {settings.T_SYNC_RESPONSE + 10:g} s).\n"
        )
        if is_loopback_url(base):
            self.stdout.write(
                self.style.WARNING(
                    f"These URLs point at {base}: only this machine reaches them. "
                    "Serve the venue network with `scripts/serve --lan`.\n"
                )
            )
        for slot in slots:
            url = f"{base}/ingest/{slot.id}"
            password = HASH_ONLY_HINT.format(id=slot.id)
            if options["new_password"]:
                try:
                    slot, password = slot_secret_rotate(slot=slot, version=slot.version)
                except ApplicationError as exc:
                    raise CommandError(f"{slot.name}: {exc.message}") from exc
            self.stdout.write(f"{slot.name}  ({slot.provider}:{slot.operation})")
            self.stdout.write(f"  URL:      {url}")
            self.stdout.write(f"  Password: {password}")
            if not options["no_qr"]:
                self.stdout.write(qr_text(url))

    def _slots(self, ids: list[str] | None) -> list[Slot]:
        if not ids:
            return list(Slot.objects.filter(is_active=True).order_by("name"))
        try:
            return [Slot.objects.get(pk=slot_id) for slot_id in ids]
        except (Slot.DoesNotExist, ValidationError) as exc:
            raise CommandError(f"No such slot: {', '.join(ids)}") from exc
