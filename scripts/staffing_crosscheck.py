#!/usr/bin/env python3
"""Cross-check examples/staffing (Erlang C staffing) against an independent
implementation written here with the Python standard library only.

    scripts/staffing_crosscheck.py [CASES] [SEED] [options]

CASES random cases (default 20000) from SEED (default 1), plus a fixed set of
hand-picked edge cases and bad lines, go through the example binary in one
process (target/release/examples/staffing; build it first with
`cargo build --release --example staffing`, or pass --binary PATH).
Every answer is compared with the contract:

  A = transactions * aht / (interval * 60); Erlang B by B(0)=1,
  B(n) = A*B(n-1) / (n + A*B(n-1)); C = n*B / (n - A*(1-B)) for n > A;
  SL = 1 - C*exp(-(n-A)*target/aht); ASA = C*aht/(n-A); occupancy = A/n;
  raw_positions = smallest n > A meeting SL with occupancy <= max_occupancy;
  positions = ceil(raw_positions / (1 - shrinkage)).

Counts are compared exactly (occupancy cap and shrinkage quotient in exact
decimal arithmetic on the numbers as written). The binary prints floats at
full f64 precision (shortest round-trip text, no rounding), so the float
figures must agree within float noise only: relative 1e-9 (for the service
level, relative to the share answered late, 1 - SL; the largest difference
seen is reported). If the binary ever rounds its output, pass
--decimals R:S (R decimals for the ratios, S for asa_seconds) to add half a
unit of the last printed digit to the tolerance.

A count that differs only because a service level or an occupancy lies
within 1e-12 of its bound (float noise decides; an occupancy exactly at the
cap is allowed by the contract and is no tie) is reported as a tie, not a
mismatch; so is a shrinkage quotient within 1e-12 of a whole number, which
the binary documents it counts as that whole number. Lines labelled
"lenient" are outside the contract; if the binary answers them it is
reported as a note, not a mismatch. The binary's documented conventions are
expected: no transactions give all zeros with service level 1; missing or
null shrinkage and max_occupancy mean 0 and 1; a load above 1e9 erlangs or
a count above u32 is an {"error":...}.

Before the run the Python side checks itself (literal recursion against the
summed form used above 2000 agents; the textbook 100-call example).

Options:
  --binary PATH     the example binary to run
  --mutant KIND     perturb the expected side on purpose, to show the check
                    fails: raw+1, floor-positions, asa-1e-6, occupancy-strict,
                    accept-bad
  --decimals R:S    see above
  --show N          examples shown per kind of difference (default 3)

Exit status 0 when there is no mismatch, 1 otherwise.
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys
from fractions import Fraction

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.path.join(REPO, "target", "release", "examples", "staffing")
FIELDS = ("transactions", "interval_minutes", "aht_seconds", "target_seconds",
          "service_level", "shrinkage", "max_occupancy")
FIGURES = ("service_level", "probability_of_waiting", "occupancy", "asa_seconds")
REL_TOL = 1e-9          # float noise allowed on the figures
ABS_FLOOR = 1e-300      # values this small (underflow) count as equal
TIE = 1e-12             # a bound met within this is a tie
LITERAL_LIMIT = 2000    # up to this many agents run B(0)=1 .. B(n) literally
U32_MAX = 2**32 - 1
MUTANTS = ("raw+1", "floor-positions", "asa-1e-6", "occupancy-strict", "accept-bad")


# ---------------------------------------------------------------- Erlang C --

def erlang_b_literal(n, a):
    """B(n) by the recursion from B(0) = 1, step by step."""
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def erlang_b_series(n, a):
    """B(n) from the unrolled recursion 1/B(n) = sum_{j=0..n} prod_{i<j} (n-i)/A.

    Summed with rescaling and stopped once the rest is provably below 1e-17
    of the sum (after the largest term the ratios (n-j)/A fall below 1 and
    keep falling, so the tail is below term*r/(1-r)). Costs about
    (n - A) + 10*sqrt(A) steps instead of n, and starts from nothing but the
    definition, unlike the binary's warm start.
    """
    term = 1.0
    total = 1.0
    rescaled = 0
    for j in range(1, n + 1):
        term *= (n - j + 1) / a
        total += term
        if term > 1e280:
            term /= 1e280
            total /= 1e280
            rescaled += 1
            if rescaled >= 2:       # 1/B > 1e560: B is 0 in f64
                return 0.0
        r = (n - j) / a
        if r < 1.0 and term * r / (1.0 - r) < total * 1e-17:
            break
    return (1.0 / total) * (1e-280 if rescaled else 1.0)


def erlang_b(n, a):
    return erlang_b_literal(n, a) if n <= LITERAL_LIMIT else erlang_b_series(n, a)


def figures(n, a, b, target, aht):
    """The contract's figures for n agents (n > A) given B(n)."""
    c = n * b / (n - a * (1.0 - b))
    return {
        "service_level": 1.0 - c * math.exp(-(n - a) * target / aht),
        "probability_of_waiting": c,
        "occupancy": a / n,
        "asa_seconds": c * aht / (n - a),
    }


def performance(n, a, target, aht):
    """Figures for n agents computed from scratch (used for diagnostics)."""
    if n <= a:
        return None
    return figures(n, a, erlang_b(n, a), target, aht)


# --------------------------------------------------------------- contract --

def validate(req):
    """The request as numbers, or an error string (my reading of the contract:
    negative or non-finite values, a zero interval or handling time, a
    service level outside (0, 1), shrinkage outside [0, 1) or occupancy cap
    outside (0, 1] are bad; shrinkage and max_occupancy default to 0 and 1
    when missing or null, as the binary documents)."""
    if not isinstance(req, dict):
        return "not an object"
    values = {}
    for field in FIELDS:
        value = req.get(field)
        if value is None:
            if field == "shrinkage":
                value = 0
            elif field == "max_occupancy":
                value = 1
            else:
                return "missing " + field
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return field + " is not a number"
        if not math.isfinite(value):
            return field + " is not finite"
        values[field] = value
    v = values
    if v["transactions"] < 0 or v["target_seconds"] < 0:
        return "negative"
    if v["interval_minutes"] <= 0 or v["aht_seconds"] <= 0:
        return "interval or aht not positive"
    if not 0 < v["service_level"] < 1:
        return "service_level outside (0, 1)"
    if not 0 <= v["shrinkage"] < 1:
        return "shrinkage outside [0, 1)"
    if not 0 < v["max_occupancy"] <= 1:
        return "max_occupancy outside (0, 1]"
    a = float(v["transactions"]) * v["aht_seconds"] / (v["interval_minutes"] * 60.0)
    if a > 1e9:       # the binary's documented limit (MAX_TRAFFIC_ERLANGS)
        return "traffic above 1e9 erlangs"
    return values


def exact(token):
    """The exact value of a JSON number as written."""
    return Fraction(token)


def expected_answer(tokens, values, mutant=None):
    """The answer the contract asks for. `tokens` holds each field's JSON text
    (for exact decimal arithmetic), `values` the parsed floats."""
    t, iv, aht = (float(values[k]) for k in ("transactions", "interval_minutes", "aht_seconds"))
    target, goal = float(values["target_seconds"]), float(values["service_level"])
    a = t * aht / (iv * 60.0)
    if a == 0.0:
        return {"raw_positions": 0, "positions": 0, "service_level": 1.0,
                "probability_of_waiting": 0.0, "occupancy": 0.0, "asa_seconds": 0.0}
    a_exact = exact(tokens["transactions"]) * exact(tokens["aht_seconds"]) / (
        exact(tokens["interval_minutes"]) * 60)
    cap = exact(tokens.get("max_occupancy") or "1")
    shrink = exact(tokens.get("shrinkage") or "0")
    n = max(math.floor(a_exact) + 1, math.ceil(a_exact / cap))
    if mutant == "occupancy-strict" and a_exact / n >= cap:
        n += 1
    b = erlang_b(n, a)
    while True:
        f = figures(n, a, b, target, aht)
        if f["service_level"] >= goal:
            break
        n += 1
        b = a * b / (n + a * b)
    if mutant == "raw+1":
        n += 1
        f = figures(n, a, a * b / (n + a * b), target, aht)
    quotient = Fraction(n) / (1 - shrink)
    positions = math.floor(quotient) if mutant == "floor-positions" else math.ceil(quotient)
    if mutant == "asa-1e-6":
        f["asa_seconds"] *= 1 + 1e-6
    return dict(raw_positions=n, positions=positions, **f)


# ------------------------------------------------------------------ cases --

def number(x, decimals):
    """x as JSON number text with the given decimals (an integer for 0)."""
    return f"{x:.{decimals}f}" if decimals else str(int(round(x)))


def random_case(rng):
    """Field -> JSON number text."""
    interval = rng.choice((15, 30, 60))
    u = rng.random()
    if u < 0.1:
        transactions = number(rng.randint(1, 20), 0)
    elif u < 0.85:
        transactions = number(math.exp(rng.uniform(0, math.log(500000))), 0)
    else:
        transactions = number(math.exp(rng.uniform(math.log(0.5), math.log(500000))), 2)
    aht = math.exp(rng.uniform(math.log(15), math.log(1200)))
    aht = number(aht, rng.choice((0, 0, 1)))
    u = rng.random()
    target = "0" if u < 0.1 else number(rng.uniform(0, 600), 0 if u < 0.8 else 1)
    goal = number(rng.uniform(0.5, 0.99), rng.choice((2, 3)))
    shrink = "0.0" if rng.random() < 0.3 else number(rng.uniform(0, 0.6), 2)
    cap = rng.choice(("1.0", "1")) if rng.random() < 0.3 else number(rng.uniform(0.7, 1.0), 2)
    return {"transactions": transactions, "interval_minutes": str(interval),
            "aht_seconds": aht, "target_seconds": target, "service_level": goal,
            "shrinkage": shrink, "max_occupancy": cap}


def line_of(tokens):
    return "{" + ",".join(f'"{k}":{v}' for k, v in tokens.items()) + "}"


def sl_boundary_goal(t, iv, aht, target, n):
    """A service level goal equal (as f64) to what n agents give."""
    a = t * aht / (iv * 60.0)
    return repr(performance(n, a, target, aht)["service_level"])


def edge_cases():
    """(label, line) pairs; lines that are not dicts of tokens are sent as is."""
    base = {"transactions": "100", "interval_minutes": "30", "aht_seconds": "180",
            "target_seconds": "20", "service_level": "0.8", "shrinkage": "0.0",
            "max_occupancy": "1.0"}

    def var(**changes):
        tokens = dict(base)
        for k, v in changes.items():
            if v is None:
                tokens.pop(k)
            else:
                tokens[k] = v
        return tokens

    cases = [
        ("issue example", var()),
        ("zero transactions", var(transactions="0")),
        ("zero transactions as 0.0 with shrinkage", var(transactions="0.0", shrinkage="0.5")),
        ("target 0", var(target_seconds="0")),
        ("target 0 high goal", var(target_seconds="0", service_level="0.99")),
        ("SL met exactly at 14 agents", var(service_level=sl_boundary_goal(100, 30, 180, 20, 14))),
        ("SL met exactly at 13 agents", var(service_level=sl_boundary_goal(100, 30, 180, 20, 13))),
        ("SL met exactly, 5000 erlangs",
         var(transactions="100000", aht_seconds="90",
             service_level=sl_boundary_goal(100000, 30, 90, 20, 5030))),
        ("integer load 10, no cap, low goal", var(service_level="0.01", target_seconds="0")),
        ("occupancy cap met exactly: 8 erlangs at 0.8",
         var(transactions="80", service_level="0.01", target_seconds="0", max_occupancy="0.8")),
        ("occupancy cap met exactly: 7 erlangs at 0.7",
         var(transactions="70", service_level="0.01", target_seconds="0", max_occupancy="0.7")),
        ("occupancy cap met exactly: 2400 erlangs at 0.96",
         var(transactions="24000", service_level="0.01", target_seconds="0", max_occupancy="0.96")),
        ("occupancy cap 0.6", var(max_occupancy="0.6")),
        ("tiny load", var(transactions="0.01")),
        ("shrinkage 0.3 -> 14/0.7 = 20 exactly", var(shrinkage="0.3")),
        ("shrinkage 0.35", var(shrinkage="0.35")),
        ("shrinkage 0.125 -> 14/0.875 = 16 exactly", var(shrinkage="0.125")),
        ("shrinkage 0.99", var(shrinkage="0.99")),
        ("shrinkage 0.30000000000000004 (quotient 20 + 1e-15)", var(shrinkage="0.30000000000000004")),
        ("missing shrinkage (documented default 0)", var(shrinkage=None)),
        ("missing max_occupancy (documented default 1)", var(max_occupancy=None)),
        ("null shrinkage and max_occupancy", var(shrinkage="null", max_occupancy="null")),
        ("numbers written as decimals", var(transactions="100.0", interval_minutes="30.0",
                                             aht_seconds="180.0", target_seconds="20.0")),
        ("exponent notation", var(transactions="1e2", aht_seconds="1.8e2")),
        ("1000 erlangs", var(transactions="10000", aht_seconds="180")),
        ("83333 erlangs", var(transactions="500000", aht_seconds="300")),
        ("1,000,000 erlangs", var(transactions="30000000", aht_seconds="60")),
        ("1e7 erlangs, cap 0.99", var(transactions="300000000", aht_seconds="60", max_occupancy="0.99")),
        ("large load, cap binding 0.7", var(transactions="500000", aht_seconds="600",
                                            interval_minutes="15", max_occupancy="0.7")),
        ("goal 0.999 target 600", var(service_level="0.999", target_seconds="600")),
        ("goal 1e-9", var(service_level="0.000000001")),
        ("huge target, short aht", var(target_seconds="100000", aht_seconds="1")),
        ("negative zero transactions", var(transactions="-0")),
        ("load 1e-301 erlangs", var(transactions="1e-300")),
        ("limit: 1e9 erlangs exactly (largest accepted)",
         var(transactions="1000000000", interval_minutes="1", aht_seconds="60")),
        # Valid by the contract, but the counts do not fit the binary's u32:
        # the library documents an error (TooManyAgents) for these.
        ("limit: positions above u32 (shrinkage 0.9999999999)", var(shrinkage="0.9999999999")),
        ("limit: raw_positions above u32 (cap 1e-9)", var(max_occupancy="1e-9")),
        # Answered by the binary (serde reads a struct from a sequence), though
        # the contract describes objects: reported as a note, not a mismatch.
        ("lenient: positional JSON array of the seven values", "[100,30,180,20,0.8,0,1]"),
        # Bad lines: each must give {"error":...} and the next line must still be answered.
        ("bad: not JSON", "this is not json"),
        ("bad: empty line", ""),
        ("bad: truncated JSON", '{"transactions":100,'),
        ("bad: JSON array", "[1,2,3]"),
        ("bad: JSON number", "42"),
        ("bad: negative transactions", var(transactions="-1")),
        ("bad: negative aht", var(aht_seconds="-180")),
        ("bad: negative target", var(target_seconds="-0.5")),
        ("bad: zero interval", var(interval_minutes="0")),
        ("bad: zero aht", var(aht_seconds="0")),
        ("bad: service_level 1.2", var(service_level="1.2")),
        ("bad: service_level 1", var(service_level="1")),
        ("bad: service_level 0", var(service_level="0")),
        ("bad: negative service_level", var(service_level="-0.8")),
        ("bad: shrinkage 1", var(shrinkage="1.0")),
        ("bad: shrinkage 1.5", var(shrinkage="1.5")),
        ("bad: negative shrinkage", var(shrinkage="-0.1")),
        ("bad: max_occupancy 0", var(max_occupancy="0")),
        ("bad: max_occupancy 1.01", var(max_occupancy="1.01")),
        ("bad: missing transactions", var(transactions=None)),
        ("bad: missing service_level", var(service_level=None)),
        ("bad: missing target_seconds", var(target_seconds=None)),
        ("bad: string number", var(transactions='"100"')),
        ("bad: null transactions", var(transactions="null")),
        ("bad: zero transactions, service_level 1.5", var(transactions="0", service_level="1.5")),
        ("bad: traffic above 1e9 erlangs", var(transactions="1e12", interval_minutes="1")),
        ("bad: number out of f64 range", var(transactions="1e400")),
        ("bad: not UTF-8", b"\xff\xfe{}"),
        ("bad: UTF-8 byte order mark before the object", b"\xef\xbb\xbf" + line_of(base).encode()),
        ("bad: duplicate field",
         '{"transactions":100,"transactions":200,"interval_minutes":30,"aht_seconds":180,'
         '"target_seconds":20,"service_level":0.8}'),
        ("bad: trailing characters", line_of(base) + " x"),
        ("after the bad lines", var(transactions="250", aht_seconds="240")),
    ]
    return cases


# ------------------------------------------------------------- comparison --

def parse_tokens_line(tokens):
    """Parsed request for a dict of tokens (null tokens become None)."""
    return json.loads(line_of(tokens))


def tolerance(field, expected, decimals):
    if field == "service_level":
        # Judged on the share answered late, 1 - SL, so that a service level
        # close to 1 is checked as strictly as the others (plus the rounding
        # of 1 - late on either side).
        tol = REL_TOL * abs(1.0 - expected) + 4.5e-16 + ABS_FLOOR
    else:
        tol = REL_TOL * abs(expected) + ABS_FLOOR
    if decimals is not None:
        places = decimals[1] if field == "asa_seconds" else decimals[0]
        tol += 0.5 * 10.0 ** (-places)
    return tol


def explain_raw_difference(tokens, values, got, want):
    """'tie' when the two counts differ only by a bound met within TIE."""
    t, iv, aht = (float(values[k]) for k in ("transactions", "interval_minutes", "aht_seconds"))
    target, goal = float(values["target_seconds"]), float(values["service_level"])
    a = t * aht / (iv * 60.0)
    a_exact = exact(tokens["transactions"]) * exact(tokens["aht_seconds"]) / (
        exact(tokens["interval_minutes"]) * 60)
    cap = exact(tokens.get("max_occupancy") or "1")
    if abs(got - want) != 1:
        return None
    n = min(got, want)      # accepted by one side, rejected by the other
    perf = performance(n, a, target, aht)
    if perf is None:
        return None
    # Exactly at the cap is no tie: the contract says <=, so n is allowed.
    occupancy_gap = float(a_exact / n / cap - 1)
    if 0 < abs(occupancy_gap) <= TIE:
        return "tie (occupancy at the cap within 1e-12)"
    if abs(perf["service_level"] - goal) <= TIE and a_exact / n <= cap:
        return "tie (service level at the goal within 1e-12)"
    return None


def compare(label, case_tokens, reply, mutant, decimals, stats):
    """Returns (kind, expected) where kind is None for agreement."""
    try:
        got = json.loads(reply)
    except ValueError:
        return "reply is not JSON", None
    if case_tokens is None and label.startswith("lenient"):
        answered = isinstance(got, dict) and "error" not in got
        return ("note: " + label[len("lenient: "):] + " is answered" if answered else None), \
            {"error": "(outside the contract, which describes objects)"}
    if case_tokens is None:                 # raw bad line
        if mutant == "accept-bad":
            return ("reply is an error" if "error" in got else None), {"result": "..."}
        ok = isinstance(got, dict) and list(got) == ["error"] and isinstance(got["error"], str)
        return (None if ok else "bad line not answered with {\"error\":...}"), {"error": "..."}
    try:
        request = parse_tokens_line(case_tokens)
    except ValueError:
        request = None
    values = validate(request) if request is not None else "not JSON"
    if isinstance(values, str):
        if mutant == "accept-bad":
            return ("reply is an error" if "error" in got else None), {"result": "..."}
        ok = isinstance(got, dict) and list(got) == ["error"] and isinstance(got["error"], str)
        return (None if ok else "bad line not answered with {\"error\":...}"), {"error": values}
    tokens = {k: (None if v == "null" else v) for k, v in case_tokens.items()}
    want = expected_answer(tokens, values, mutant)
    if want["positions"] > U32_MAX:         # documented limit of the binary
        ok = isinstance(got, dict) and list(got) == ["error"] and "too large" in got["error"]
        return (None if ok else "count above u32 not answered with the documented error"), want
    if not isinstance(got, dict) or "error" in got:
        return "error for a valid line", want
    if set(got) != set(want):
        return "wrong keys", want
    for key in ("raw_positions", "positions"):
        if not isinstance(got[key], int) or isinstance(got[key], bool):
            return key + " not an integer", want
    if got["raw_positions"] != want["raw_positions"]:
        why = explain_raw_difference(tokens, values, got["raw_positions"], want["raw_positions"])
        return (why or "raw_positions differs"), want
    if got["positions"] != want["positions"]:
        shrink = exact(tokens.get("shrinkage") or "0")
        quotient = Fraction(got["raw_positions"]) / (1 - shrink)
        if abs(quotient - got["positions"]) <= TIE * max(1, got["positions"]):
            return "tie (shrinkage quotient within 1e-12 of a whole number)", want
        return "positions differs", want
    for field in FIGURES:
        g, w = got[field], want[field]
        if not isinstance(g, (int, float)) or isinstance(g, bool):
            return field + " not a number", want
        diff = abs(g - w)
        scale = abs(1.0 - w) if field == "service_level" else abs(w)
        if scale > 1e-12:
            stats[field] = max(stats.get(field, 0.0), diff / scale)
        if diff > tolerance(field, w, decimals):
            return field + " differs", want
    return None, want


# ------------------------------------------------------------------- main --

def self_test():
    """The Python side against itself and the textbook example."""
    for a in (0.3, 9.5, 50.5, 777.7, 1234.5, 1999.0):
        for n in range(int(a) + 1, int(a) + 1 + 60, 7):
            lit, ser = erlang_b_literal(n, a), erlang_b_series(n, a)
            assert abs(lit - ser) <= 1e-12 * lit, (a, n, lit, ser)
    for a in (3000.0, 12345.6):     # literal recursion vs series past the limit
        for n in (int(a) + 1, int(a) + 150, int(a / 0.9)):
            lit, ser = erlang_b_literal(n, a), erlang_b_series(n, a)
            assert abs(lit - ser) <= 1e-11 * lit + 1e-300, (a, n, lit, ser)
    tokens = {"transactions": "100", "interval_minutes": "30", "aht_seconds": "180",
              "target_seconds": "20", "service_level": "0.8", "shrinkage": "0.3",
              "max_occupancy": "1.0"}
    got = expected_answer(tokens, validate(parse_tokens_line(tokens)))
    assert got["raw_positions"] == 14 and got["positions"] == 20, got
    for field, value, tol in (("service_level", 0.888, 5e-4), ("probability_of_waiting", 0.174, 5e-4),
                              ("occupancy", 0.714, 5e-4), ("asa_seconds", 7.8, 0.05)):
        assert abs(got[field] - value) <= tol, (field, got[field])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="?", type=int, default=20000)
    parser.add_argument("seed", nargs="?", type=int, default=1)
    parser.add_argument("--binary", default=DEFAULT_BINARY)
    parser.add_argument("--mutant", choices=MUTANTS)
    parser.add_argument("--decimals", help="R:S, decimals printed for ratios and asa_seconds")
    parser.add_argument("--show", type=int, default=3)
    args = parser.parse_args()
    decimals = tuple(int(x) for x in args.decimals.split(":")) if args.decimals else None

    self_test()
    rng = random.Random(args.seed)
    cases = []                                   # (label, tokens or None, line bytes)
    for label, case in edge_cases():
        if isinstance(case, dict):
            cases.append((label, case, line_of(case).encode()))
        else:
            raw = case if isinstance(case, bytes) else case.encode()
            cases.append((label, None, raw))
    edge_count = len(cases)
    for i in range(args.cases):
        tokens = random_case(rng)
        cases.append((f"random #{i}", tokens, line_of(tokens).encode()))
    # Put the edge cases first, then interleave a bad line every 997 random cases
    # so that "carries on after a bad line" is exercised throughout.
    stream = list(cases[:edge_count])
    for k, case in enumerate(cases[edge_count:]):
        stream.append(case)
        if k % 997 == 996:
            stream.append(("bad: interleaved garbage", None, b'{"transactions":'))

    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} not found: build it with "
                 "`cargo build --release --example staffing` or pass --binary")
    payload = b"\n".join(line for _, _, line in stream) + b"\n"
    run = subprocess.run([args.binary], input=payload, capture_output=True, check=False)
    replies = run.stdout.decode("utf-8", "replace").split("\n")
    if replies and replies[-1] == "":
        replies.pop()
    if run.returncode != 0:
        print(f"binary exited with status {run.returncode}: {run.stderr.decode()[-500:]}")
    if len(replies) != len(stream):
        print(f"MISMATCH: {len(stream)} lines in, {len(replies)} lines out")

    stats, kinds, examples = {}, {}, {}
    answered = errors = 0
    loads, capped, shrunk, walked, walked_big = [], 0, 0, 0, 0
    for (label, tokens, line), reply in zip(stream, replies):
        kind, want = compare(label, tokens, reply, args.mutant, decimals, stats)
        if label.startswith("random") and want and "raw_positions" in want:
            a_exact = exact(tokens["transactions"]) * exact(tokens["aht_seconds"]) / (
                exact(tokens["interval_minutes"]) * 60)
            loads.append(float(a_exact))
            by_cap = math.ceil(a_exact / exact(tokens["max_occupancy"]))
            stable = math.floor(a_exact) + 1
            capped += want["raw_positions"] == by_cap > stable
            walked += want["raw_positions"] > max(by_cap, stable)
            walked_big += want["raw_positions"] > max(by_cap, stable) and a_exact > 1000
            shrunk += want["positions"] != want["raw_positions"]
        if '"error"' in reply:
            errors += 1
        else:
            answered += 1
        if kind is None:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        examples.setdefault(kind, [])
        if len(examples[kind]) < args.show:
            examples[kind].append((label, line.decode("utf-8", "replace"), reply,
                                   json.dumps(want)))

    ties = sum(n for k, n in kinds.items() if k.startswith("tie"))
    notes = sum(n for k, n in kinds.items() if k.startswith("note"))
    mismatches = sum(kinds.values()) - ties - notes
    if len(replies) != len(stream):
        mismatches += 1
    print(f"seed {args.seed}: {args.cases} random cases + {edge_count} edge cases "
          f"+ {len(stream) - len(cases)} interleaved bad lines = {len(stream)} lines"
          + (f"  [mutant {args.mutant}]" if args.mutant else ""))
    print(f"  answered {answered}, errors {errors}; mismatches {mismatches}, ties {ties}, notes {notes}")
    if loads:
        loads.sort()
        print(f"  load (erlangs): min {loads[0]:.3g}, median {loads[len(loads) // 2]:.3g}, "
              f"max {loads[-1]:.3g}; above 1000: {sum(x > 1000 for x in loads)}, "
              f"above 10000: {sum(x > 10000 for x in loads)}; "
              f"above 100000: {sum(x > 100000 for x in loads)}")
        print(f"  count set by the occupancy cap: {capped}; by the service level above the "
              f"first allowed count: {walked} ({walked_big} above 1000 erlangs); "
              f"positions > raw: {shrunk}")
    print("  largest relative difference (service level: of 1 - SL): " + ", ".join(
        f"{f} {stats.get(f, 0.0):.1e}" for f in FIGURES))
    for kind in sorted(kinds):
        print(f"  {kind}: {kinds[kind]}")
        for label, line, reply, want in examples[kind]:
            print(f"    [{label}]\n      in:       {line}\n      binary:   {reply}\n"
                  f"      expected: {want}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
