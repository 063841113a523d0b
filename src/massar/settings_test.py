"""Test settings: the same settings module with MASSAR_ENV=test."""

import os

os.environ["MASSAR_ENV"] = "test"

from massar.settings import *  # noqa: E402,F403
