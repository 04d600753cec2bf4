"""Error pages for people: Chinese, in the site's layout, saying what to do instead.

JSON endpoints keep their JSON errors (bot.errors); every other path gets this page. A
403 names who the page is for (from the view's ``allowed_roles``) and the areas the
visitor's own role opens; a 404/405/500 offers the same way back.
"""

from __future__ import annotations

from flask import current_app, render_template, request, url_for

from bot.auth.accounts import ROLE_LABELS
from bot.auth.decorators import current_user
from bot.auth.nav import links_for
from bot.models import Role

TITLES = {
    400: "请求无法处理",
    403: "没有访问权限",
    404: "找不到该页面",
    405: "不支持的访问方式",
    413: "提交的内容过大",
    429: "操作过于频繁",
    500: "服务器出错了",
}
AREAS = {  # what each staff area is for, by URL prefix
    "/console": "知识库工作区（编辑、审核知识内容）",
    "/operator": "人工坐席工作区（接手转人工的市民会话）",
}
GENERIC = {
    400: "请求无法处理，请返回上一页重试。",
    404: "您访问的地址不存在，可能已被移动或输入有误。",
    405: "该地址不能直接打开（它只接收页面上的表单提交），请返回上一页从按钮操作。",
    413: "上传的文件或内容超过了允许的大小，请缩小后重试。",
    429: "请稍等一分钟后再试。",
    500: "处理请求时发生了意外错误，已记录日志。请稍后重试；如果反复出现，请联系管理员。",
}


def _allowed_roles() -> list[str]:
    view = current_app.view_functions.get(request.endpoint or "")
    roles = getattr(view, "allowed_roles", None) or ()
    order = [Role.EDITOR, Role.REVIEWER, Role.OPERATOR, Role.ADMIN]
    return [ROLE_LABELS[r] for r in order if r in roles]


def _explanation(status: int, description: str | None) -> str:
    if status == 403:
        area = next((text for prefix, text in AREAS.items() if request.path.startswith(prefix)), "")
        roles = "、".join(_allowed_roles())
        who = f"仅供{roles}使用" if roles else "需要其他权限"
        return f"此页面{'属于' + area + '，' if area else ''}{who}，您的账号没有访问权限。"
    if status in (400, 413) and description and not description.isascii():
        return description  # our own Chinese reasons (an expired form, the upload limit)
    return GENERIC.get(status, GENERIC[500])


def render_error_page(status: int, description: str | None = None) -> tuple[str, int]:
    """The page for ``status``; falls back to plain text if even the layout cannot render."""
    try:
        user = current_user()
        links = links_for(user)
        page = render_template(
            "errors/error.html",
            status=status,
            title=TITLES.get(status, TITLES[500]),
            explanation=_explanation(status, description),
            links=links,
            login_url=None if user else url_for("auth.login", next=request.full_path.rstrip("?")),
        )
    except Exception:  # noqa: BLE001 - the database or a template is what failed
        current_app.logger.exception("error page for %s could not be rendered", status)
        return f"{TITLES.get(status, TITLES[500])}：{GENERIC.get(status, GENERIC[500])}", status
    return page, status
