"""Staff accounts: creation, password checks, role changes. No self-registration."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.models import Role, User
from core.db import utcnow

MIN_PASSWORD_LENGTH = 8
ROLE_LABELS: dict[str, str] = {
    Role.EDITOR: "编辑",
    Role.REVIEWER: "审核员",
    Role.OPERATOR: "人工坐席",
    Role.ADMIN: "管理员",
}
# Computed once so a login attempt for an unknown user costs as much as a real check.
_DUMMY_HASH = generate_password_hash("wenzheng-timing-equaliser")


class AccountError(ValueError):
    """A refused account change; the message is shown to staff as is."""


def find_user(db: Session, username: str) -> User | None:
    return db.scalar(select(User).where(User.username == username))


def _check_role(role: str) -> str:
    if role not in ROLE_LABELS:
        raise AccountError(f"未知角色：{role}（可选：{'、'.join(ROLE_LABELS)}）")
    return role


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    return password


def create_user(
    db: Session,
    username: str,
    role: str,
    password: str,
    department: str | None = None,
    display_name: str = "",
) -> User:
    """Add an account (the caller commits)."""
    username = username.strip()
    if not username or len(username) > 100:
        raise AccountError("用户名不能为空，且不超过 100 个字符")
    if find_user(db, username) is not None:
        raise AccountError(f"用户名已存在：{username}")
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=generate_password_hash(_check_password(password)),
        role=_check_role(role),
        department=(department or "").strip() or None,
        active=True,
    )
    db.add(user)
    db.flush()
    return user


def authenticate(db: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None; records the login time."""
    user = find_user(db, username.strip())
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def _existing(db: Session, username: str) -> User:
    user = find_user(db, username)
    if user is None:
        raise AccountError(f"找不到用户：{username}")
    return user


def set_role(db: Session, username: str, role: str) -> User:
    user = _existing(db, username)
    user.role = _check_role(role)
    return user


def set_active(db: Session, username: str, active: bool) -> User:
    """Deactivated users cannot log in, and their open sessions stop working."""
    user = _existing(db, username)
    user.active = active
    return user
