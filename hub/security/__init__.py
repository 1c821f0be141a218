"""Tokens, encryption of stored secrets, and redaction of secrets from text."""
