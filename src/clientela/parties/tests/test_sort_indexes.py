"""`clientela sort_indexes`: a list page sorted in a reader's language reads that language's index."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from clientela.parties import listing

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_unknown_language_is_refused_by_name():
    with pytest.raises(CommandError, match="xx is not one of the interface's languages"):
        call_command("sort_indexes", languages="hu,xx")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes are PostgreSQL's")
def test_the_hungarian_list_order_reads_the_hungarian_index(cast):
    out = io.StringIO()
    call_command("sort_indexes", languages="hu", stdout=out)
    try:
        assert "created parties_contact_name_hu" in out.getvalue()
        filters = listing.ListFilters(entity="contact")
        with translation.override("hu"), connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")  # a small table: make the planner show what it can use
            sql, params = listing.filtered(cast.sales_north, filters)[:50].query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("SET enable_seqscan = on")
        assert "parties_contact_name_hu" in plan
    finally:
        call_command("sort_indexes", languages="hu", drop=True, stdout=io.StringIO())
