#!/usr/bin/env python3
"""VADER baseline for caredesk's sentiment evaluation sets.

Reads a TSV of `label<TAB>text` lines (label: negative, neutral or positive)
from a file or stdin and prints VADER's sign-class accuracy and confusion
matrix. VADER's own convention decides the class: compound >= 0.05 is
positive, <= -0.05 negative, otherwise neutral.

Lines starting with '#' are comments; a '# part: NAME' line starts a part
(tests/fixtures/sentiment_en.tsv has 'tune' and 'held-out'). Each part is
reported on its own, then all lines together; `--part NAME` keeps one part.

    pip install vaderSentiment
    python3 scripts/vader_baseline.py tests/fixtures/sentiment_en.tsv
"""

import argparse
import sys
from collections import OrderedDict

LABELS = ("negative", "neutral", "positive")


def read_parts(stream):
    """Returns {part name: [(label, text)]} in file order."""
    parts = OrderedDict()
    part = "all"
    for number, line in enumerate(stream, 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        if line.startswith("#"):
            body = line[1:].strip()
            if body.startswith("part:"):
                part = body[len("part:"):].strip()
            continue
        label, sep, text = line.partition("\t")
        label = label.strip().lower()
        if not sep or label not in LABELS:
            print(f"line {number}: expected label<TAB>text, skipped", file=sys.stderr)
            continue
        parts.setdefault(part, []).append((label, text))
    return parts


def vader_class(compound):
    if compound >= 0.05:
        return "positive"
    if compound <= -0.05:
        return "negative"
    return "neutral"


def report(name, rows, analyzer, show_wrong):
    confusion = {gold: {pred: 0 for pred in LABELS} for gold in LABELS}
    wrong = []
    for label, text in rows:
        compound = analyzer.polarity_scores(text)["compound"]
        predicted = vader_class(compound)
        confusion[label][predicted] += 1
        if predicted != label:
            wrong.append((label, predicted, compound, text))
    total = len(rows)
    right = sum(confusion[label][label] for label in LABELS)
    accuracy = right / total if total else 0.0
    print(f"== {name}: VADER accuracy {accuracy * 100:.1f}% ({right}/{total})")
    print(f"{'gold/predicted':>18} " + " ".join(f"{p:>9}" for p in LABELS))
    for gold in LABELS:
        print(f"{gold:>18} " + " ".join(f"{confusion[gold][p]:>9}" for p in LABELS))
    if show_wrong:
        for label, predicted, compound, text in wrong:
            print(f"  {label:>8} -> {predicted:<8} {compound:+.3f}  {text}")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tsv", nargs="?", help="TSV file (default: stdin)")
    parser.add_argument("--part", help="only this part ('tune', 'held-out', ...)")
    parser.add_argument("--wrong", action="store_true", help="list misclassified lines")
    args = parser.parse_args()

    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        sys.exit("vaderSentiment is missing: pip install vaderSentiment")

    if args.tsv:
        with open(args.tsv, encoding="utf-8") as stream:
            parts = read_parts(stream)
    else:
        parts = read_parts(sys.stdin)
    if args.part:
        parts = OrderedDict((k, v) for k, v in parts.items() if k == args.part)
        if not parts:
            sys.exit(f"no part named {args.part!r}")

    analyzer = SentimentIntensityAnalyzer()
    for name, rows in parts.items():
        report(name, rows, analyzer, args.wrong)
    if len(parts) > 1:
        report("overall", [row for rows in parts.values() for row in rows], analyzer, False)


if __name__ == "__main__":
    main()
