#!/usr/bin/env python3
"""Backtest `frontline-forecast` on a real public contact-volume series.

Series: `calls` from the R package fpp2 (Hyndman & Athanasopoulos, "Forecasting:
principles and practice", 2nd ed., https://github.com/robjhyndman/fpp2-package,
data/calls.rda): "Call volume for a large North American bank. Five-minute call volume
handled on weekdays between 7:00am and 9:05pm, beginning 3 March 2003 for 164 days"
(27,716 intervals; the data of Weinberg, Brown & Stroud, JASA 2007). The data is not
in this repository; export it once from R or Python:

    R:      write.csv(data.frame(calls = as.numeric(fpp2::calls)), "calls.csv", row.names = FALSE)
    Python: pyreadr.read_r("calls.rda")["calls"].to_csv("calls.csv", index=False)

Usage: tests/bench/real_series_backtest.py calls.csv path/to/frontline-forecast [weeks]

Assumptions, stated because the package gives only "weekdays from 3 March 2003": the
dates below (MISSING), the zone America/New_York (the bank's is not given), and no calls
on weekends or the missing days (the tool sees them as days without contacts). Hours of
missing days, and hours whose seasonal-naive reference day is missing, are not scored. Each 5-minute count becomes that many
arrivals spread evenly inside its interval.

For each of the last `weeks` Mondays the tool is fitted on everything before it and
forecasts 7 days; the seasonal-naive forecast is the same local hour one week earlier.
Prints each week's WAPE for both and the total, as JSON.
"""
import csv, datetime as dt, json, os, subprocess, sys, tempfile
from collections import Counter
from zoneinfo import ZoneInfo

counts_path, tool = sys.argv[1], sys.argv[2]
weeks = int(sys.argv[3]) if len(sys.argv) > 3 else 8
tz = ZoneInfo("America/New_York")
with open(counts_path) as f:
    rows = list(csv.reader(f))
values = [int(float(r[0])) for r in rows[1:]]
per_day = 169
assert len(values) % per_day == 0, len(values)
# The 164 days are the weekdays of 3 March - 24 October 2003 but six: the US bank
# holidays 26 May, 4 July, 1 September and 13 October, and two days in the week of 7 April
# (taken as Monday 7 and Tuesday 8). Inferred from the series, where Mondays (or the day
# after a Monday holiday) are each week's busiest day; with these six days out every
# week's peak falls on its first working day.
MISSING = {dt.date(2003, 4, 7), dt.date(2003, 4, 8), dt.date(2003, 5, 26),
           dt.date(2003, 7, 4), dt.date(2003, 9, 1), dt.date(2003, 10, 13)}
days, day = [], dt.date(2003, 3, 3)
while len(days) < len(values) // per_day:
    if day.weekday() < 5 and day not in MISSING:
        days.append(day)
    day += dt.timedelta(days=1)
assert days[-1] == dt.date(2003, 10, 24), days[-1]
present = set(days)
hourly = Counter()  # local (date, hour) -> calls
arrivals = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)
arrivals.write("arrived_at\n")
for d_index, d in enumerate(days):
    for slot in range(per_day):
        n = values[d_index * per_day + slot]
        start = dt.datetime(d.year, d.month, d.day, 7, 0, tzinfo=tz) + dt.timedelta(minutes=5 * slot)
        for k in range(n):
            t = start + dt.timedelta(seconds=300 * (k + 0.5) / n)
            arrivals.write(t.isoformat(timespec="seconds") + "\n")
        hourly[(d, start.hour)] += n
arrivals.close()

def actual(date, hour):
    return hourly.get((date, hour), 0)

last_monday = days[-1] - dt.timedelta(days=days[-1].weekday())
if days[-1].weekday() < 4:  # the last week is not whole
    last_monday -= dt.timedelta(days=7)
origins = [last_monday - dt.timedelta(days=7 * i) for i in range(weeks)][::-1]
report, tot = [], Counter()
for origin in origins:
    out = subprocess.run([tool, "--arrivals", arrivals.name, "--until", origin.isoformat(),
                          "--days", "7", "--tz", "America/New_York"],
                         capture_output=True, text=True, check=True)
    forecast = json.loads(out.stdout)
    err_model = err_naive = total = 0.0
    for h in forecast["hours"]:
        start = dt.datetime.fromisoformat(h["start"]).astimezone(tz)
        a = actual(start.date(), start.hour)
        naive = actual(start.date() - dt.timedelta(days=7), start.hour)
        if start.date() in MISSING or start.date() - dt.timedelta(days=7) in MISSING:
            continue  # no data for that day, or for seasonal naive's reference day
        err_model += abs(h["expected"] - a)
        err_naive += abs(naive - a)
        total += a
    tot.update(model=err_model, naive=err_naive, actual=total)
    report.append({"week_from": origin.isoformat(), "model": forecast["model"],
                   "wape": round(err_model / total, 4), "seasonal_naive_wape": round(err_naive / total, 4)})
os.unlink(arrivals.name)
summary = {"weeks": report, "wape": round(tot["model"] / tot["actual"], 4),
           "seasonal_naive_wape": round(tot["naive"] / tot["actual"], 4)}
summary["improvement"] = round(1 - summary["wape"] / summary["seasonal_naive_wape"], 4)
print(json.dumps(summary, indent=1))
