"""``distans topics suggest``: suggest topics for JSON lines of text, optionally scored."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

GROUP = "topics"
NAME = "suggest"
HELP = "Suggest topics for JSON lines with 'text' (and score them with --evaluate)."

_BATCH = 2048


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, type=Path, help="model directory")
    parser.add_argument("--data", required=True, type=Path, help="JSON lines with 'text'")
    parser.add_argument("--top", type=int, default=3, help="suggestions per text (default 3)")
    parser.add_argument(
        "--evaluate",
        action="store_true",
        help="compare with each line's 'topic' and print a summary object last",
    )


def run(args: argparse.Namespace) -> int:
    from distans.core.errors import InvalidInput
    from distans.core.topics.labelled_lines import parse_labelled_lines
    from distans.core.topics.metrics import measure_quality
    from distans.core.topics.storage import load_model

    if args.top < 1:
        raise InvalidInput("--top must be at least 1.")
    model = load_model(args.model)
    with args.data.open("rb") as lines:
        parsed = parse_labelled_lines(lines, topic_required=args.evaluate)
    for number, reason in parsed.bad_lines:
        print(f"{args.data}:{number}: skipped: {reason}", file=sys.stderr)
    suggestions = []
    elapsed = 0.0
    for begin in range(0, len(parsed.texts), _BATCH):
        batch = parsed.texts[begin : begin + _BATCH]
        started = time.perf_counter()
        suggestions.extend(model.suggest(batch, top=max(args.top, 3 if args.evaluate else 1)))
        elapsed += time.perf_counter() - started
    out = sys.stdout
    for text, ranked in zip(parsed.texts, suggestions, strict=True):
        row = {
            "text": text,
            "suggestions": [{"topic": t, "confidence": c} for t, c in ranked[: args.top]],
        }
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    if args.evaluate:
        truth = [t for t in parsed.topics if t is not None]
        quality = measure_quality(truth, [[t for t, _ in r] for r in suggestions], top=3)
        summary = {
            "n": quality.n,
            "accuracy": round(quality.accuracy, 4),
            "top3_accuracy": round(quality.top3_accuracy, 4),
            "macro_f1": round(quality.macro_f1, 4),
            "texts_per_s": round(quality.n / elapsed) if elapsed > 0 else None,
        }
        out.write(json.dumps(summary) + "\n")
    return 0
