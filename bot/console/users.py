"""Account administration for admins (the web twin of `flask users ...`)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.auth import current_user, role_required
from bot.auth.accounts import ROLE_LABELS, AccountError, create_user, set_active, set_role
from bot.console.blueprint import bp
from bot.db import get_db
from bot.models import Role, User
from core.organisation import Department


def _page(error: str | None = None, status: int = 200):
    db = get_db()
    return render_template(
        "console/users.html", users=db.scalars(select(User).order_by(User.username)).all(),
        roles=ROLE_LABELS, departments=db.scalars(select(Department).order_by(Department.code)).all(),
        error=error, values=request.form if error else {},
    ), status


@bp.route("/users")
@role_required(Role.ADMIN)
def user_list():
    return _page()


@bp.route("/users", methods=["POST"])
@role_required(Role.ADMIN)
def user_create():
    db = get_db()
    form = request.form
    try:
        create_user(db, form.get("username", ""), form.get("role", ""), form.get("password", ""),
                    form.get("department"), form.get("display_name", ""))
    except AccountError as exc:
        db.rollback()
        return _page(str(exc), 400)
    db.commit()
    flash(f"已创建用户 {form['username'].strip()}。", "success")
    return redirect(url_for("console.user_list"))


@bp.route("/users/<username>", methods=["POST"])
@role_required(Role.ADMIN)
def user_update(username: str):
    """Change the role, or (de)activate; admins cannot lock themselves out."""
    db = get_db()
    form = request.form
    try:
        if username == current_user().username:  # type: ignore[union-attr]
            raise AccountError("不能修改自己的角色或停用自己的账号。")
        if "role" in form:
            set_role(db, username, form["role"])
        if "active" in form:
            set_active(db, username, form["active"] == "1")
    except AccountError as exc:
        db.rollback()
        return _page(str(exc), 400)
    db.commit()
    flash(f"已更新用户 {username}。", "success")
    return redirect(url_for("console.user_list"))
