"""Persistence (SQLAlchemy 2): farmers, processed updates, and later pre-applications and tickets."""
