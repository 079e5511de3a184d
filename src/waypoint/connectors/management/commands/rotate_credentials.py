"""Encrypt every stored credential again under the first key of WAYPOINT_ENCRYPTION_KEY."""

from django.core.management.base import BaseCommand
from django.db import transaction

from waypoint.connectors.models import Source
from waypoint.lib import vault


class Command(BaseCommand):
    help = "Re-encrypt the data sources' credentials under the first encryption key."

    def handle(self, *args, **options):
        done = failed = 0
        for source in Source.objects.exclude(secret="").only("pk", "secret").iterator():
            try:
                rotated = vault.rotate(source.secret)
            except vault.VaultError:
                failed += 1
                continue
            with transaction.atomic():
                Source.objects.filter(pk=source.pk).update(secret=rotated)
            done += 1
        self.stdout.write(f"{done} source(s) re-encrypted, {failed} unreadable with these keys.")
