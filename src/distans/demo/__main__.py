"""``python -m distans.demo URL [--speed=K]``: run the live demo traffic against a server
(``--speed``: the demo clock runs K times faster; see :mod:`distans.demo.clock`)."""

import logging
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distans.config.settings")
import django

django.setup()
from distans.demo.traffic import main  # noqa: E402

logging.basicConfig(level=logging.WARNING)
_arguments = [a for a in sys.argv[1:] if not a.startswith("--speed=")]
_speed = next((float(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--speed=")), 1.0)
main(_arguments[0] if _arguments else "http://127.0.0.1:8000", _speed)
