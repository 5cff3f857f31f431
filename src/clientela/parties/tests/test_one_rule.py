"""One rule, one place: the import and the actions refuse the same input with the same
message (the defects found when they were checked by separate code)."""

from __future__ import annotations

from typing import Any

import pytest

from clientela.core.errors import ValidationFailed
from clientela.parties import actions
from clientela.parties.cleaning import MAX_POINTS
from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.importing.rows import VALID_ROWS_ONLY
from clientela.parties.models import Contact
from clientela.parties.tests.importing_files import write_csv
from clientela.testing import factories

TOO_MANY = MAX_POINTS + 11  # 31


def _addresses(count: int) -> list[Any]:
    return [f"person{n}@example.test" for n in range(count)]


def test_the_action_refuses_a_contact_with_31_emails(cast):
    with pytest.raises(ValidationFailed) as failed:
        actions.contact_create(
            actor=cast.sales_north,
            values={"last_name": "Many"},
            collections=actions.Collections(emails=_addresses(TOO_MANY)),
        )
    assert [(e.field, e.code) for e in failed.value.errors] == [("emails", "too_many")]


def test_an_import_row_with_31_emails_is_refused_as_the_action_refuses_it(cast, tmp_path):
    first, *others = _addresses(TOO_MANY)
    path = write_csv(
        tmp_path / "many.csv",
        [["Many", first, ";".join(others)], ["Few", "few@example.test", "few2@example.test"]],
        header=["Last name", "E-mail", "Other e-mails"],
    )
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact", mode=VALID_ROWS_ONLY))
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "Other e-mails", f"at most {MAX_POINTS} entries")
    ]
    assert list(Contact.objects.values_list("last_name", flat=True)) == ["Few"]


def test_an_import_row_with_20_emails_is_accepted(cast, tmp_path):
    first, *others = _addresses(MAX_POINTS)
    path = write_csv(
        tmp_path / "twenty.csv", [["Twenty", first, ";".join(others)]], header=["Last name", "E-mail", "Other e-mails"]
    )
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact", mode=VALID_ROWS_ONLY))
    assert report.errors == []
    assert Contact.objects.get().points.count() == MAX_POINTS


def test_a_deactivated_user_cannot_be_made_a_records_owner(cast):
    cast.sales_north_2.is_active = False
    cast.sales_north_2.save(update_fields=["is_active"])
    with pytest.raises(ValidationFailed) as failed:
        actions.contact_create(actor=cast.sales_north, values={"last_name": "X", "owner": cast.sales_north_2})
    assert [(e.field, e.code) for e in failed.value.errors] == [("owner", "inactive")]
    contact = factories.contact(cast.sales_north)
    for owner in (cast.sales_north_2, str(cast.sales_north_2.public_id), cast.sales_north_2.username):
        with pytest.raises(ValidationFailed) as failed:
            actions.contact_update(actor=cast.sales_north, contact=contact, values={"owner": owner})
        assert failed.value.errors[0].field == "owner"
    with pytest.raises(ValidationFailed):
        actions.record_assign(actor=cast.manager_north, record=contact, owner=cast.sales_north_2)


def test_an_import_refuses_a_deactivated_owner_with_the_actions_message(cast, tmp_path):
    cast.sales_north_2.is_active = False
    cast.sales_north_2.save(update_fields=["is_active"])
    path = write_csv(tmp_path / "x.csv", [["A", "sales_north_2"]], header=["Last name", "Owner"])
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact", mode=VALID_ROWS_ONLY))
    assert [(e.column, e.message) for e in report.errors] == [("Owner", "sales_north_2 is not active")]
    assert not Contact.objects.exists()
