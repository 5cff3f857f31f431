"""Forecasts: a manager's adjustment of the computed forecast, and snapshots of the forecast
kept to be compared later with what closed (`forecasting.compare_snapshot`).

An adjustment is a record like any other (logged through `core.records`); a snapshot is
written once and never changed — there is no action to update one — and its creation is
logged too. The figures themselves are read by `clientela.sales.forecasting`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.accounts.people import resolve_team, resolve_user
from clientela.accounts.roles import Role
from clientela.core import records
from clientela.core.changelog import append_event
from clientela.core.errors import FieldError, PermissionDenied, ValidationFailed
from clientela.core.models import Event
from clientela.core.money import is_currency
from clientela.core.visibility import require_write
from clientela.sales import forecasting
from clientela.sales.models import MONEY, ForecastAdjustment, ForecastCategory, ForecastSnapshot

if TYPE_CHECKING:
    from clientela.accounts.models import Team, User

# A manager adjusts what is still to be decided; what closed is a fact.
ADJUSTABLE = (ForecastCategory.PIPELINE, ForecastCategory.BEST_CASE, ForecastCategory.COMMIT)
MAX_AMOUNT = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"])
MAX_NOTE = 500
MAX_LABEL = 100
MAX_SNAPSHOT_PERIODS = 60  # five years of months: a snapshot stays a page of rows, not a history


def _period(name: str, value: Any, errors: list[FieldError]) -> dt.date | None:
    """A period: a date (or ISO "2026-12-15" / "2026-12"), as the first day of its month."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.date.fromisoformat(f"{text}-01" if len(text) == 7 else text)
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        errors.append(FieldError(name, "invalid", _("must be a date such as 2026-12-01")))
        return None
    return forecasting.month_start(value)


def _amount(value: Any, errors: list[FieldError]) -> Decimal | None:
    """Money is exact: a Decimal, a whole number or a decimal string, never a float."""
    amount: Decimal | None = None
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int) and not isinstance(value, bool):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite():
        errors.append(FieldError("amount", "invalid", _("must be an amount such as 1250.00")))
        return None
    if amount < 0:
        errors.append(FieldError("amount", "invalid", _("must not be negative")))
        return None
    if amount != amount.quantize(forecasting.CENT) or amount >= MAX_AMOUNT:
        errors.append(FieldError("amount", "invalid", _("at most two decimal places and 16 digits before them")))
        return None
    return amount.quantize(forecasting.CENT)


def _currency(value: Any, errors: list[FieldError]) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if not is_currency(code):
        errors.append(FieldError("currency", "invalid", _("is not an ISO 4217 currency code such as EUR")))
    return code


def _text(name: str, value: Any, limit: int, errors: list[FieldError]) -> str:
    if not isinstance(value, str):
        errors.append(FieldError(name, "invalid", _("must be text")))
        return ""
    text = value.strip()
    if len(text) > limit:
        errors.append(FieldError(name, "invalid", _("at most %(n)d characters") % {"n": limit}))
    return text


def _is_manager(actor: User) -> bool:
    return actor.is_active and actor.role == Role.MANAGER and actor.team_id is not None


def forecast_adjust(
    *,
    actor: User,
    period: Any,
    category: Any,
    amount: Any,
    currency: Any,
    owner: Any = None,
    team: Any = None,
    note: Any = "",
) -> ForecastAdjustment:
    """Record a manager's judgement on the forecast: for one period, category and currency, the
    amount they expect for one rep (`owner`), a whole team (`team`, no owner) or — only an
    administrator — the whole company (neither). A rep's adjustment belongs to the rep's team.

    Only an administrator, or a manager for their own team and its members, may adjust. Every
    input is checked at once (errors name the field); the adjustment is a new record each time,
    logged in the change log, and the latest one counts (`forecasting.forecast`), so the earlier
    judgements stay in the history."""
    if not actor.is_active or not (actor.policy.can_administer or _is_manager(actor)):
        raise PermissionDenied(_("only a team's manager or an administrator may adjust the forecast"))
    errors: list[FieldError] = []
    cleaned_period = _period("period", period, errors)
    if category not in ADJUSTABLE:
        errors.append(FieldError("category", "invalid", _("must be pipeline, best_case or commit")))
    cleaned_amount = _amount(amount, errors)
    code = _currency(currency, errors)
    text = _text("note", note, MAX_NOTE, errors)
    rep: User | None = resolve_user(owner, errors, field="owner")
    group: Team | None = resolve_team(team, errors, field="team")
    if rep is not None and group is None:
        group = rep.team
    elif rep is not None and group is not None and rep.team_id != group.pk:
        errors.append(FieldError("owner", "invalid", _("is not a member of this team")))
    if errors:
        raise ValidationFailed(errors)
    if not actor.policy.can_administer:
        if group is None:
            raise PermissionDenied(_("only an administrator may adjust the whole company's forecast"))
        if group.pk != actor.team_id:
            raise PermissionDenied(_("a manager adjusts the forecast of their own team only"))
    values = {
        "period": cleaned_period,
        "category": category,
        "amount": cleaned_amount,
        "currency": code,
        "owner": rep,
        "team": group,
        "note": text,
    }
    return records.create_record(ForecastAdjustment, actor=actor, values=values, action="forecastadjustment.create")


def forecast_snapshot_take(
    *, actor: User | None, first_period: Any, last_period: Any, label: Any = ""
) -> ForecastSnapshot:
    """Keep the forecast as it stands now: the rows of `forecasting.weighted_pipeline` (by period,
    owner, team, category and currency) for [first_period, last_period], as `actor` sees them (an
    administrator sees every deal), stored as JSON — Decimals as strings, owners and teams by
    public id — with the moment it was taken. A snapshot is never changed afterwards.

    `actor=None` is the background worker (a scheduled task, e.g. on the first day of each
    month): the snapshot then covers every deal and has no taker, and whoever compares it later
    sees the part they may see (`forecasting.compare_snapshot`)."""
    if actor is not None:
        require_write(actor)
    errors: list[FieldError] = []
    first = _period("first_period", first_period, errors)
    last = _period("last_period", last_period, errors)
    text = _text("label", label, MAX_LABEL, errors)
    if first is not None and last is not None:
        if last < first:
            errors.append(FieldError("last_period", "invalid", _("must not be before the first period")))
        elif len(forecasting.periods_between(first, last)) > MAX_SNAPSHOT_PERIODS:
            message = _("at most %(n)d months after the first period") % {"n": MAX_SNAPSHOT_PERIODS}
            errors.append(FieldError("last_period", "invalid", message))
    if errors or first is None or last is None:
        raise ValidationFailed(errors)
    if actor is None:
        rows = forecasting.weighted_pipeline_all(first_period=first, last_period=last)
    else:
        rows = forecasting.weighted_pipeline(actor, first_period=first, last_period=last)
    stored = forecasting.snapshot_rows(rows)
    taker = actor if actor is not None and actor.pk else None
    with transaction.atomic():
        snapshot = ForecastSnapshot.objects.create(
            taken_at=timezone.now(), taken_by=taker, label=text, first_period=first, last_period=last, rows=stored
        )
        changes: dict[str, list[Any]] = {
            "first_period": [None, first.isoformat()],
            "last_period": [None, last.isoformat()],
        }
        if text:
            changes["label"] = [None, text]
        append_event(
            actor=taker,
            action="forecastsnapshot.create",
            kind=Event.Kind.CREATED,
            record=snapshot,
            changes=changes,
            data={"rows": len(stored)},
        )
    return snapshot
