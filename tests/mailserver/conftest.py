"""Make the mail-server fixtures available to the tests in this folder.

When ``tests/conftest.py`` registers ``mailserver.fixtures`` as a plugin for the whole
suite, the module is already imported and nothing is re-exported here.
"""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS_DIR = str(Path(__file__).resolve().parent.parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

if "mailserver.fixtures" not in sys.modules:
    from mailserver.fixtures import (  # noqa: F401
        imap_server,
        imap_user,
        smtp_server,
        smtp_to_imap,
    )
