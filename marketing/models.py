"""Models for the marketing app; populated by later issues."""
