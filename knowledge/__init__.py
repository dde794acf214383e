"""Knowledge base: corpus, ingestion, hybrid index and retrieval. Knows nothing of Rasa, Telegram or HTTP."""
