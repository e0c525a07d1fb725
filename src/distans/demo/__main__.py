"""``python -m distans.demo URL``: run the live demo traffic against a server."""

import logging
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distans.config.settings")
import django

django.setup()
from distans.demo.traffic import main  # noqa: E402

logging.basicConfig(level=logging.WARNING)
main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
