"""Models for the analytics app; populated by later issues."""
