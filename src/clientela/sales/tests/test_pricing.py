"""The totals rule: the published example, each currency's minor unit, and — for any
quantities, prices, discounts and tax rates — totals that are the sums of their lines, lines
whose gross is net plus tax, every amount rounded to the currency's minor unit."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from clientela.core.money import minor_unit, round_money
from clientela.sales.pricing import Line, line_totals, totals


def test_the_example_of_the_issue_three_at_19_99_less_10_percent_at_27_percent():
    result = line_totals(Line(Decimal("3"), Decimal("19.99"), Decimal("10"), Decimal("27")), "EUR")
    assert (result.net, result.tax, result.gross) == (Decimal("53.97"), Decimal("14.57"), Decimal("68.54"))


def test_amounts_round_half_up_to_the_iso_4217_minor_unit():
    assert minor_unit("EUR") == 2 and minor_unit("HUF") == 2 and minor_unit("JPY") == 0 and minor_unit("KWD") == 3
    assert round_money(Decimal("0.125"), "EUR") == Decimal("0.13")
    assert round_money(Decimal("-0.125"), "EUR") == Decimal("-0.13")  # half away from zero, as half-up means
    assert round_money(Decimal("2.5"), "JPY") == Decimal("3")
    assert round_money(Decimal("1.0005"), "KWD") == Decimal("1.001")


def test_a_document_without_lines_totals_zero_in_its_currency():
    result = totals([], "EUR")
    assert (result.net, result.tax, result.gross, result.lines) == (Decimal("0.00"),) * 3 + ((),)


def _decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=places, allow_nan=False)


LINES = st.builds(
    Line,
    quantity=_decimals("0", "100000", 3),
    unit_price=_decimals("0", "1000000", 4),
    discount_percent=_decimals("0", "100", 2),
    tax_rate=_decimals("0", "50", 2),
)


@given(lines=st.lists(LINES, max_size=20), currency=st.sampled_from(["EUR", "HUF", "JPY", "KWD", "TRY", "RON"]))
def test_totals_are_the_sums_of_their_lines_each_rounded_to_the_minor_unit(lines, currency):
    result = totals(lines, currency)
    step = Decimal(1).scaleb(-minor_unit(currency))
    assert result.net == sum((t.net for t in result.lines), Decimal(0))
    assert result.tax == sum((t.tax for t in result.lines), Decimal(0))
    assert result.gross == result.net + result.tax == sum((t.gross for t in result.lines), Decimal(0))
    for line, each in zip(lines, result.lines, strict=True):
        assert each.gross == each.net + each.tax
        for amount in (each.net, each.tax):
            assert amount == amount.quantize(step) and amount >= 0
        exact = line.quantity * line.unit_price * (1 - line.discount_percent / 100)
        assert abs(each.net - exact) <= step / 2
        assert abs(each.tax - each.net * line.tax_rate / 100) <= step / 2
