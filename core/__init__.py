"""The neutral core every area shares: database plumbing, clock, organisation, settings.

It imports nothing from ``bot``, ``knowledge_base`` or ``retrieval``; they import it.
"""
