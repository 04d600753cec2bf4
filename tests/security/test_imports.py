"""Every console import format with generated bad, truncated and malicious files.

A refused file leaves no row and no file behind; a previewed import that is cancelled
leaves nothing either; a document that does import becomes one draft, nothing else.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.security import files
from tests.security.conftest import csrf_of
from tests.security.strategies import hostile_text, long_line

IMPORTS = [("faq", suffix, writer) for suffix, writer in files.FAQ_FORMATS.items()]
IMPORTS += [("guide", suffix, writer) for suffix, writer in files.GUIDE_FORMATS.items()]
DOCUMENTS = list(files.DOCUMENT_FORMATS.items())


def _contents(suffix: str, writer) -> st.SearchStrategy[tuple[str, bytes]]:
    good = writer("社保卡怎么补办？", "携带身份证到社保经办机构办理。")
    return st.one_of(
        st.tuples(hostile_text | long_line, hostile_text | long_line).map(
            lambda t: ("control characters, odd text and very long lines", writer(*t))),
        st.integers(0, len(good) - 1).map(lambda n: ("truncated files", good[:n])),
        st.binary(max_size=2000).map(lambda b: ("invalid UTF-8 / raw bytes", b)),
        st.sampled_from(files.malicious(suffix)),
    )


def _names(suffix: str) -> st.SearchStrategy[tuple[str, str]]:
    return st.one_of(
        st.just(("", f"faq{suffix}")),
        st.sampled_from(files.FILENAME_TRICKS).map(lambda n: (", path tricks in file names",
                                                             n + suffix)),
    )


def _files(suffix: str, writer) -> st.SearchStrategy[tuple[str, str, bytes]]:
    """``(kind of input, file name, content)``."""
    return st.tuples(_contents(suffix, writer), _names(suffix)).map(
        lambda t: (t[0][0] + t[1][0], t[1][1], t[0][1]))


@pytest.mark.parametrize(("kind", "suffix", "writer"), IMPORTS, ids=lambda v: str(v)[:6])
def test_faq_and_guide_imports(target, kind, suffix, writer):
    editor = target.staff["sec-editor"]
    route = f"/console/import ({kind} {suffix})"
    token = csrf_of(editor, target.url + "/console/transfer")

    @given(_files(suffix, writer))
    def attempt(upload):
        label, name, data = upload
        before = target.counts()
        response = target.send(route, label, "POST", "/console/import", session=editor,
                               data={"kind": kind, "csrf_token": token},
                               files={"file": (name, data)}, timeout=120)
        if response.status_code == 200:  # the preview: cancelling it must leave nothing
            kept = re.search(r'action="/console/import/([0-9a-f]{32})"', response.text)
            assert kept, response.text[:500]
            cancel = {"decision": "cancel", "csrf_token": token}
            cancelled = target.send(route, label, "POST", f"/console/import/{kept.group(1)}",
                                    session=editor, data=cancel)
            assert cancelled.status_code == 302
        target.unchanged(before, route, label)

    attempt()


@pytest.mark.parametrize(("suffix", "writer"), DOCUMENTS, ids=lambda v: str(v)[:6])
def test_document_uploads(target, suffix, writer):
    editor = target.staff["sec-editor"]
    route = f"/console/documents/upload ({suffix})"
    token = csrf_of(editor, target.url + "/console/documents/upload")

    @given(_files(suffix, writer))
    def attempt(upload):
        label, name, data = upload
        before = target.counts()
        response = target.send(route, label, "POST", "/console/documents/upload",
                               session=editor, data={"csrf_token": token},
                               files={"file": (name, data)}, timeout=120)
        if response.status_code >= 400:
            target.unchanged(before, route, label)
        else:  # one draft (or none: the same file again), nothing else
            assert response.status_code == 302
            assert target.counts()["kb_items"] - before["kb_items"] in (0, 1)

    attempt()
