"""Citizen chat: the web page, its API, the Rasa relay and the stored transcript."""
