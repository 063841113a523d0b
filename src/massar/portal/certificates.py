"""The spaces' certificates part: navigation entries, home panels and jobs registered at import."""
