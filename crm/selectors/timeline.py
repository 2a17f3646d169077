"""The 360° timeline read, for views and the benchmark::

    timeline_page(*, tenant, subject: Contact | Company, cursor: str | None = None,
                  limit: int = 20) -> TimelinePage   # .entries (newest first), .next_cursor

Providers and the cursor format live in ``crm.timeline`` (the registry other apps plug into).
"""

from crm.timeline import TimelineEntry, TimelinePage, timeline_page

__all__ = ["TimelineEntry", "TimelinePage", "timeline_page"]
