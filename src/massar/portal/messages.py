"""The spaces' messages part: navigation entries, home panels and jobs registered at import."""
