"""The public boundary's one input rule: no control characters in any text a request carries.

Query strings, form fields, upload file names, JSON bodies and URL path parts reach the views with
``knowledge_base.text.strip_controls`` applied (the same rule importers and the WeChat
parser use). Stripping rather than refusing: an invisible character pasted into a question
must not cost the citizen their message, and SQLite and PostgreSQL (which cannot store NUL)
then keep exactly the same text.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property

from knowledge_base.text import strip_controls


def clean_value(value: Any) -> Any:
    """Strings (also dict keys) of a parsed JSON value with control characters stripped."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list):
        return [clean_value(item) for item in value]
    if isinstance(value, dict):
        return {strip_controls(str(key)): clean_value(item) for key, item in value.items()}
    return value


def _clean_pairs(values: MultiDict[str, str]) -> list[tuple[str, str]]:
    return [(strip_controls(key), strip_controls(value)) for key, value in values.items(multi=True)]


class CleanRequest(Request):
    """Flask's request with the input rule applied to args, form, file names and JSON."""

    @cached_property
    def args(self) -> MultiDict[str, str]:
        return ImmutableMultiDict(_clean_pairs(super().args))

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        super()._load_form_data()
        self.__dict__["form"] = ImmutableMultiDict(_clean_pairs(self.__dict__["form"]))
        for upload in self.__dict__["files"].values():
            if upload.filename:
                upload.filename = strip_controls(upload.filename)

    def get_json(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return clean_value(super().get_json(*args, **kwargs))
        except RecursionError:  # nested deeper than the parser (or the clean-up) can follow
            if kwargs.get("silent"):
                return None
            return self.on_json_loading_failed(ValueError("JSON nested too deeply"))


def init_app(app: Flask) -> None:
    app.request_class = CleanRequest

    @app.url_value_preprocessor
    def _clean_path(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        for key, value in (values or {}).items():
            if isinstance(value, str):
                values[key] = strip_controls(value)  # type: ignore[index]
