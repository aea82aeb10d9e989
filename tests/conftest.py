from __future__ import annotations

import logging

import pytest


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record at INFO and above, whatever logger it came from."""
    caplog.set_level(logging.INFO)
    return caplog
