"""Index snapshots: build from source records, save, load, and swap atomically.

A snapshot is an immutable folder ``gen-NNNNNN/`` (chunk table, BM25, FAISS). The
file ``CURRENT`` names the live one and is replaced with ``os.replace``, so readers
in any process see either the old or the new snapshot, never a half-built one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from retrieval.bm25 import BM25Index
from retrieval.config import PipelineConfig
from retrieval.dense import DenseIndex
from retrieval.embedder import Embedder
from retrieval.keyterms import KeyTerms
from retrieval.records import SourceRecord


@dataclass(frozen=True)
class IndexedChunk:
    """What a search result needs to know about a chunk, without the database."""

    chunk_id: int
    source_id: str
    kind: str
    role: str
    title: str
    locator: str
    text: str
    url: str
    version: str
    department: str
    question: str
    answer: str
    search_text: str
    source_title: str = ""  # where a FAQ answer comes from, e.g. 《社会保险法》第十条
    region: str = ""  # where the source's rule applies, as imported (全国, 上海市 ...)

    @property
    def cited_locator(self) -> str:
        """A FAQ entry is cited by the source its answer names; others by their position."""
        if self.kind == "faq":
            return self.source_title or "常见问题"
        return self.locator


def chunk_records(sources: list[SourceRecord]) -> list[IndexedChunk]:
    records = []
    for source in sources:
        for passage in source.passages:
            search_text = f"{passage.context}\n{passage.text}".strip() if passage.context else passage.text
            records.append(
                IndexedChunk(
                    chunk_id=passage.chunk_id,
                    source_id=source.source_id,
                    kind=source.kind,
                    role=passage.role,
                    title=source.title,
                    locator=passage.locator,
                    text=passage.text,
                    url=source.url,
                    version=source.version,
                    department=source.department,
                    question=source.question,
                    answer=source.answer,
                    search_text=search_text,
                    source_title=source.source_title,
                    region=source.region,
                )
            )
            for view in article_views(passage.text) if passage.role == "article" else ():
                records.append(
                    replace(records[-1], role="view", search_text=f"{passage.context}\n{view}".strip())
                )
    return records


# An article longer than this is also indexed by its opening sentence and its paragraphs.
LONG_ARTICLE_CHARS = 80
_SENTENCE_END = re.compile(r"[。：:；]")


def article_views(text: str) -> list[str]:
    """Parts of a long article indexed on their own besides the whole, each pointing at
    the article. The opening sentence states what the article is about (收养人应当向收养登记
    机关提交收养申请书和下列证件、证明材料：) and a paragraph holds one rule; in the whole
    article, the list of details dilutes both the embedding and BM25's length norm."""
    if len(text) <= LONG_ARTICLE_CHARS:
        return []
    views = []
    end = _SENTENCE_END.search(text, 12)
    if end and end.end() < len(text) * 0.8:
        views.append(text[: end.end()])
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    if len(paragraphs) >= 2:
        views.extend(paragraphs)
    return list(dict.fromkeys(views))


@dataclass
class Snapshot:
    generation: int
    built_at: float
    chunks: list[IndexedChunk]
    bm25: BM25Index
    dense: DenseIndex
    # Policy terms jieba knew when the BM25 index was cut; a reader must know them too.
    terms: list[str] = field(default_factory=list)
    # Key terms mined from the knowledge base (name -> kind), see retrieval.keyterms.
    names: dict[str, str] = field(default_factory=dict)

    @property
    def item_count(self) -> int:
        return len({c.source_id for c in self.chunks})

    @classmethod
    def build(
        cls,
        generation: int,
        chunks: list[IndexedChunk],
        embedder: Embedder,
        config: PipelineConfig,
        terms: list[str] | None = None,
    ) -> Snapshot:
        texts = [c.search_text for c in chunks]
        vectors = embedder.embed_passages(texts) if texts else np.zeros((0, embedder.dim), np.float32)
        return cls(
            generation=generation,
            built_at=time.time(),
            chunks=chunks,
            bm25=BM25Index.build(texts, k1=config.bm25.k1, b=config.bm25.b),
            dense=DenseIndex.build(
                vectors, exact_max=config.dense.exact_max, hnsw_m=config.dense.hnsw_m, hnsw_ef_search=config.dense.hnsw_ef_search
            ),
            terms=list(terms or []),
            names=KeyTerms.mine(chunks, terms or [], config.synonyms).kinds,
        )

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        with (folder / "chunks.jsonl").open("w", encoding="utf-8") as out:
            for chunk in self.chunks:
                out.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
        self.bm25.save(folder)
        self.dense.save(folder)
        (folder / "terms.txt").write_text("\n".join(self.terms), encoding="utf-8")
        (folder / "names.json").write_text(json.dumps(self.names, ensure_ascii=False), encoding="utf-8")
        meta = {"generation": self.generation, "built_at": self.built_at, "chunks": len(self.chunks)}
        (folder / "meta.json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, folder: Path) -> Snapshot:
        meta = json.loads((folder / "meta.json").read_text())
        with (folder / "chunks.jsonl").open(encoding="utf-8") as lines:
            chunks = [IndexedChunk(**json.loads(line)) for line in lines]
        terms_file = folder / "terms.txt"
        terms = terms_file.read_text(encoding="utf-8").split("\n") if terms_file.exists() else []
        names_file = folder / "names.json"
        names = json.loads(names_file.read_text(encoding="utf-8")) if names_file.exists() else {}
        return cls(
            meta["generation"], meta["built_at"], chunks, BM25Index.load(folder), DenseIndex.load(folder),
            [t for t in terms if t], names,
        )


class IndexStore:
    """The generations on disk and the ``CURRENT`` pointer."""

    keep = 3

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_name(self) -> str | None:
        try:
            return self.pointer.read_text().strip() or None
        except FileNotFoundError:
            return None

    def next_generation(self) -> int:
        numbers = [int(p.name[4:]) for p in self.root.glob("gen-*") if p.name[4:].isdigit()]
        return max(numbers, default=0) + 1

    def load_current(self) -> Snapshot | None:
        name = self.current_name()
        return Snapshot.load(self.root / name) if name else None

    def publish(self, snapshot: Snapshot) -> None:
        """Write the snapshot, then point ``CURRENT`` at it in one atomic rename."""
        name = f"gen-{snapshot.generation:06d}"
        staging = self.root / f".staging-{name}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        snapshot.save(staging)
        os.replace(staging, self.root / name)
        tmp = self.root / f".CURRENT-{os.getpid()}"
        tmp.write_text(name)
        os.replace(tmp, self.pointer)
        self._prune(keep_name=name)

    def _prune(self, keep_name: str) -> None:
        generations = sorted(p for p in self.root.glob("gen-*") if p.is_dir())
        for old in generations[: -self.keep]:
            if old.name != keep_name:
                shutil.rmtree(old, ignore_errors=True)
