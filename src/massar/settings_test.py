"""Test settings: the same settings module with MASSAR_ENV=test."""

import os

os.environ["MASSAR_ENV"] = "test"

from massar.settings import *  # noqa: E402,F403

# The real Redis the Redis-backed parts are tested against (`make test` starts it if needed);
# database 15, never the one an operator's REDIS_URL names by default.
MASSAR_TEST_REDIS_URL = os.environ.get("MASSAR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
