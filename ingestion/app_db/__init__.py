"""Loaders of the application database (clients, goals, advisors, ...) into `raw_app`."""
