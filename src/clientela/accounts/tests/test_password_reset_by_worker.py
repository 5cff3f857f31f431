"""Password reset by e-mail: the page only checks, counts and queues; the job worker looks the
address up and sends the e-mail, so the page does the same work for a known and an unknown address."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clientela.accounts.models import User
from clientela.accounts.tasks import send_password_reset
from clientela.accounts.tests.conftest import sign_in

TASK = "clientela.accounts.tasks.send_password_reset"
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
NEW = "a-much-better-passphrase-42"


@pytest.fixture(autouse=True)
def _locmem_mail(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def tasks_run_at_once(settings) -> None:
    """The queued task runs as soon as the request's writes commit, as a worker would run it."""
    settings.TASKS = IMMEDIATE_TASKS


def ask_reset(client: Client, email: str, **extra: str):
    with TestCase.captureOnCommitCallbacks(execute=True):  # the task is queued once the request's writes commit
        return client.post(reverse("accounts:password_reset"), {"email": email}, **extra)


def queued() -> list[dict]:
    return [row.args_kwargs["kwargs"] for row in DBTaskResult.objects.filter(task_path=TASK).order_by("enqueued_at")]


def _reset_link() -> str:
    assert len(mail.outbox) == 1
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/\S+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def _shape(sql: str) -> str:
    """A statement without its values: what was done, not to which address or at what time."""
    return re.sub(r"\d+", "0", re.sub(r"'(?:[^']|'')*'", "?", sql))


def test_a_known_and_an_unknown_address_each_queue_one_task_and_the_page_sends_nothing(client, cast):
    known = ask_reset(client, "sales_north@example.test")
    unknown = ask_reset(client, "nobody@example.test")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []
    assert queued() == [
        {"email": "sales_north@example.test", "domain": "testserver", "use_https": False, "language": "en"},
        {"email": "nobody@example.test", "domain": "testserver", "use_https": False, "language": "en"},
    ]


def test_the_page_runs_the_same_statements_for_a_known_and_an_unknown_address(client, cast):
    ask_reset(client, "warm-up@example.test")  # the session and caches, out of the comparison
    with CaptureQueriesContext(connection) as for_known:
        ask_reset(client, "sales_north@example.test")
    with CaptureQueriesContext(connection) as for_unknown:
        ask_reset(client, "nobody@example.test")
    known = [_shape(query["sql"]) for query in for_known.captured_queries]
    unknown = [_shape(query["sql"]) for query in for_unknown.captured_queries]
    assert known == unknown
    assert not [sql for sql in known if "accounts_user" in sql]  # nobody is looked up in the request


def test_a_throttled_request_queues_nothing(client, cast, settings):
    settings.PASSWORD_RESET_MAX_PER_EMAIL = 1
    ask_reset(client, "sales_north@example.test")
    ask_reset(client, "sales_north@example.test")
    assert len(queued()) == 1


def test_the_task_emails_a_reset_link_to_the_account_using_the_address(cast):
    send_password_reset.call(email="Sales_North@Example.test", domain="crm.example.test", use_https=True, language="en")
    assert [message.to for message in mail.outbox] == [["sales_north@example.test"]]
    assert mail.outbox[0].subject == "Choose a new Clientela password"
    assert "https://crm.example.test/accounts/password/reset/" in mail.outbox[0].body


def test_the_task_sends_nothing_to_an_address_no_active_account_uses(cast):
    User.objects.filter(pk=cast.sales_south.pk).update(is_active=False)
    for email in ("nobody@example.test", "sales_south@example.test"):
        send_password_reset.call(email=email, domain="crm.example.test", use_https=True, language="en")
    assert mail.outbox == []


def test_the_email_is_written_in_the_language_of_the_page(client, cast, tasks_run_at_once):
    ask_reset(client, "sales_north@example.test", HTTP_ACCEPT_LANGUAGE="hu")
    assert mail.outbox[0].subject == "Új Clientela-jelszó megadása"


def test_password_reset_mails_a_link_that_sets_a_new_password_once(client, cast, tasks_run_at_once):
    response = ask_reset(client, "sales_north@example.test")
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox[0].to == ["sales_north@example.test"]
    link = _reset_link()
    form_page = client.get(link, follow=True)
    assert b'name="new_password1"' in form_page.content
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert sign_in(client, "sales_north", NEW).status_code == 302
    client.post(reverse("accounts:logout"))
    # The link works once.
    again = client.get(link, follow=True)
    assert b"not valid" in again.content


def test_password_reset_says_the_same_for_an_unknown_address(client, cast, tasks_run_at_once):
    response = ask_reset(client, "nobody@example.test")
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_the_job_worker_sends_the_emails_the_page_queued(client, cast, keep_signals):
    client.post(reverse("accounts:password_reset"), {"email": "sales_north@example.test"})
    client.post(reverse("accounts:password_reset"), {"email": "nobody@example.test"})
    assert mail.outbox == []
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)
    assert [message.to for message in mail.outbox] == [["sales_north@example.test"]]
    results = DBTaskResult.objects.filter(task_path=TASK)
    assert [result.status for result in results] == ["SUCCESSFUL", "SUCCESSFUL"]
    assert [result.return_value for result in results] == [None, None]  # the results tell nothing either


@pytest.mark.django_db(transaction=True)
def test_the_worker_forgets_the_addresses_of_resets_sent_over_an_hour_ago(client, cast, keep_signals):
    from clientela.core import housekeeping

    client.post(reverse("accounts:password_reset"), {"email": "sales_north@example.test"})
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)
    result = DBTaskResult.objects.get(task_path=TASK)
    assert "sales_north@example.test" in str(result.args_kwargs)
    assert "accounts.password_resets" in housekeeping.registered()

    housekeeping.run_checks()  # sent just now: kept, for an operator looking into a failure
    assert DBTaskResult.objects.filter(task_path=TASK).exists()
    DBTaskResult.objects.filter(pk=result.pk).update(finished_at=timezone.now() - dt.timedelta(hours=2))
    assert housekeeping.run_checks()["accounts.password_resets"] == 1
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()
