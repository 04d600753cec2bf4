"""Custom actions of the Rasa action server (``rasa run actions``): they ask the web app."""

from actions.settings import refuse_dev_secrets_in_production

refuse_dev_secrets_in_production()  # `rasa run actions` imports this package first
