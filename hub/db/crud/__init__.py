"""Queries, one module per aggregate; keyword-only functions taking a session."""
