"""Retrieval: embedders, indexes, fusion and the answer decision."""
