"""Response-time limits (限时回应): service hours, due times, overdue flags, escalation (督办).

Targets count *service* minutes: a question asked on Friday evening is due a few minutes
after Monday's opening, not in the middle of the weekend. Every function takes ``now``
so tests (and replays) control the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_MAX_DAYS_AHEAD = 370  # a schedule with no open day at all must not loop forever


@dataclass(frozen=True)
class ServiceHours:
    """When a department answers; an empty ``Department.service_hours`` means around the clock."""

    days: frozenset[int] = frozenset(range(7))
    start: time = time(0, 0)
    end: time | None = None  # None: until midnight
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TZ))
    closed_dates: frozenset[date] = frozenset()

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> ServiceHours:
        config = config or {}
        return cls(
            days=frozenset(int(d) for d in config.get("days", range(7))),
            start=time.fromisoformat(config.get("start", "00:00")),
            end=time.fromisoformat(config["end"]) if config.get("end") else None,
            tz=ZoneInfo(config.get("tz", DEFAULT_TZ)),
            closed_dates=frozenset(date.fromisoformat(d) for d in config.get("closed_dates", ())),
        )

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The open interval of ``day`` (local), or None when closed all day."""
        if day.weekday() not in self.days or day in self.closed_dates:
            return None
        opens = datetime.combine(day, self.start, self.tz)
        closes = (
            datetime.combine(day, self.end, self.tz)
            if self.end
            else datetime.combine(day + timedelta(days=1), time(0, 0), self.tz)
        )
        return (opens, closes) if closes > opens else None

    def _windows_from(self, moment: datetime):
        """Open intervals that end after ``moment``, in order, clipped to start at ``moment``."""
        local = moment.astimezone(self.tz)
        for offset in range(_MAX_DAYS_AHEAD):
            window = self._window(local.date() + timedelta(days=offset))
            if window and window[1] > local:
                yield max(window[0], local), window[1]

    def is_open(self, now: datetime) -> bool:
        window = next(self._windows_from(now), None)
        return window is not None and window[0] <= now.astimezone(self.tz)

    def next_opening(self, now: datetime) -> datetime | None:
        """``now`` when open, else when the next open interval begins."""
        window = next(self._windows_from(now), None)
        return window[0] if window else None

    def add_service_minutes(self, start: datetime, minutes: int) -> datetime | None:
        """The moment ``minutes`` of open time have passed since ``start``."""
        remaining = timedelta(minutes=minutes)
        for opens, closes in self._windows_from(start):
            if opens + remaining <= closes:
                return (opens + remaining).astimezone(timezone.utc)
            remaining -= closes - opens
        return None

    def describe(self) -> str:
        """The schedule for citizens, e.g. 周一至周五 09:00–18:00."""
        days = sorted(self.days)
        if days == list(range(7)):
            day_text = "每天"
        elif days == list(range(days[0], days[-1] + 1)) and len(days) > 1:
            day_text = f"{WEEKDAYS_ZH[days[0]]}至{WEEKDAYS_ZH[days[-1]]}"
        else:
            day_text = "、".join(WEEKDAYS_ZH[d] for d in days)
        end = self.end.strftime("%H:%M") if self.end else "24:00"
        return f"{day_text} {self.start.strftime('%H:%M')}–{end}"


def describe_moment(moment: datetime, tz: ZoneInfo) -> str:
    """A local time for citizens, e.g. 12月1日（周一）09:00."""
    local = moment.astimezone(tz)
    return f"{local.month}月{local.day}日（{WEEKDAYS_ZH[local.weekday()]}）{local:%H:%M}"


class SlaStatus(TypedDict):
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_response_overdue: bool
    resolution_overdue: bool
    overdue: bool


def evaluate(handoff: Any, department: Any | None, now: datetime) -> SlaStatus:
    """Due times of ``handoff`` under ``department``'s targets and whether it is overdue now."""
    hours = ServiceHours.from_config(department.service_hours if department else None)
    created = handoff.created_at
    first_minutes = department.first_response_minutes if department else 10
    resolution_minutes = department.resolution_minutes if department else 120
    first_due = hours.add_service_minutes(created, first_minutes)
    resolution_due = hours.add_service_minutes(created, resolution_minutes)

    responded, resolved = handoff.first_response_at, handoff.resolved_at
    first_overdue = bool(first_due and (responded or now) > first_due)
    resolution_overdue = bool(resolution_due and (resolved or now) > resolution_due)
    return SlaStatus(
        first_response_due=first_due,
        resolution_due=resolution_due,
        first_response_overdue=first_overdue,
        resolution_overdue=resolution_overdue,
        overdue=first_overdue or resolution_overdue,
    )
