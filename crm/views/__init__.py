"""Views of the contacts core (thin: parse, authorise, call a service or selector, render)."""
