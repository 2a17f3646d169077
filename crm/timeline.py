"""The 360° timeline: one list, newest first, merged from providers that apps register.

A provider returns the entries of one source (``"activities"`` here; ``"deals"``, ``"tickets"``,
``"emails"`` … from other apps) for a contact or company::

    from crm.timeline import Position, TimelineEntry, register_provider

    def ticket_entries(*, tenant, subject, before: Position | None, limit: int) -> list[TimelineEntry]:
        if not isinstance(subject, Contact):
            return []
        qs = Ticket.objects.filter(contact=subject)
        if before is not None:
            qs = qs.filter(before.q("tickets", at_field="opened_at"))
        return [TimelineEntry(occurred_at=t.opened_at, source="tickets", id=t.pk, kind="ticket",
                              kind_label=_("Ticket"), title=t.subject) for t in
                qs.order_by("-opened_at", "-id")[:limit]]

    register_provider("tickets", ticket_entries)   # in the app's AppConfig.ready()

Rules for providers: return at most ``limit`` entries, newest first, strictly older than
``before`` in the global order ``(occurred_at, source, id)`` descending (``before.q(...)``
builds that filter), with a constant number of queries (select_related what you render), and
only rows of the bound tenant (use the scoped ``Model.objects``).

``timeline_page(*, tenant, subject, cursor=None, limit=20) -> TimelinePage`` asks every provider
for ``limit`` entries, merges, and cuts at ``limit``; the cursor is the last entry's position.
Keyset pagination all the way: no OFFSET, deep pages cost what page 1 costs.
"""

from __future__ import annotations

import datetime
import heapq
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import Q

from accounts.models import USER_NAME_FIELDS
from crm.models import Activity, Company, Contact

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICRO = datetime.timedelta(microseconds=1)
_SOURCE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True, order=True)
class Position:
    """A point in the global timeline order; pages continue strictly after (older than) it."""

    occurred_at: datetime.datetime
    source: str
    id: int

    def q(self, source: str, *, at_field: str = "occurred_at", id_field: str = "id") -> Q:
        """Filter for ``source``'s rows strictly older than this position."""
        if source < self.source:
            return Q(**{f"{at_field}__lte": self.occurred_at})
        if source > self.source:
            return Q(**{f"{at_field}__lt": self.occurred_at})
        return Q(**{f"{at_field}__lt": self.occurred_at}) | Q(
            **{at_field: self.occurred_at, f"{id_field}__lt": self.id}
        )

    def encode(self) -> str:
        micros = (self.occurred_at - _EPOCH) // _MICRO
        return f"{micros}_{self.source}_{self.id}"

    @classmethod
    def decode(cls, cursor: str | None) -> Position | None:
        if not cursor:
            return None
        try:
            micros, rest = cursor.split("_", 1)
            source, pk = rest.rsplit("_", 1)
            when = _EPOCH + int(micros) * _MICRO
            if not _SOURCE_RE.match(source):
                return None
            return cls(when, source, int(pk))
        except (ValueError, OverflowError, TypeError):
            return None


@dataclass
class TimelineEntry:
    occurred_at: datetime.datetime
    source: str
    id: int
    kind: str
    kind_label: str
    title: str
    body: str = ""
    author: Any = None
    obj: Any = None  # the model instance, for templates
    template: str = ""  # optional partial to render the entry with
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def position(self) -> Position:
        return Position(self.occurred_at, self.source, self.id)


class TimelineProvider(Protocol):
    def __call__(
        self, *, tenant: Any, subject: Contact | Company, before: Position | None, limit: int
    ) -> list[TimelineEntry]: ...


_providers: dict[str, TimelineProvider] = {}


def register_provider(
    source: str, provider: TimelineProvider | Callable[..., list[TimelineEntry]]
) -> None:
    """Register (or replace) the provider of ``source`` (``[a-z][a-z0-9_]*``)."""
    if not _SOURCE_RE.match(source):
        raise ValueError(f"Bad timeline source name: {source!r}")
    _providers[source] = provider  # type: ignore[assignment]


def unregister_provider(source: str) -> None:
    _providers.pop(source, None)


def providers() -> dict[str, TimelineProvider]:
    return dict(_providers)


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    next_cursor: str | None


def timeline_page(
    *, tenant: Any, subject: Contact | Company, cursor: str | None = None, limit: int = 20
) -> TimelinePage:
    """One page of ``subject``'s timeline, newest first. ``cursor`` is the previous page's
    ``next_cursor`` (an invalid cursor starts from the top)."""
    limit = max(1, min(int(limit), 100))
    before = Position.decode(cursor)
    streams = []
    for _source, provider in sorted(_providers.items()):
        entries = provider(tenant=tenant, subject=subject, before=before, limit=limit + 1)
        streams.append(entries)
    merged = heapq.merge(*streams, key=lambda e: (e.occurred_at, e.source, e.id), reverse=True)
    page: list[TimelineEntry] = []
    seen: set[tuple[str, int]] = set()
    has_more = False
    for entry in merged:
        if (entry.source, entry.id) in seen:
            continue
        if len(page) == limit:
            has_more = True
            break
        seen.add((entry.source, entry.id))
        page.append(entry)
    return TimelinePage(
        entries=page, next_cursor=page[-1].position.encode() if has_more and page else None
    )


# --- the built-in provider: activities (calls, meetings, emails, notes, tasks) ----------------------

ACTIVITY_SOURCE = "activities"
_KIND_LABELS = dict(Activity.Kind.choices)
_ENTRY_FIELDS = (
    "id", "tenant_id", "kind", "subject", "body", "occurred_at", "contact_id", "company_id",
    "author_id", "due_at", "assignee_id", "completed_at", "remind_at",
    *(f"author__{name}" for name in USER_NAME_FIELDS),
    *(f"assignee__{name}" for name in USER_NAME_FIELDS),
    *(f"contact__{name}" for name in USER_NAME_FIELDS),
)  # fmt: skip


def _activity_entry(activity: Activity) -> TimelineEntry:
    return TimelineEntry(
        occurred_at=activity.occurred_at,
        source=ACTIVITY_SOURCE,
        id=activity.pk,
        kind=activity.kind,
        kind_label=str(_KIND_LABELS.get(activity.kind, activity.kind)),
        title=activity.subject,
        body=activity.body,
        author=activity.author,
        obj=activity,
        template="crm/timeline/activity.html",
    )


def activity_entries(
    *, tenant: Any, subject: Contact | Company, before: Position | None, limit: int
) -> list[TimelineEntry]:
    """Activities of a contact; for a company, its own and those of its contacts (two queries)."""
    # Only what an entry shows: whole user and contact rows cost more Python than SQL time.
    base = (
        Activity.objects.select_related("author", "assignee", "contact")
        .only(*_ENTRY_FIELDS)
        .order_by("-occurred_at", "-id")
    )
    if before is not None:
        base = base.filter(before.q(ACTIVITY_SOURCE))
    if isinstance(subject, Contact):
        rows = list(base.filter(contact=subject)[:limit])
    else:
        own = list(base.filter(company=subject)[:limit])
        via_contacts = list(
            base.filter(contact__company=subject, contact__deleted_at__isnull=True).exclude(
                company=subject
            )[:limit]
        )
        rows = sorted(own + via_contacts, key=lambda a: (a.occurred_at, a.pk), reverse=True)[:limit]
    return [_activity_entry(activity) for activity in rows]


register_provider(ACTIVITY_SOURCE, activity_entries)
