"""Re-extract translatable strings into the .po files.

    python scripts/update_messages.py            # the shared catalogue: src/distans/locale
    python scripts/update_messages.py desk       # one app's own: src/distans/desk/locale

Apps that keep their own catalogue (a ``locale/`` folder in the app) are left out of
the shared one, so people working on different apps never edit the same .po file.
The .po files are committed; `make install` compiles them to .mo (no step for users).
Needs GNU gettext (xgettext) on the developer's machine.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "distans"
COMMAND = [sys.executable, "-m", "django", "makemessages", "-l", "sv", "-l", "nb", "-l", "en",
           "--no-location", "--no-obsolete", "-i", "migrations/*"]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distans.config.settings")
if len(sys.argv) > 1:
    app_dir = PACKAGE / sys.argv[1]
    (app_dir / "locale").mkdir(exist_ok=True)
    sys.exit(subprocess.run(COMMAND, cwd=app_dir).returncode)
own = [p.parent.name for p in PACKAGE.glob("*/locale") if p.parent != PACKAGE]
ignores = [arg for name in own for arg in ("-i", f"{name}/*")]
# templates/admin/: overrides of Django's admin templates, whose messages Django's own
# catalogue translates.
sys.exit(subprocess.run([*COMMAND, "-i", "core/*", "-i", "templates/admin/*", *ignores],
                        cwd=PACKAGE).returncode)
