"""Custom actions of the Rasa action server (``rasa run actions``): they ask the web app."""
