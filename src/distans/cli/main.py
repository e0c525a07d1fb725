"""The ``distans`` command.

Sub-commands are modules in this package. A module that defines ``GROUP`` (e.g.
``"plan"``; ``None`` for a top-level command), ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int`` is picked up automatically, so a
new command is a new file. Modules must import heavy libraries (Django, OR-Tools,
scikit-learn …) inside ``run``, so that ``distans --help`` stays fast and commands
that need no configuration work before there is any.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

import distans
from distans.core.errors import CoreError


def _command_modules() -> list[ModuleType]:
    import distans.cli as package

    modules = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name == "main":
            continue
        module = importlib.import_module(f"distans.cli.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "run"):
            modules.append(module)
    return modules


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="distans",
        description="Distans contact center: server, worker and tools.",
    )
    parser.add_argument("--version", action="version", version=f"distans {distans.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for module in _command_modules():
        group = getattr(module, "GROUP", None)
        if group is None:
            target = commands
        else:
            if group not in groups:
                group_parser = commands.add_parser(group, help=f"{group} tools")
                groups[group] = group_parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
                group_parser.set_defaults(_group_parser=group_parser)
            target = groups[group]
        sub = target.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "_run", None)
    if run is None:
        group_parser = getattr(args, "_group_parser", None)
        (group_parser or parser).print_help()
        return 2
    try:
        return int(run(args) or 0)
    except CoreError as exc:
        print(f"distans: error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"distans: error: file not found: {exc.filename}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except _config_error_types() as exc:
        print(f"distans: error: {exc}", file=sys.stderr)
        return 1


def _config_error_types() -> tuple[type[BaseException], ...]:
    from distans.config.env import ConfigError

    types: list[type[BaseException]] = [ConfigError]
    if "django" in sys.modules:
        from django.core.exceptions import ImproperlyConfigured
        from django.core.management.base import CommandError
        from django.db import DatabaseError

        types += [ImproperlyConfigured, CommandError, DatabaseError]
    return tuple(types)
