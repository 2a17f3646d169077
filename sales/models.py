"""Models for the sales app; populated by later issues."""
