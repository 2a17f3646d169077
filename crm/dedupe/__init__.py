"""Duplicate contacts: suggestions (same email, similar name at the same company) and merge."""
