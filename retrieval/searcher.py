"""One search over one snapshot: encode, retrieve from both indexes, fuse, focus on the aspect."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from core.text import search_key
from retrieval.bm25 import top_ids
from retrieval.channels import Channel, Channels
from retrieval.config import PipelineConfig
from retrieval.decision import HANDOFF, Decision, decide
from retrieval.embedder import Embedder
from retrieval.fusion import Candidate, fuse
from retrieval.index import IndexedChunk, Snapshot
from retrieval.keyterms import CONFLICT, KeyTerms, subject_of
from retrieval.query import aspect_of, contextualize, is_follow_up
from retrieval.region import applies, place_of, places_in
from retrieval.spelling import HomophoneSpeller
from retrieval.text import dictionary_words, is_word
from retrieval.vocabulary import curated_terms


@dataclass
class SearchRun:
    """Ranked candidates of one query, and how long each stage took (ms)."""

    candidates: list[Candidate]
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Turn:
    """One chat turn searched: the query as understood, its ranking and the decision."""

    understood: str
    run: SearchRun
    decision: Decision
    channel: Channel | None = None  # whom to ask instead, for a handoff


class Searcher:
    def __init__(self, snapshot: Snapshot, embedder: Embedder, config: PipelineConfig) -> None:
        self.snapshot = snapshot
        self.embedder = embedder
        self.config = config
        self._by_source: dict[str, list[int]] = defaultdict(list)
        for i, chunk in enumerate(snapshot.chunks):
            self._by_source[chunk.source_id].append(i)
        self._faq_answers = {
            source_id: np.array([i for i in ids if snapshot.chunks[i].role == "answer"], dtype=np.int64)
            for source_id, ids in self._by_source.items()
            if snapshot.chunks[ids[0]].kind == "faq"
        }
        # A FAQ entry's place is the one its question names (上海什么家庭可以吃低保？).
        self._places = {c.source_id: place_of(c.region or c.title) for c in snapshot.chunks}
        self._home = place_of(config.region.home)
        self._speller = HomophoneSpeller(
            [*curated_terms(), *config.synonyms.words], is_word, dictionary_words
        )
        # A snapshot written before key terms were mined gets its inventory now.
        self.keyterms = (
            KeyTerms(snapshot.names, config.synonyms) if snapshot.names
            else KeyTerms.mine(snapshot.chunks, snapshot.terms, config.synonyms)
        )
        self.channels = Channels(snapshot.chunks)
        self._subjects: dict[IndexedChunk, str] = {}
        self._texts: dict[IndexedChunk, str] = {}

    def turn(self, query: str, history: list[str]) -> Turn:
        """Search a chat turn. A follow-up is searched in the earlier turn's topic, and what
        already answered that earlier turn is not offered first again."""
        understood = contextualize(query, history)
        run = self.run(understood)
        if understood != query and self.config.fusion.follow_up_weight:
            run = self._blend(run, self.run(query), self.config.fusion.follow_up_weight)
        if understood != query and len(run.candidates) > 1 and not self._asked_for(run.candidates[0], query):
            told = self.run(understood.removesuffix(query).strip()).candidates[:1]
            if told:
                self._step_aside(run, told[0].key, self.config.fusion.repeat_margin)
        topical = not is_follow_up(understood)
        decision = decide(run.candidates, self.config, topical=topical)
        channel = self.channels.for_question(run.candidates) if decision.decision == HANDOFF else None
        return Turn(understood, run, decision, channel)

    @staticmethod
    def _blend(in_topic: SearchRun, alone: SearchRun, weight: float) -> SearchRun:
        """A follow-up searched in the earlier topic, with what the turn says by itself
        counting ``weight``: "那试用期公司能随便辞退我吗" asks something new about 试用期."""
        own = {c.key: c.fused for c in alone.candidates}
        floor = min(own.values(), default=0.0)
        for cand in in_topic.candidates:
            cand.fused = (cand.fused + weight * own.get(cand.key, floor)) / (1 + weight)
        in_topic.candidates.sort(key=lambda c: c.fused, reverse=True)
        return in_topic

    @staticmethod
    def _step_aside(run: SearchRun, told: tuple[str, str], margin: float) -> None:
        """What already answered the earlier turn gives first place to the runner-up if
        that one is within ``margin``; far behind, it is a stray match, not the new answer."""
        first, second = run.candidates[0], run.candidates[1]
        if first.key == told and first.fused - second.fused <= margin:
            run.candidates[:2] = [second, first]

    @staticmethod
    def _asked_for(candidate: Candidate, query: str) -> bool:
        """True when the candidate is the very guide field the turn asks about: asked
        again, it is answered again."""
        chunk = candidate.chunk
        return chunk.kind == "guide" and chunk.locator == aspect_of(query, chunk.title)

    def run(self, query: str) -> SearchRun:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        key = search_key(query)
        if self.config.spelling.homophones:
            key = self._speller.correct(key)
        t0 = time.perf_counter()
        vector = self.embedder.embed_queries([key])[0]
        t1 = time.perf_counter()
        dense_hits = self.snapshot.dense.search(vector, self.config.fusion.candidates)
        t2 = time.perf_counter()
        bm25_scores = self.snapshot.bm25.scores(key, self.config.synonyms)
        # Each retriever also scores what only the other one found: a passage the dense
        # index ranked 51st still counts its shared words, and the other way round.
        ids = np.union1d(dense_hits[0], top_ids(bm25_scores, self.config.fusion.candidates))
        ids = np.union1d(ids, self._answers_of(ids))
        dense_hits = _ranked(ids, self.snapshot.dense.score(vector, ids))
        bm25_hits = _ranked(ids, bm25_scores[ids])
        t3 = time.perf_counter()
        fused = fuse(self.snapshot.chunks, dense_hits, bm25_hits, self.config)
        candidates = self._focus(self._localize(self._agree(fused, key), query), query)
        t4 = time.perf_counter()
        timings.update(
            query=(t0 - started) * 1000,
            encode=(t1 - t0) * 1000, faiss=(t2 - t1) * 1000, bm25=(t3 - t2) * 1000, fusion=(t4 - t3) * 1000
        )
        return SearchRun(candidates, timings)

    def _answers_of(self, ids: np.ndarray) -> np.ndarray:
        """The answer chunks of the FAQ entries among ``ids``: fusion weighs a FAQ's answer
        along with its question."""
        faqs = {self.snapshot.chunks[i].source_id for i in ids.tolist()} & self._faq_answers.keys()
        return np.concatenate([self._faq_answers[f] for f in faqs]) if faqs else np.zeros(0, np.int64)

    def _agree(self, candidates: list[Candidate], key: str) -> list[Candidate]:
        """A candidate about another thing of the kind the question names (结婚证 for a
        身份证 question) falls behind; the first few learn whether they name it at all."""
        asked = self.keyterms.in_question(key)
        if not asked:
            return candidates
        for cand in candidates:
            cand.agreement = self.keyterms.agreement(asked, self._subject(cand.chunk))
            if cand.agreement == CONFLICT:
                cand.fused -= self.config.keyterms.conflict_penalty
        candidates.sort(key=lambda c: c.fused, reverse=True)
        for cand in candidates[: self.config.decision.max_candidates * 3]:
            cand.on_topic = self.keyterms.mentions(asked, self._text(cand.chunk), normalized=True)
        return candidates

    def _subject(self, chunk: IndexedChunk) -> str:
        subject = self._subjects.get(chunk)
        if subject is None:
            subject = self._subjects[chunk] = subject_of(chunk)
        return subject

    def _text(self, chunk: IndexedChunk) -> str:
        text = self._texts.get(chunk)
        if text is None:
            text = self._texts[chunk] = search_key(f"{chunk.title}\n{chunk.search_text}")
        return text

    def _localize(self, candidates: list[Candidate], query: str) -> list[Candidate]:
        """Rules made for another place than the one asked about (or, when none is named,
        than this deployment's home) fall behind those that apply."""
        if not self.config.region.penalty:
            return candidates
        asked = places_in(query)
        for cand in candidates:
            if not applies(self._places[cand.chunk.source_id], asked, self._home):
                cand.fused -= self.config.region.penalty
        return sorted(candidates, key=lambda c: c.fused, reverse=True)

    def _focus(self, candidates: list[Candidate], query: str) -> list[Candidate]:
        """When a guide matches and the question names an aspect (材料, 地点 ...), answer
        with that field of the guide: it inherits the guide's best scores."""
        if not aspect_of(query) or not candidates:
            return candidates
        best: dict[str, Candidate] = {}
        for cand in candidates:
            if cand.chunk.kind == "guide" and cand.chunk.source_id not in best:
                best[cand.chunk.source_id] = cand
        focused: dict[tuple[str, str | None], Candidate] = {}
        for source_id, top in best.items():
            aspect = aspect_of(query, top.chunk.title)
            field_chunk = next(
                (self.snapshot.chunks[i] for i in self._by_source[source_id]
                 if self.snapshot.chunks[i].locator == aspect),
                None,
            )
            if field_chunk is not None:
                focused[(source_id, aspect)] = Candidate(
                    field_chunk, dense=top.dense, bm25=top.bm25, fused=top.fused + 1e-6
                )
        rest = [c for c in candidates if c.key not in focused]
        return sorted([*focused.values(), *rest], key=lambda c: c.fused, reverse=True)


def _ranked(ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-scores, kind="stable")
    return ids[order], scores[order]
