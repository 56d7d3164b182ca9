#!/usr/bin/env python3
"""Cross-check examples/sla_deadline against an independent implementation.

Generates random deadline cases (twelve time zones with their daylight-saving
changes, among them half-hour and 45-minute offsets; split days, intervals
crossing midnight, "24:00", holidays; about a quarter of the cases start in
the days before a change of offset, with bounds in the hours when clocks
change),
runs them through the example and compares every answer with a plain
interval-by-interval count written here with Python's zoneinfo.

    scripts/sla_deadline_crosscheck.py [CASES] [SEED]

Needs python3 (3.9 or newer) and the system time zone database (Debian
package tzdata). The two sides use different copies of the time zone rules
(chrono-tz bundles its own), so a zone whose rules changed between the two
copies can differ; the zones below have had stable rules for years.
"""

import json
import random
import subprocess
import sys
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ZONES = [
    "Europe/Amsterdam", "America/New_York", "Australia/Sydney",
    "America/Santiago", "Asia/Tokyo", "Asia/Kolkata", "Australia/Lord_Howe",
    "Pacific/Chatham", "UTC", "Europe/London", "America/Sao_Paulo",
    "Europe/Helsinki",
]


def minutes_of(hhmm):
    hours, minutes = map(int, hhmm.split(":"))
    return hours * 60 + minutes


def as_hhmm(minutes):
    return "%02d:%02d" % (minutes // 60, minutes % 60)


def exists(local, zone):
    """Whether a naive local time occurs (is not in a spring-forward gap)."""
    instant = local.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)
    return instant.astimezone(zone).replace(tzinfo=None) == local


def instant(day, hhmm, zone):
    """A local date and wall time as a UTC instant: a time in a gap moves to
    the first minute after it, an ambiguous one takes the earlier instant."""
    local = datetime.combine(day, time(0, 0)) + timedelta(minutes=minutes_of(hhmm))
    while not exists(local, zone):
        local += timedelta(minutes=1)
    return local.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)


def open_intervals(case, first_day, last_day):
    """The calendar's open intervals (UTC) that start on these local dates."""
    zone = ZoneInfo(case["tz"])
    holidays = set(case.get("holidays", []))
    intervals = []
    day = first_day
    while day <= last_day:
        if day.isoformat() not in holidays:
            for opens, closes in case["weekly"].get(DAYS[day.weekday()], []):
                if closes == "24:00":
                    close_day, closes = day + timedelta(days=1), "00:00"
                elif minutes_of(closes) <= minutes_of(opens):
                    close_day = day + timedelta(days=1)
                else:
                    close_day = day
                start, end = instant(day, opens, zone), instant(close_day, closes, zone)
                if end > start:
                    intervals.append((start, end))
        day += timedelta(days=1)
    return sorted(intervals)


def expected_deadline(case):
    start = datetime.fromisoformat(case["start"].replace("Z", "+00:00"))
    left = timedelta(minutes=case["minutes"])
    zone = ZoneInfo(case["tz"])
    # An interval that crosses midnight may have started the day before.
    day = start.astimezone(zone).date() - timedelta(days=2)
    while day.year < 2100:
        for opens, closes in open_intervals(case, day, day + timedelta(days=6)):
            if closes <= start:
                continue
            counting = max(opens, start)
            if counting + left <= closes:
                return (counting + left).strftime("%Y-%m-%dT%H:%M:%SZ")
            left -= closes - counting
            start = closes
        day += timedelta(days=7)
    return None


TRANSITIONS = {}


def transitions(name):
    """The instants in 2026 at which a zone's UTC offset changes."""
    if name not in TRANSITIONS:
        zone, found = ZoneInfo(name), []
        moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
        while moment.year == 2026:
            later = moment + timedelta(minutes=15)
            if moment.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset():
                found.append(later)
            moment = later
        TRANSITIONS[name] = found
    return TRANSITIONS[name]


def random_case(rng):
    name = rng.choice(ZONES)
    # A third of the cases in zones that change start in the days before a change,
    # with interval bounds around the small hours when clocks change.
    near_change = bool(transitions(name)) and rng.random() < 0.35
    weekly = {}
    for day in DAYS:
        if rng.random() < 0.2:
            continue
        count = rng.choice([1, 1, 2, 3])
        step = rng.choice([15, 30, 60])
        bounds = sorted(rng.sample(range(0, 24 * 60 + 1, step), 2 * count))
        intervals = []
        for i in range(count):
            opens, closes = bounds[2 * i], bounds[2 * i + 1]
            if opens < closes:
                intervals.append([as_hhmm(opens), "24:00" if closes == 1440 else as_hhmm(closes)])
        if near_change and rng.random() < 0.6:
            bounds = sorted(rng.sample([60, 90, 120, 135, 150, 165, 180, 210, 225, 240], 2))
            intervals = [[as_hhmm(bounds[0]), as_hhmm(bounds[1])]] + [iv for iv in intervals if minutes_of(iv[0]) >= bounds[1]]
        if intervals and intervals[-1][1] != "24:00" and rng.random() < 0.3:
            # The last interval runs past midnight instead.
            opens = minutes_of(intervals[-1][0])
            closes = rng.choice([0, 60, 120, 180])
            if closes < opens:
                intervals[-1] = [as_hhmm(opens), as_hhmm(closes)]
        if intervals:
            weekly[day] = intervals
    # Keep the next day clear of an interval that runs into it.
    for i, day in enumerate(DAYS):
        for opens, closes in list(weekly.get(day, [])):
            if closes != "24:00" and minutes_of(closes) < minutes_of(opens):
                following = DAYS[(i + 1) % 7]
                kept = [iv for iv in weekly.get(following, []) if minutes_of(iv[0]) >= minutes_of(closes)]
                if kept:
                    weekly[following] = kept
                else:
                    weekly.pop(following, None)
    if not weekly:
        weekly = {"wed": [["09:00", "17:00"]]}
    if near_change:
        start = rng.choice(transitions(name)) - timedelta(minutes=rng.randint(0, 4 * 1440))
    else:
        start = datetime(2026, rng.choice([1, 3, 4, 6, 9, 10, 11]), rng.randint(1, 28), tzinfo=timezone.utc)
        start += timedelta(minutes=rng.randint(0, 3 * 1440))
    case = {
        "tz": name,
        "weekly": weekly,
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "minutes": rng.choice([0, 1, 30, 59, 240, 480, 600, 1440, 3000, 10000, rng.randint(0, 20000)]),
    }
    holidays = sorted({(start.date() + timedelta(days=rng.randint(-2, 20))).isoformat() for _ in range(rng.randint(0, 4))})
    if holidays:
        case["holidays"] = holidays
    return case


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    cases = [random_case(rng) for _ in range(count)]
    lines = "".join(json.dumps(case) + "\n" for case in cases)
    answers = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "--example", "sla_deadline"],
        input=lines, capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    if len(answers) != len(cases):
        sys.exit("expected %d answers, got %d" % (len(cases), len(answers)))
    mismatches = 0
    for case, answer in zip(cases, answers):
        want, got = expected_deadline(case), json.loads(answer).get("deadline")
        if want != got:
            mismatches += 1
            if mismatches <= 5:
                print("mismatch:", json.dumps(case), "gave", answer, "expected", want)
    print("%d cases, %d mismatches" % (len(cases), mismatches))
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
