"""Internal API called by the Rasa action server (bearer token, never by citizens)."""
