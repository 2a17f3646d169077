"""Privacy: consent per contact and purpose, data-subject export, erasure with suppression."""
