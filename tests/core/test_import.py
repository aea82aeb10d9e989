"""Importing a service builds nothing: no settings read, no logging touched, no app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_services_has_no_side_effects():
    probe = (
        "import logging, os\n"
        "os.environ['PPL_ENGINE'] = 'not-an-engine'\n"  # reading settings would fail on it
        "import ppl_backend.main, goods_backend.main\n"
        "assert not logging.getLogger().handlers, logging.getLogger().handlers\n"
        "assert not hasattr(ppl_backend.main, 'app') and not hasattr(goods_backend.main, 'app')\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr
