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


@pytest.mark.parametrize(("kind", "suffix", "writer"), IMPORTS, ids=lambda v: str(v)[:6])
def test_faq_and_guide_imports(target, kind, suffix, writer):
    editor = target.staff["sec-editor"]
    route = f"/console/import ({kind} {suffix})"
    token = _csrf(editor, target.url + "/console/transfer")

    @given(_contents(suffix, writer), _names(suffix))
    def attempt(content, name):
        label, data = content
        label += name[0]
        before = target.counts()
        response = target.send(route, label, "POST", "/console/import", session=editor,
                               data={"kind": kind, "csrf_token": token},
                               files={"file": (name[1], data)}, timeout=120)
        if response.status_code == 200:
            upload = re.search(r'action="/console/import/([0-9a-f]{32})"', response.text)
            assert upload, response.text[:500]
            cancelled = target.send(route, label, "POST", f"/console/import/{upload.group(1)}",
                                    session=editor,
                                    data={"decision": "cancel", "csrf_token": token})
            assert cancelled.status_code == 302
        target.unchanged(before, route, label)

    attempt()


@pytest.mark.parametrize(("suffix", "writer"), DOCUMENTS, ids=lambda v: str(v)[:6])
def test_document_uploads(target, suffix, writer):
    editor = target.staff["sec-editor"]
    route = f"/console/documents/upload ({suffix})"
    token = _csrf(editor, target.url + "/console/documents/upload")

    @given(_contents(suffix, writer), _names(suffix))
    def attempt(content, name):
        label, data = content
        label += name[0]
        before = target.counts()
        response = target.send(route, label, "POST", "/console/documents/upload",
                               session=editor, data={"csrf_token": token},
                               files={"file": (name[1], data)}, timeout=120)
        if response.status_code >= 400:
            target.unchanged(before, route, label)
        else:
            assert response.status_code == 302
            after = target.counts()
            assert after["kb_items"] - before["kb_items"] in (0, 1)  # one draft, or a repeat

    attempt()


def _csrf(session, url: str) -> str:
    page = session.get(url, timeout=30).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:300]
    return match.group(1)
