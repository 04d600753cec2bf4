"""Wire payloads shared by the web app (Python 3.11) and the action server (Python 3.10).

Typing and shared deployment rules only (``wire.production``): no third-party imports,
so both virtualenvs import the same definitions.
"""
