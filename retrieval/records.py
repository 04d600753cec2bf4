"""What retrieval indexes, as plain records, and the loader it reads them through.

Retrieval knows no database: the app hands a ``RecordLoader`` to ``RetrievalService``
(the knowledge base provides one), the way a pipeline component is given its inputs.
The records say what a search result shows; which revision of a source they come
from, and when it is in force, is the knowledge base's business.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PassageRecord:
    """One retrievable piece of a source: a FAQ question, an article, a guide field."""

    chunk_id: int
    role: str  # question | answer | article | section | field
    locator: str  # where it is in the source, e.g. 第二章 第十二条
    context: str  # what it belongs to (title, chapter), indexed with the text
    text: str


@dataclass(frozen=True)
class SourceRecord:
    """One source as citizens are shown it: a FAQ entry, policy document or service guide."""

    source_id: str
    kind: str  # faq | document | guide
    title: str
    version: str  # the version citizens see: a regulation's date, a publication date
    passages: tuple[PassageRecord, ...]
    url: str = ""
    department: str = ""
    question: str = ""  # a FAQ entry's question
    answer: str = ""  # a FAQ entry's answer
    source_title: str = ""  # where a FAQ answer comes from, e.g. 《社会保险法》第十条
    region: str = ""  # where the source's rule applies (全国, 上海市 ...)


class RecordLoader(Protocol):
    """Where the retrieval service reads what to index."""

    def in_force(self) -> list[SourceRecord]:
        """What citizens may find today: one source per id."""
        ...

    def terms(self) -> list[str]:
        """Words the tokenizer must keep whole (service names, agencies, short titles)."""
        ...

    def preview_stamp(self) -> Hashable:
        """Changes whenever ``preview`` would return something else (cheap to read)."""
        ...

    def preview(self) -> list[SourceRecord]:
        """What citizens would find once every draft is published and every publication
        not in force yet has taken effect: one source per id."""
        ...
