"""One router per resource; the URL names the module."""
