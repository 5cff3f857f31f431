"""Background jobs of the accounts app, run by `clientela worker` (django-tasks, database backend)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from clientela.accounts import actions

# Not under registration/: django.contrib.auth (an app listed earlier) has a subject of that name.
RESET_SUBJECT_TEMPLATE = "accounts/password_reset_subject.txt"
RESET_EMAIL_TEMPLATE = "registration/password_reset_email.txt"
# Ahead of queued imports: somebody is waiting for this e-mail. (A worker busy with a long
# import still finishes it first; more workers, `clientela worker` again, take mail meanwhile.)
RESET_PRIORITY = 50
# How long a sent reset's task result (which holds the address typed) is kept, for an operator
# looking into a failure; the worker's housekeeping deletes it after that.
RESET_RESULTS_KEPT = dt.timedelta(hours=1)


@task(priority=RESET_PRIORITY)
def send_password_reset(email: str, domain: str, use_https: bool, language: str) -> None:
    """E-mail a password reset link to each active account with a usable password that uses
    `email`; for an address no such account uses, nothing.

    Looking the address up, making the token, rendering and sending the e-mail happen here in
    the worker, not in the request, so the reset page does the same work, and takes the same
    time, whether or not an account uses the address. Returns nothing: the task's stored
    result says nothing about whether there was such an account either.
    """
    with translation.override(language):
        form = PasswordResetForm({"email": email})
        if form.is_valid():
            form.save(
                domain_override=domain,
                use_https=use_https,
                subject_template_name=RESET_SUBJECT_TEMPLATE,
                email_template_name=RESET_EMAIL_TEMPLATE,
            )


def enqueue_password_reset(*, email: str, domain: str, use_https: bool, language: str) -> None:
    """Queue the reset e-mail for `email` (known or not), once the request's writes are committed;
    the link in it points at `domain` over https when `use_https`, in `language`."""
    transaction.on_commit(
        lambda: send_password_reset.enqueue(email=email, domain=domain, use_https=use_https, language=language)
    )


def forget_password_resets() -> int:
    """Housekeeping (`core/housekeeping.py`, run by `clientela worker`): delete the results of
    reset e-mails sent more than RESET_RESULTS_KEPT ago, and with them the addresses typed."""
    return actions.password_reset_results_forget(finished_before=timezone.now() - RESET_RESULTS_KEPT)
