"""The spaces' appointments part: navigation entries, home panels and jobs registered at import."""
