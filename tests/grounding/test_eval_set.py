"""Shape of the hand-labelled generation set the check's figures come from."""

from __future__ import annotations

from collections import Counter

from bench.generation import DATA, load
from generation.check import sentences


def test_the_set_has_a_hundred_labelled_triples_split_by_source():
    rows = load(DATA)
    assert len(rows) >= 100 and len({r["id"] for r in rows}) == len(rows)
    assert set(Counter(r["split"] for r in rows)) == {"dev", "test"}
    by_question: dict[str, set[str]] = {}
    for row in rows:
        by_question.setdefault(row["question"], set()).add(row["split"])
        labels = row["sentences"]
        assert labels and all(isinstance(s["supported"], bool) for s in labels), row["id"]
        assert sentences("".join(s["text"] for s in labels)) == [s["text"] for s in labels], row["id"]
    # A source is never in both halves: the test half is unseen while tuning.
    assert all(len(splits) == 1 for splits in by_question.values())
