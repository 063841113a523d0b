"""The spaces' spaces part: navigation entries, home panels and jobs registered at import."""
