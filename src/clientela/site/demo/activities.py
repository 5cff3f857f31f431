"""Plans the demo's timeline: the calls, meetings, e-mails and notes around each deal, the
contacts' own touches (web forms, chats, inbound calls), the tasks of the sales people and a
few implementation projects.

Read from the deals already written (`load.write_sales`), with the same seeded streams as the
rest of the demo (a seed and a fixed `now` give the same plans). What it shows:

- each deal's conversation as it moved through its stages: a discovery call when it was
  opened, an introduction e-mail (often answered), a needs-analysis meeting, the quote sent by
  e-mail and a follow-up call, a negotiation meeting; a kick-off meeting once won, a feedback
  call once lost — each at office hours in the seller's time zone, near the stage change;
- open deals have their next step planned: a meeting in the coming two weeks (the calendar)
  and a follow-up task, some already overdue;
- about a third of the contacts without deals have reached out themselves (a web form, a
  chat, an inbound call, a missed call and its call-back);
- tasks done in the past beside the stage changes; implementation projects for the latest
  won deals, their tasks partly done.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from clientela.activities.actions.history import ActivityPlan, TaskPlan
from clientela.activities.models import Channel, Direction, Priority, TaskStatus
from clientela.channels.actions.history import EmailPlan
from clientela.site.demo.sales import DEFAULT_ZONE, ZONES

if TYPE_CHECKING:
    from clientela.accounts.models import User
    from clientela.parties.models import Contact
    from clientela.sales.models import Deal

PLACES = ("Customer's office", "Video call", "Our office", "Trade fair stand", "Plant visit")
OUTCOMES = ("answered", "answered", "answered", "voicemail", "no_answer", "busy")
PURPOSES = {
    "discovery": "Qualify the need",
    "intro": "Introduce our references",
    "analysis": "Needs analysis",
    "quote": "Send the quote",
    "follow": "Follow up the quote",
    "negotiate": "Negotiate terms",
    "kickoff": "Kick-off of the delivery",
    "feedback": "Learn why we lost",
}
PROJECT_TASKS = ("Site survey", "Install sensors", "Configure dashboards", "Train operators", "Acceptance test",
                 "Hand over documentation")  # fmt: skip
INBOUND_TOUCHES = ("web", "chat", "call", "missed")


@dataclass
class TimelinePlans:
    activities: list[ActivityPlan] = field(default_factory=list)
    emails: list[EmailPlan] = field(default_factory=list)
    tasks: list[TaskPlan] = field(default_factory=list)
    projects: list[tuple[dict[str, Any], list[TaskPlan]]] = field(default_factory=list)


class TimelineGenerator:
    def __init__(self, *, seed: int, now: dt.datetime, seeded_ids: bool = False,
                 domain: str = "demo.clientela.example") -> None:  # fmt: skip
        self.rng = random.Random(seed * 7919 + 12)
        # Message-IDs are unique in the world: from the seed only when asked (tests), else new each load.
        self._id_rng = random.Random(seed) if seeded_ids else random.SystemRandom()
        self.now = now
        self.domain = domain
        self._zones: dict[str, ZoneInfo] = {}

    # --- moments ---------------------------------------------------------------------------

    def zone(self, user: User) -> ZoneInfo:
        name = ZONES.get(getattr(user.team, "country", "") or "", DEFAULT_ZONE)
        if name not in self._zones:
            self._zones[name] = ZoneInfo(name)
        return self._zones[name]

    def at_work(self, near: dt.datetime, zone: ZoneInfo, *, days: float = 0.0) -> dt.datetime:
        """Office hours (Monday to Friday, 8:00 to 17:00, on the quarter hour) on the day `days`
        after `near`, or the next working day."""
        day = (near + dt.timedelta(days=days)).astimezone(zone).date()
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        minute = self.rng.randrange(8 * 4, 17 * 4) * 15
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=zone)

    def message_id(self) -> str:
        return f"<{uuid.UUID(int=self._id_rng.getrandbits(128), version=4)}@{self.domain}>"

    # --- plans -----------------------------------------------------------------------------

    def _activity(self, deal: Deal, channel: str, at: dt.datetime, purpose: str, **values: Any) -> ActivityPlan:
        return ActivityPlan(
            channel=channel, occurred_at=at, owner=deal.owner, team=deal.team, purpose=PURPOSES[purpose],
            contact=deal.contact, organization=deal.organization, deal=deal, **values,
        )  # fmt: skip

    def _call(self, deal: Deal, at: dt.datetime, purpose: str, subject: str) -> ActivityPlan:
        outcome = self.rng.choice(OUTCOMES)
        seconds = self.rng.randrange(180, 1800) if outcome == "answered" else self.rng.randrange(10, 60)
        return self._activity(deal, Channel.CALL, at, purpose, subject=subject, outcome=outcome,
                              duration_seconds=seconds)  # fmt: skip

    def _meeting(
        self, deal: Deal, at: dt.datetime, purpose: str, subject: str, attendees: list[Contact]
    ) -> ActivityPlan:
        hours = self.rng.choice((1, 1, 1.5, 2))
        others = [c for c in attendees if c.pk != getattr(deal.contact, "pk", None)][:2]
        return self._activity(deal, Channel.MEETING, at, purpose, subject=subject, place=self.rng.choice(PLACES),
                              ends_at=at + dt.timedelta(hours=hours), attendees=others,
                              direction=Direction.OUTBOUND)  # fmt: skip

    def _email(self, deal: Deal, at: dt.datetime, purpose: str, subject: str, body: str, *, inbound: bool,
               reply_to: str = "") -> EmailPlan | None:  # fmt: skip
        address = getattr(deal.contact, "primary_email", "") if deal.contact is not None else ""
        if not address or not deal.owner.email:
            return None
        activity = self._activity(deal, Channel.EMAIL, at, purpose, subject=subject, body=body,
                                  direction=Direction.INBOUND if inbound else Direction.OUTBOUND)  # fmt: skip
        sender, receiver = (address, deal.owner.email) if inbound else (deal.owner.email, address)
        name = deal.contact.full_name if inbound else deal.owner.display_name
        return EmailPlan(activity=activity, from_address=sender, from_name=name, to=[receiver],
                         message_id=self.message_id(), in_reply_to=reply_to)  # fmt: skip

    def deal_story(self, deal: Deal, moves: list[Any], colleagues: list[Contact], plans: TimelinePlans) -> None:
        """The conversation of one deal: its stage changes in order, each `(changed_at, stage)`."""
        zone = self.zone(deal.owner)
        customer = deal.organization.name if deal.organization is not None else deal.name
        opened = moves[0][0] if moves else deal.created_at
        first = self.at_work(opened, zone)
        if first < opened:  # the call that opened the deal: after it was entered, not before
            first = opened + dt.timedelta(minutes=self.rng.randrange(10, 120))
        plans.activities.append(self._call(deal, first, "discovery", f"Discovery call: {customer}"))
        intro = self._email(deal, self.at_work(opened, zone, days=1), "intro", f"References for {customer}",
                            "Thank you for your time today. As promised, our references in your industry are "
                            "attached below; I suggest we meet to go through your sites.", inbound=False)  # fmt: skip
        if intro is not None:
            plans.emails.append(intro)
            if self.rng.random() < 0.6:
                answered = intro.activity.occurred_at + dt.timedelta(minutes=self.rng.randrange(40, 3 * 24 * 60))
                reply = self._email(deal, answered, "intro",
                                    f"Re: References for {customer}", "Thanks, let us meet next week.",
                                    inbound=True, reply_to=intro.message_id)  # fmt: skip
                if reply is not None:
                    plans.emails.append(reply)
        for changed_at, stage in moves[1:]:
            at = self.at_work(changed_at, zone, days=-self.rng.choice((0, 1, 2)))
            if at > self.now:
                at = self.at_work(changed_at, zone)
            if stage.outcome == "won":
                plans.activities.append(self._meeting(deal, self.at_work(changed_at, zone, days=7), "kickoff",
                                                      f"Kick-off: {deal.name}", colleagues))  # fmt: skip
            elif stage.outcome == "lost":
                plans.activities.append(self._call(deal, at, "feedback", f"Feedback call: {deal.name}"))
            elif stage.position <= 1:
                plans.activities.append(self._meeting(deal, at, "analysis", f"Needs analysis: {customer}", colleagues))
            elif stage.position == 2:
                quote = self._email(
                    deal,
                    at,
                    "quote",
                    f"Our quote for {deal.name}",
                    "Please find our quote attached; it is valid for 30 days.",
                    inbound=False,
                )
                if quote is not None:
                    plans.emails.append(quote)
                plans.activities.append(self._call(deal, self.at_work(at, zone, days=3), "follow",
                                                   f"Quote follow-up: {deal.name}"))  # fmt: skip
            else:
                plans.activities.append(self._meeting(deal, at, "negotiate", f"Negotiation: {deal.name}", colleagues))
            plans.tasks.append(TaskPlan(
                title=f"Prepare: {stage.name} — {deal.name}"[:200], created_at=at - dt.timedelta(days=2),
                owner=deal.owner, team=deal.team, due_at=at, status=TaskStatus.DONE,
                completed_at=at - dt.timedelta(hours=self.rng.randrange(1, 30)), contact=deal.contact,
                organization=deal.organization, deal=deal,
            ))  # fmt: skip
        if deal.closed_on is None:
            self.next_steps(deal, colleagues, plans)
        if self.rng.random() < 0.25:
            at = self.at_work(opened, zone, days=self.rng.randrange(1, 20))
            if at < self.now:
                plans.activities.append(self._activity(deal, Channel.NOTE, at, "analysis",
                    direction=Direction.INTERNAL, subject="Note", body=self.rng.choice((
                        "Budget approved by the board; decision expected this quarter.",
                        "They compare us with two competitors; price is the main concern.",
                        "The plant manager is the real decision maker.",
                        "Wants the pilot on one production line first.")),
                ))  # fmt: skip

    def next_steps(self, deal: Deal, colleagues: list[Contact], plans: TimelinePlans) -> None:
        """An open deal's planned meeting (in the coming two weeks) and its follow-up task."""
        zone = self.zone(deal.owner)
        if self.rng.random() < 0.35:
            at = self.at_work(self.now, zone, days=self.rng.randrange(1, 14))
            plans.activities.append(self._meeting(deal, at, "negotiate", f"Next meeting: {deal.name}", colleagues))
        due = self.at_work(self.now, zone, days=self.rng.randrange(-6, 10))
        plans.tasks.append(TaskPlan(
            title=f"Follow up: {deal.name}"[:200], created_at=min(due, self.now) - dt.timedelta(days=5),
            owner=deal.owner, team=deal.team, due_at=due, remind_at=due - dt.timedelta(hours=1),
            priority=self.rng.choice((Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.URGENT)),
            contact=deal.contact, organization=deal.organization, deal=deal,
        ))  # fmt: skip

    def own_touches(self, contact: Contact, owner: User, plans: TimelinePlans) -> None:
        """A contact without deals who reached out: a web form, a chat, an inbound call or a missed
        call with its call-back task."""
        zone = self.zone(owner)
        kind = self.rng.choice(INBOUND_TOUCHES)
        at = self.at_work(self.now, zone, days=-self.rng.randrange(1, 700))
        common: dict[str, Any] = {"occurred_at": at, "owner": owner, "team": owner.team, "contact": contact,
                                  "direction": Direction.INBOUND}  # fmt: skip
        if kind == "web":
            plans.activities.append(ActivityPlan(channel=Channel.WEB, subject="Contact form: product brochure",
                                                 purpose="Information request", **common))  # fmt: skip
        elif kind == "chat":
            plans.activities.append(ActivityPlan(channel=Channel.CHAT, subject="Chat on the web site",
                                                 body="Asked about delivery times for sensors.",
                                                 purpose="Pre-sales question", **common))  # fmt: skip
        elif kind == "call":
            plans.activities.append(ActivityPlan(channel=Channel.CALL, subject="Inbound call", outcome="answered",
                                                 duration_seconds=self.rng.randrange(120, 900),
                                                 purpose="Pre-sales question", **common))  # fmt: skip
        else:
            plans.activities.append(ActivityPlan(channel=Channel.CALL, subject="Missed call", outcome="missed",
                                                 duration_seconds=0, purpose="Call-back", **common))  # fmt: skip
            done = at + dt.timedelta(hours=self.rng.randrange(1, 20))
            plans.tasks.append(TaskPlan(title=f"Call back {contact.full_name}"[:200], created_at=at, owner=owner,
                                        team=owner.team, due_at=at + dt.timedelta(hours=2), priority=Priority.HIGH,
                                        status=TaskStatus.DONE, completed_at=done, contact=contact))  # fmt: skip

    def project(self, deal: Deal) -> tuple[dict[str, Any], list[TaskPlan]]:
        """An implementation project for a won deal, its tasks done up to a point."""
        zone = self.zone(deal.owner)
        start = self.at_work(dt.datetime.combine(deal.closed_on, dt.time(9), tzinfo=zone), zone, days=7)
        values = {"name": f"Implementation — {deal.name}"[:200], "organization": deal.organization, "deal": deal,
                  "starts_on": start.date(), "due_on": (start + dt.timedelta(days=60)).date(),
                  "owner": deal.owner, "team": deal.team}  # fmt: skip
        tasks = []
        for index, title in enumerate(PROJECT_TASKS):
            due = self.at_work(start, zone, days=10 * (index + 1))
            done = due < self.now and self.rng.random() < 0.9
            tasks.append(TaskPlan(
                title=title, created_at=start, owner=deal.owner, team=deal.team, due_at=due,
                status=TaskStatus.DONE if done else TaskStatus.OPEN,
                completed_at=due - dt.timedelta(hours=3) if done else None, organization=deal.organization, deal=deal,
            ))  # fmt: skip
        return values, tasks
