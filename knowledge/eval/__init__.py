"""Measuring retrieval and answers against the golden question set."""
