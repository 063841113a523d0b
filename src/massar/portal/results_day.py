"""The spaces' results_day part: navigation entries, home panels and jobs registered at import."""
