"""Readers and writers of the file formats staff bring content in (and take it out)."""
