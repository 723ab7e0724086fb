"""The Textual UI: a thin client of the archive API."""
