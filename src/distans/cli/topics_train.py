"""``distans topics train``: train a topic suggestion model from labelled JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

GROUP = "topics"
NAME = "train"
HELP = "Train a topic suggestion model from JSON lines with 'text' and 'topic'."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, type=Path, help="JSON lines: text, topic")
    parser.add_argument("--model", required=True, type=Path, help="directory to write")
    parser.add_argument(
        "--keywords",
        type=Path,
        help="optional JSON object {topic: [keyword, ...]} for cold start",
    )
    parser.add_argument(
        "--no-calibrate", action="store_true", help="skip the confidence calibration folds"
    )


def run(args: argparse.Namespace) -> int:
    from distans.core.errors import InvalidInput
    from distans.core.topics.labelled_lines import parse_labelled_lines
    from distans.core.topics.model import train_model
    from distans.core.topics.storage import save_model

    with args.data.open("rb") as lines:
        parsed = parse_labelled_lines(lines, topic_required=True)
    for number, reason in parsed.bad_lines:
        print(f"{args.data}:{number}: skipped: {reason}", file=sys.stderr)
    keywords: dict[str, list[str]] = {}
    if args.keywords is not None:
        try:
            raw = json.loads(args.keywords.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{args.keywords} is not valid JSON: {exc.msg}.") from exc
        if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
            raise InvalidInput(f"{args.keywords} must be a JSON object of topic: [keywords].")
        keywords = {str(t): [str(k) for k in ks] for t, ks in raw.items()}
    topics = [t for t in parsed.topics if t is not None]
    model = train_model(parsed.texts, topics, keywords, calibrate=not args.no_calibrate)
    model.metrics["n_skipped"] = float(len(parsed.bad_lines))
    save_model(model, args.model)
    summary = {
        "model": str(args.model),
        "n": len(parsed.texts),
        "skipped": len(parsed.bad_lines),
        "topics": len(model.topics),
        "temperature": round(model.temperature, 4),
        "metrics": model.metrics,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0
