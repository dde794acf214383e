"""Rasa custom actions served by rasa-sdk: thin actions that read slots, call a service, dispatch."""
