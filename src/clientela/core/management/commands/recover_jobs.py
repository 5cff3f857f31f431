"""`clientela recover_jobs`: run the job worker's housekeeping checks once (the worker runs them
itself when it starts and every half minute): e.g. hand on an import whose worker stopped."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clientela.core import housekeeping


class Command(BaseCommand):
    help = "Hand on background jobs whose worker stopped (what `clientela worker` does by itself)."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, result in housekeeping.run_checks().items():
            self.stdout.write(f"{name}: {result if result is not None else 'failed (see the log)'}")
