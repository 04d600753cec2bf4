"""Departments that answer handed-off questions: creation, listing, the demo set."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.handoff.sla import ServiceHours
from bot.models import Department

WEEKDAY_HOURS: dict[str, Any] = {
    "days": [0, 1, 2, 3, 4],
    "start": "09:00",
    "end": "18:00",
    "tz": "Asia/Shanghai",
}


# (code, name, first-response minutes, resolution minutes, routing keywords)
DEMO_DEPARTMENTS: tuple[tuple[str, str, int, int, str], ...] = (
    ("shebao", "社保", 10, 120,
     "社保 社会保险 养老保险 养老金 退休 失业 工伤 生育 社保卡 参保 缴费基数 灵活就业"),
    ("yibao", "医保", 10, 120, "医保 医疗保险 医疗保障 报销 门诊 住院 异地就医 医保卡 定点医院 大病"),
    ("gongjijin", "公积金", 10, 120, "公积金 住房公积金 提取 贷款 缴存 租房提取"),
    ("huji", "户籍", 10, 180, "户籍 户口 落户 迁移 身份证 居住证 出生登记 出入境 护照"),
    ("shuiwu", "税务", 10, 180, "个税 个人所得税 纳税 退税 专项附加扣除 汇算 发票 税务"),
    ("minzheng", "民政", 15, 240,
     "民政 低保 最低生活保障 婚姻 结婚 离婚 收养 救助 殡葬 养老服务 残疾人 高龄补贴"),
    ("jiaotong", "交通", 15, 240, "交通 驾驶证 驾照 机动车 违章 车牌 停车 公交 年检"),
    ("zonghe", "综合", 15, 240, "投诉 建议 办事指南 政务服务"),
)


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
    """Create the demo departments that do not exist yet; returns how many were created.

    Existing departments are left alone so admins' edits survive ``make demo``.
    """
    existing = {d.code for d in list_departments(db)}
    created = 0
    for code, name, first_response, resolution, keywords in DEMO_DEPARTMENTS:
        if code not in existing:
            save_department(db, code, name, keywords.split(), first_response, resolution)
            created += 1
    return created
