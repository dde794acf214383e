"""Rasa custom actions served by rasa-sdk (Python 3.11): thin actions that read slots, call a service, dispatch."""
