"""Handing conversations to people: state machine, routing, response-time limits."""
