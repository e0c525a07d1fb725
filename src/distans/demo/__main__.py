"""``python -m distans.demo URL [--speed=K] [--start=T]``: run the live demo traffic against a server
(the demo clock: K times faster, from T; see :mod:`distans.demo.clock`)."""

import logging
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distans.config.settings")
import django

django.setup()
from distans.demo.traffic import main  # noqa: E402

logging.basicConfig(level=logging.WARNING)
_options = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
_arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
main(
    _arguments[0] if _arguments else "http://127.0.0.1:8000",
    float(_options.get("speed", "1")),
    _options.get("start", ""),
)
