#!/usr/bin/env python3
"""Cross-check examples/replay_csv against an independent computation.

Generates random CSV files shaped like the public "Customer Support on
Twitter" data set (tweet_id, author_id, inbound, created_at, text,
response_tweet_id, in_response_to_tweet_id), runs each through

    replay_csv --json FILE

and compares its per-company and overall figures with figures computed here
from the generator's own reply graph (not from re-reading the CSV):

- a thread starts at each inbound tweet that replies to nothing;
- it is answered by the earliest company (non-inbound) tweet replying
  directly to it, whose author owns it; an unanswered thread belongs to the
  first @-mentioned handle that matches, case-insensitively, an author of
  some company tweet in the file, else only to the overall figures;
- p50/p90 over answered threads by linear interpolation at (n - 1) * p,
  computed here in exact rational arithmetic; within_60_min counts threads
  answered in <= 60 minutes over all threads.

Where the contract is silent, the conventions documented in
examples/replay_csv.rs and src/stats/threads.rs are assumed: companies sorted
by name (byte order), only companies owning a thread; p50/p90 null when no
thread is answered (within_60_min null when there is no thread); a reply
stamped before its thread counts as 0 minutes; ties in time go to the smaller
tweet id; an @ preceded by a letter, digit or _ is no mention and a handle is
the run of ASCII letters, digits and _ after the @; when a company posts
under two spellings that differ only in case, a mention goes to the smaller
spelling; malformed rows (bad id, flag or date, empty author, wrong number of
fields) are skipped and counted on standard error.

Counts must match exactly, floats within 1e-9 (relative; the binary prints
full precision). Standard error is checked for the skipped-row and
clock-skew counts. On the first file and every 100th, standard-input mode
(`-`) must print the same bytes, and the table mode the same figures to its
one decimal.

Usage (from the repository root, after a release build of the examples):

    scripts/replay_csv_crosscheck.py [FILES] [SEED] [options]

    FILES            number of random files (default 300)
    SEED             seed (default 1); file i uses the seed "SEED:i"
    --binary PATH    the example binary (default target/release/examples/replay_csv)
    --mutant NAME    deliberately wrong expected side, to show the check can
                     fail: nearest-rank, lt60, case-sensitive, no-clamp,
                     tie-larger-id, follow-ups-answer
    --keep DIR       also write every generated CSV to DIR
    --shrink N       shrink and print at most N failing files (default 1)
    --verbose        one line per file

Exit status 0 when every file matched, 1 otherwise. Python 3.8+, standard
library only.
"""

import argparse
import csv
import io
import json
import math
import os
import random
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BINARY = os.path.join(HERE, "..", "target", "release", "examples", "replay_csv")

COLUMNS = ["tweet_id", "author_id", "inbound", "created_at", "text",
           "response_tweet_id", "in_response_to_tweet_id"]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
COMPANY_POOL = ["AmericanAir", "AppleSupport", "Delta", "SpotifyCares",
                "Uber_Support", "comcastcares", "TMobileHelp", "sprintcare",
                "XboxSupport", "AmazonHelp", "Ask_Spectrum", "VirginTrains",
                "British_Airways", "SouthwestAir", "hulu_support", "O2",
                "AskPlayStation", "UPSHelp", "Tesco", "VerizonSupport"]
# Handles that are not companies but look like them (prefixes, suffixes).
DECOY_HANDLES = ["DeltaNews", "AmericanAirlines", "O2UK", "Apple", "Tesco_fan",
                 "comcast", "jane_doe", "mike77", "SpotifyCaresNot", "_"]
MUTANTS = ["nearest-rank", "lt60", "case-sensitive", "no-clamp",
           "tie-larger-id", "follow-ups-answer"]
FIELDS = ["threads", "answered", "p50_minutes", "p90_minutes", "within_60_min"]
MINUTE_MS = 60_000


# --------------------------------------------------------------------------
# The model: one Tweet per CSV row, referring to other tweets by object.
# --------------------------------------------------------------------------

class Tweet:
    __slots__ = ("id", "author", "inbound", "at", "offset", "reply_to",
                 "reply_to_id", "text", "children", "bad", "missing")

    def __init__(self, author, inbound, at, reply_to=None, text=""):
        self.id = None            # int, assigned once all tweets exist
        self.author = author
        self.inbound = inbound
        self.at = at              # aware UTC datetime, whole seconds
        self.offset = 0           # minutes east of UTC used to print created_at
        self.reply_to = reply_to  # Tweet or None
        self.reply_to_id = None   # int: reply_to.id, or an id not in the file
        self.text = text
        self.children = []        # ids of tweets replying to this one
        self.bad = None           # how the row is malformed, or None
        self.missing = False      # generated but not written (a gap in the data)


def mixed_case(rng, handle):
    style = rng.random()
    if style < 0.45:
        return handle
    if style < 0.65:
        return handle.lower()
    if style < 0.75:
        return handle.upper()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in handle)


def noise(rng):
    """Free text with commas, quotes, newlines and non-ASCII characters."""
    words = ["my", "flight", "is", "delayed", "again,", "\"really\"", "why?",
             "the app", "crashes", "😡", "café", "naïve", "日本", "order #123",
             "thanks!!", "it's", "\"quoted, with comma\"", "ok\nso", "line\r\nbreak",
             "100%", "a,b,c", "'single'", "—", "wait...", "@", "x@", "#help"]
    return " ".join(rng.choice(words) for _ in range(rng.randint(0, 8)))


def mention_text(rng, target, companies, ghost):
    """Text of a thread start: mentions in some order, and decoys that are
    not mentions (e-mail addresses, hashtags)."""
    parts = []
    if rng.random() < 0.25:                  # a non-company mention first
        parts.append("@" + rng.choice(DECOY_HANDLES))
    if rng.random() < 0.1:                   # a company that never tweets here
        parts.append("@" + mixed_case(rng, ghost))
    if rng.random() < 0.08 and companies:    # not mentions of a company
        other = rng.choice(companies)
        parts.append(rng.choice(["mail support@%s.com" % other, "#%s" % other,
                                 "x_@%s" % other, "é@%s" % other]))
    if target is not None:
        handle = mixed_case(rng, target)
        parts.append(rng.choice(["@%s", ".@%s", "(@%s)", "@%s's", "@%s,", "\"@%s\"",
                                 "@@%s", "@%s!"]) % handle)
    if rng.random() < 0.2 and companies:     # a second company later in the text
        parts.append("cc @" + mixed_case(rng, rng.choice(companies)))
    if rng.random() < 0.3:                   # mentions in any order
        rng.shuffle(parts)
    parts.append(noise(rng))
    return " ".join(p for p in parts if p)


def delay_seconds(rng):
    r = rng.random()
    if r < 0.12:
        return rng.randint(0, 59)
    if r < 0.45:
        return rng.randint(60, 3599)
    if r < 0.55:
        return 3600
    if r < 0.62:
        return 3601
    if r < 0.66:
        return 3599
    if r < 0.82:
        return rng.randint(3602, 6 * 3600)
    if r < 0.97:
        return rng.randint(6 * 3600, 5 * 86400)
    return -rng.randint(1, 900)              # clock skew: reply stamped early


def generate(rng):
    """A list of Tweet objects (some marked missing or malformed) and the
    file's writing style."""
    companies = rng.sample(COMPANY_POOL, rng.randint(1, 6))
    ghost = rng.choice([c for c in COMPANY_POOL if c not in companies])
    spelling = {c: c for c in companies}
    # Rarely a company also posts under another case spelling.
    variant = None
    if rng.random() < 0.05:
        base = rng.choice(companies)
        variant = (base, base.swapcase())
    customers = [str(rng.randint(100000, 999999)) for _ in range(rng.randint(1, 30))]
    base_time = datetime(2017, 10, 1, tzinfo=timezone.utc) + timedelta(
        seconds=rng.randint(0, 90 * 86400))

    def company_author(name):
        if variant and name == variant[0] and rng.random() < 0.4:
            return variant[1]
        return spelling[name]

    tweets = []

    def post(author, inbound, at, reply_to=None, text=""):
        t = Tweet(author, inbound, at, reply_to, text)
        tweets.append(t)
        return t

    r = rng.random()
    n_threads = (0 if r < 0.02 else rng.randint(1, 4) if r < 0.3
                 else rng.randint(5, 40) if r < 0.92 else rng.randint(41, 200) if r < 0.99
                 else rng.randint(1000, 3000))
    for _ in range(n_threads):
        t0 = base_time + timedelta(seconds=rng.randint(0, 3 * 86400))
        customer = rng.choice(customers)
        which = rng.random()
        target = (rng.choice(companies) if which < 0.8
                  else ghost if which < 0.87 else None)
        start = post(customer, True, t0, None, mention_text(rng, target, companies, ghost))
        direct = []
        if rng.random() < 0.65:
            for k in range(rng.choice([1, 1, 1, 1, 2, 2, 3])):
                name = (target if target in companies and rng.random() < 0.8
                        else rng.choice(companies))
                if k > 0 and rng.random() < 0.15:
                    at = direct[0].at                      # a tie in created_at
                else:
                    at = t0 + timedelta(seconds=delay_seconds(rng))
                direct.append(post(company_author(name), False, at, start,
                                   "@%s %s ^AB" % (customer, noise(rng))))
        if rng.random() < 0.35:                  # the customer adds to the thread
            follow = post(customer, True, t0 + timedelta(seconds=rng.randint(1, 600)),
                          start, "@%s %s" % (mixed_case(rng, target or ghost), noise(rng)))
            if rng.random() < 0.6:               # a company answers the follow-up
                post(company_author(rng.choice(companies)), False,
                     follow.at + timedelta(seconds=rng.randint(0, 1200)), follow,
                     "@%s on it" % customer)
        for reply in direct:
            if rng.random() < 0.4:               # customer answers the company
                back = post(customer, True, reply.at + timedelta(seconds=rng.randint(5, 7200)),
                            reply, "@%s %s" % (reply.author, noise(rng)))
                if rng.random() < 0.6:
                    post(reply.author, False, back.at + timedelta(seconds=rng.randint(5, 7200)),
                         back, "@%s %s" % (customer, noise(rng)))
            if rng.random() < 0.1:               # the company continues its own tweet
                post(reply.author, False, reply.at + timedelta(seconds=rng.randint(0, 30)),
                     reply, "2/2 %s" % noise(rng))
        if rng.random() < 0.05:                  # the start is missing from the data
            start.missing = True
        for reply in direct:
            if rng.random() < 0.04:              # a reply is missing from the data
                reply.missing = True
    for _ in range(rng.randint(0, 4)):           # company-initiated tweets
        name = rng.choice(companies)
        at = base_time + timedelta(seconds=rng.randint(0, 3 * 86400))
        own = post(company_author(name), False, at, None, "Service update: %s" % noise(rng))
        if rng.random() < 0.5:                   # a customer replies to it
            post(rng.choice(customers), True, at + timedelta(seconds=rng.randint(1, 9999)),
                 own, "@%s %s" % (name, noise(rng)))
    dangling = []
    for _ in range(rng.randint(0, 3)):           # replies to tweets not in the data
        ghost_parent = Tweet("000", True, base_time)
        ghost_parent.missing = True
        dangling.append(ghost_parent)
        if rng.random() < 0.5:
            post(company_author(rng.choice(companies)), False,
                 base_time + timedelta(seconds=rng.randint(0, 86400)), ghost_parent, "@someone hi")
        else:
            post(rng.choice(customers), True,
                 base_time + timedelta(seconds=rng.randint(0, 86400)), ghost_parent, "@%s hi" % ghost)

    # Ids: increasing with time (ties in random order), sometimes shuffled.
    everyone = tweets + dangling
    rng.shuffle(everyone)
    everyone.sort(key=lambda t: t.at)
    # Small ids as in the data set, sometimes X-sized ones (above 2**53,
    # exact only when written as digits: 923456789012345678.0).
    next_id = rng.randint(1, 3_000_000) if rng.random() < 0.9 else rng.randint(2**59, 2**60)
    ids = []
    for _ in everyone:
        next_id += rng.choice([1, 1, 1, 2, 7])
        ids.append(next_id)
    if rng.random() < 0.3:
        rng.shuffle(ids)
    for t, i in zip(everyone, ids):
        t.id = i
    for t in tweets:
        if t.reply_to is not None:
            t.reply_to_id = t.reply_to.id
            t.reply_to.children.append(t.id)

    # Time zones of created_at: mostly +0000 as in the data set.
    if rng.random() < 0.15:
        for t in tweets:
            t.offset = rng.choice([0, 0, -300, 60, 330, -210, 585, -720, 840])

    rows = [t for t in tweets if not t.missing]
    # Row order: time order with local swaps, fully shuffled, or reversed.
    order = rng.random()
    rows.sort(key=lambda t: (t.at, t.id))
    if order < 0.4:
        for _ in range(len(rows) // 3):
            i = rng.randrange(len(rows))
            j = min(len(rows) - 1, i + rng.randint(1, 5))
            rows[i], rows[j] = rows[j], rows[i]
    elif order < 0.8:
        rng.shuffle(rows)
    else:
        rows.reverse()

    # A few malformed rows in some files.
    if rows and rng.random() < 0.25:
        for t in rng.sample(rows, min(len(rows), rng.randint(1, 3))):
            t.bad = rng.choice(["date", "id", "frac", "flag", "fields", "author"])

    style = {
        "float_ids": rng.random() < 0.3,          # tweet_id written 123.0
        "float_reply_ids": rng.random() < 0.7,    # in_response_to written 123.0
        "columns": rng.sample(COLUMNS, len(COLUMNS)) if rng.random() < 0.1 else list(COLUMNS),
        "bom": rng.random() < 0.05,
        "terminator": rng.choice(["\r\n", "\n"]),
        "flag": rng.choice([("True", "False"), ("True", "False"), ("true", "false"),
                            ("TRUE", "FALSE"), ("1", "0")]),
    }
    return rows, style


def created_at(t):
    local = t.at + timedelta(minutes=t.offset)
    sign = "+" if t.offset >= 0 else "-"
    hours, minutes = divmod(abs(t.offset), 60)
    return "%s %s %02d %02d:%02d:%02d %s%02d%02d %d" % (
        WEEKDAYS[local.weekday()], MONTHS[local.month - 1], local.day,
        local.hour, local.minute, local.second, sign, hours, minutes, local.year)


def to_csv(rows, style):
    """The CSV text of `rows` (malformed ones spoiled as marked)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=style["terminator"])
    header = list(style["columns"])
    if style["bom"]:
        header[0] = "\ufeff" + header[0]
    writer.writerow(header)
    yes, no = style["flag"]
    for t in rows:
        field = {
            "tweet_id": ("%d.0" if style["float_ids"] else "%d") % t.id,
            "author_id": t.author,
            "inbound": yes if t.inbound else no,
            "created_at": created_at(t),
            "text": t.text,
            "response_tweet_id": ",".join(str(c) for c in t.children),
            "in_response_to_tweet_id": "" if t.reply_to_id is None else
            (("%d.0" if style["float_reply_ids"] else "%d") % t.reply_to_id),
        }
        extra = []
        if t.bad == "date":
            field["created_at"] = t.at.strftime("%Y-%m-%d %H:%M:%S")
        elif t.bad == "id":
            field["tweet_id"] = "%dx" % t.id
        elif t.bad == "frac":
            field["tweet_id"] = "%d.5" % t.id
        elif t.bad == "flag":
            field["inbound"] = "yes" if t.inbound else "no"
        elif t.bad == "author":
            field["author_id"] = " "
        elif t.bad == "fields":
            extra = ["spilled, field"]
        writer.writerow([field[c] for c in style["columns"]] + extra)
    return out.getvalue()


# --------------------------------------------------------------------------
# The expected figures, straight from the reply graph.
# --------------------------------------------------------------------------

def handles(text, case_sensitive=False):
    """@-handles in text order: '@' not after a letter, digit or '_', then one
    or more ASCII letters, digits or '_'."""
    found = []
    i = 0
    while i < len(text):
        if text[i] == "@" and not (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
            j = i + 1
            while j < len(text) and text[j].isascii() and (text[j].isalnum() or text[j] == "_"):
                j += 1
            if j > i + 1:
                name = text[i + 1:j]
                found.append(name if case_sensitive else name.lower())
                i = j
                continue
        i += 1
    return found


def percentile(sorted_values, p, mutant):
    n = len(sorted_values)
    if n == 0:
        return None
    if mutant == "nearest-rank":
        return sorted_values[max(1, math.ceil(p * n)) - 1]
    h = (n - 1) * p
    k = math.floor(h)
    if k + 1 >= n:
        return sorted_values[k]
    return sorted_values[k] + (h - k) * (sorted_values[k + 1] - sorted_values[k])


def figures(minutes, threads, mutant):
    values = sorted(minutes)
    limit = Fraction(60)
    within = sum(1 for m in values if (m < limit if mutant == "lt60" else m <= limit))
    return {
        "threads": threads,
        "answered": len(values),
        "p50_minutes": percentile(values, Fraction(1, 2), mutant),
        "p90_minutes": percentile(values, Fraction(9, 10), mutant),
        "within_60_min": Fraction(within, threads) if threads else None,
    }


def expected_report(rows, mutant=None):
    good = [t for t in rows if t.bad is None]
    companies = sorted({t.author for t in good if not t.inbound})
    by_lower = {}
    for name in companies:                       # sorted: the smallest spelling wins
        key = name if mutant == "case-sensitive" else name.lower()
        by_lower.setdefault(key, name)
    starts = {}
    for t in good:
        if t.inbound and t.reply_to_id is None and t.id not in starts:
            starts[t.id] = t
    root_of = {}                                 # for the follow-ups-answer mutant
    by_id = {t.id: t for t in good}

    def root(t):
        seen = set()
        while t.reply_to_id is not None and t.reply_to_id in by_id and t.id not in seen:
            seen.add(t.id)
            t = by_id[t.reply_to_id]
        return t.id

    first = {}
    for t in good:
        if t.inbound or t.reply_to_id is None:
            continue
        target = t.reply_to_id
        if mutant == "follow-ups-answer":
            target = root_of.setdefault(t.id, root(t))
        if target not in starts:
            continue
        key = (t.at, -t.id if mutant == "tie-larger-id" else t.id)
        if target not in first or key < first[target][0]:
            first[target] = (key, t)
    owned = {}
    overall = []
    for sid, start in starts.items():
        if sid in first:
            reply = first[sid][1]
            seconds = int((reply.at - start.at).total_seconds())
            if mutant != "no-clamp":
                seconds = max(0, seconds)
            minutes = Fraction(seconds, 60)
            owner = reply.author
        else:
            minutes = None
            mentioned = handles(start.text, mutant == "case-sensitive")
            owner = next((by_lower[h] for h in mentioned if h in by_lower), None)
        overall.append(minutes)
        if owner is not None:
            owned.setdefault(owner, []).append(minutes)

    def fig(values):
        return figures([m for m in values if m is not None], len(values), mutant)

    report = {"companies": [dict(company=name, **fig(owned[name])) for name in sorted(owned)],
              "overall": fig(overall)}
    skew = sum(1 for sid in first
               if first[sid][1].at < starts[sid].at)
    return report, skew


# --------------------------------------------------------------------------
# Running and comparing.
# --------------------------------------------------------------------------

def run_binary(binary, path=None, data=None, json_mode=True):
    args = [binary] + (["--json"] if json_mode else []) + [path if path else "-"]
    done = subprocess.run(args, input=data, capture_output=True, timeout=120)
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def close(got, want):
    if want is None or got is None:
        return got is None and want is None
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    return abs(got - float(want)) <= 1e-9 * max(1.0, abs(float(want)))


def compare(got, want):
    """Differences between the binary's JSON and the expected report."""
    diffs = []
    got_names = [c.get("company") for c in got.get("companies", [])]
    want_names = [c["company"] for c in want["companies"]]
    if got_names != want_names:
        diffs.append("companies %s, expected %s" % (got_names, want_names))
    pairs = [(c.get("company"), c, w) for c, w in zip(got.get("companies", []), want["companies"])
             if c.get("company") == w["company"]]
    pairs.append(("overall", got.get("overall", {}), want["overall"]))
    for name, g, w in pairs:
        for key in FIELDS:
            gv, wv = g.get(key, "absent"), w[key]
            same = (gv == wv) if key in ("threads", "answered") else close(gv, wv)
            if not same:
                diffs.append("%s %s: binary %r, expected %r" % (name, key, gv, plain(wv)))
        if name == "overall" and "company" in g:
            diffs.append("overall has a company key")
        extra = set(g) - set(FIELDS) - {"company"}
        if extra:
            diffs.append("%s: unexpected keys %s" % (name, sorted(extra)))
    return diffs


def stderr_diffs(stderr, rows, skew):
    diffs = []
    bad = sum(1 for t in rows if t.bad)
    line = "replay_csv: skipped %d malformed row(s) of %d" % (bad, len(rows))
    if bad and line not in stderr.splitlines():
        diffs.append("stderr lacks %r" % line)
    if not bad and "skipped" in stderr:
        diffs.append("stderr reports skipped rows, none expected")
    note = ("replay_csv: %d first response(s) stamped before their thread start "
            "were counted as 0 minutes" % skew)
    if skew and note not in stderr.splitlines():
        diffs.append("stderr lacks %r" % note)
    if not skew and "stamped before" in stderr:
        diffs.append("stderr reports early replies, none expected")
    return diffs


def table_diffs(text, want):
    """The table mode: names, counts, and figures to one decimal."""
    lines = text.rstrip("\n").split("\n")[1:]
    expected = [(c["company"], c) for c in want["companies"]] + [("overall", want["overall"])]
    if len(lines) != len(expected):
        return ["table has %d rows, expected %d" % (len(lines), len(expected))]
    diffs = []
    for line, (name, w) in zip(lines, expected):
        cells = line.split()
        if len(cells) != 6 or cells[0] != name:
            diffs.append("table row %r, expected %s" % (line, name))
            continue
        if [int(cells[1]), int(cells[2])] != [w["threads"], w["answered"]]:
            diffs.append("table row %r: counts" % line)
        for cell, key, scale in ((cells[3], "p50_minutes", 1), (cells[4], "p90_minutes", 1),
                                 (cells[5], "within_60_min", 100)):
            value = w[key]
            if value is None:
                ok = cell == "-"
            else:
                ok = cell != "-" and abs(float(cell.rstrip("%")) - float(value) * scale) <= 0.05 + 1e-9
            if not ok:
                diffs.append("table row %r: %s" % (line, key))
    return diffs


def plain(value):
    return float(value) if isinstance(value, Fraction) else value


def plain_report(report):
    return {"companies": [{k: plain(v) for k, v in c.items()} for c in report["companies"]],
            "overall": {k: plain(v) for k, v in report["overall"].items()}}


def check(binary, rows, style, mutant, workdir, extra=False):
    """All differences for one file (empty when it matches)."""
    path = os.path.join(workdir, "case.csv")
    data = to_csv(rows, style).encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    want, skew = expected_report(rows, mutant)
    code, out, err = run_binary(binary, path)
    if code != 0:
        return ["exit status %d: %s %s" % (code, out.strip(), err.strip())], out
    try:
        got = json.loads(out)
    except ValueError:
        return ["output is not JSON: %r" % out[:200]], out
    if out.count("\n") != 1:
        return ["output is not one line"], out
    diffs = compare(got, want) + stderr_diffs(err, rows, skew)
    if extra:
        code2, out2, _ = run_binary(binary, None, data)
        if code2 != 0 or out2 != out:
            diffs.append("stdin mode printed %r, file mode %r" % (out2[:200], out[:200]))
        code3, table, _ = run_binary(binary, path, json_mode=False)
        diffs += ["exit status %d in table mode" % code3] if code3 else table_diffs(table, want)
    return diffs, out


def shrink(binary, rows, style, mutant, workdir):
    """Greedily drop rows while the file still fails."""
    chunk = max(1, len(rows) // 2)
    while chunk >= 1:
        i = 0
        while i < len(rows):
            trial = rows[:i] + rows[i + chunk:]
            if trial and check(binary, trial, style, mutant, workdir)[0]:
                rows = trial
            else:
                i += chunk
        chunk //= 2
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="?", type=int, default=300)
    parser.add_argument("seed", nargs="?", default="1")
    parser.add_argument("--binary", default=DEFAULT_BINARY)
    parser.add_argument("--mutant", choices=MUTANTS)
    parser.add_argument("--keep")
    parser.add_argument("--shrink", type=int, default=1)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit("no binary at %s: cargo build --release --examples" % args.binary)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)

    totals = dict(files=0, failed=0, rows=0, threads=0, answered=0, companies=0,
                  malformed=0, skewed=0, exact_60=0, ties=0)
    shrunk = 0
    with tempfile.TemporaryDirectory() as workdir:
        for index in range(args.files):
            rng = random.Random("%s:%d" % (args.seed, index))
            rows, style = generate(rng)
            if args.keep:
                with open(os.path.join(args.keep, "case_%s_%04d.csv" % (args.seed, index)), "w",
                          encoding="utf-8", newline="") as f:
                    f.write(to_csv(rows, style))
            extra = index % 100 == 0
            diffs, out = check(args.binary, rows, style, args.mutant, workdir, extra)
            want, skew = expected_report(rows)
            totals["files"] += 1
            totals["rows"] += len(rows)
            totals["threads"] += want["overall"]["threads"]
            totals["answered"] += want["overall"]["answered"]
            totals["companies"] += len(want["companies"])
            totals["malformed"] += sum(1 for t in rows if t.bad)
            totals["skewed"] += skew
            totals["exact_60"] += count_exact_hour(rows)
            totals["ties"] += count_ties(rows)
            if args.verbose:
                print("file %d: %d rows, %d threads, %s" % (
                    index, len(rows), want["overall"]["threads"],
                    "ok" if not diffs else "%d difference(s)" % len(diffs)))
            if not diffs:
                continue
            totals["failed"] += 1
            print("file %d (seed %s): %d difference(s)" % (index, args.seed, len(diffs)))
            for d in diffs[:6]:
                print("   ", d)
            if shrunk < args.shrink:
                shrunk += 1
                small = shrink(args.binary, rows, style, args.mutant, workdir)
                small_diffs, small_out = check(args.binary, small, style, args.mutant, workdir)
                print("  smallest failing file found (%d of %d rows):" % (len(small), len(rows)))
                for line in to_csv(small, style).splitlines():
                    print("    | " + line)
                print("  binary:   " + small_out.strip())
                print("  expected: " + json.dumps(plain_report(expected_report(small, args.mutant)[0])))
                for d in small_diffs:
                    print("    ", d)
    print("seed %s%s: %d files, %d rows (%d malformed), %d threads, %d answered, "
          "%d company entries, %d replies stamped early, %d first responses of exactly 60 min, "
          "%d tied replies; %d file(s) with differences"
          % (args.seed, " mutant " + args.mutant if args.mutant else "", totals["files"],
             totals["rows"], totals["malformed"], totals["threads"], totals["answered"],
             totals["companies"], totals["skewed"], totals["exact_60"], totals["ties"],
             totals["failed"]))
    return 1 if totals["failed"] else 0


def count_exact_hour(rows):
    """First responses of exactly 3600 s (the inclusive bound at work)."""
    good = {t.id: t for t in rows if t.bad is None}
    best = {}
    for t in good.values():
        if not t.inbound and t.reply_to_id in good:
            parent = good[t.reply_to_id]
            if parent.inbound and parent.reply_to_id is None:
                key = (t.at, t.id)
                if parent.id not in best or key < best[parent.id][0]:
                    best[parent.id] = (key, t)
    return sum(1 for sid, (_, t) in best.items() if (t.at - good[sid].at).total_seconds() == 3600)


def count_ties(rows):
    """Thread starts with two company replies stamped the same second."""
    seen = {}
    for t in rows:
        if t.bad is None and not t.inbound and t.reply_to_id is not None:
            seen.setdefault(t.reply_to_id, []).append(t.at)
    return sum(1 for times in seen.values() if len(times) != len(set(times)))


if __name__ == "__main__":
    sys.exit(main())
