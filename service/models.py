"""Models for the service app; populated by later issues."""
