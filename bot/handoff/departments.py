"""Departments that answer handed-off questions: creation, listing, seeding the built-in set."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.handoff.sla import ServiceHours
from core.organisation import BUILT_IN, Department

WEEKDAY_HOURS: dict[str, Any] = {
    "days": [0, 1, 2, 3, 4],
    "start": "09:00",
    "end": "18:00",
    "tz": "Asia/Shanghai",
}


class DepartmentError(ValueError):
    """A refused department change; the message is shown as is."""


def list_departments(db: Session) -> list[Department]:
    return list(db.scalars(select(Department).order_by(Department.id)))


def save_department(
    db: Session,
    code: str,
    name: str,
    keywords: list[str],
    first_response_minutes: int = 10,
    resolution_minutes: int = 120,
    service_hours: dict[str, Any] | None = None,
) -> tuple[Department, bool]:
    """Create or update the department ``code`` (the caller commits); ``(row, created)``."""
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise DepartmentError("部门代码和名称不能为空")
    if not 0 < first_response_minutes <= resolution_minutes:
        raise DepartmentError("首次响应时限必须大于 0，且不超过办结时限")
    hours = WEEKDAY_HOURS if service_hours is None else service_hours
    try:
        ServiceHours.from_config(hours)
    except (KeyError, ValueError, TypeError) as exc:
        raise DepartmentError(f"服务时间格式不正确：{exc}") from exc
    department = db.scalar(select(Department).where(Department.code == code))
    created = department is None
    if department is None:
        department = Department(code=code)
        db.add(department)
    department.name = name
    department.keywords = [word.strip() for word in keywords if word.strip()]
    department.first_response_minutes = first_response_minutes
    department.resolution_minutes = resolution_minutes
    department.service_hours = dict(hours)
    db.flush()
    return department, created


def seed_demo(db: Session) -> int:
    """Create the built-in departments that do not exist yet; returns how many were created.

    Existing departments are left alone so admins' edits survive ``make demo``.
    """
    existing = {d.code for d in list_departments(db)}
    created = 0
    for department in BUILT_IN:
        if department.code not in existing:
            save_department(db, department.code, department.name, list(department.keywords),
                            department.first_response_minutes, department.resolution_minutes)
            created += 1
    return created
