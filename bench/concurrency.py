"""Fifty people pressing the same button at once, on PostgreSQL, through the whole HTTP stack (middleware, sessions,
DRF, the services' row locks): the races of tests/test_concurrency_http.py run outside pytest, with their figures
(for RELIABILITY.md). Not part of the test suite; the test runs the same races and checks the same things.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/concurrency.py
        [--parallel 50] [--race gate --race risk_close ...] [--keepdb] [--json out.json]

It works in a database of its own, `<database>_concurrency_check` on the same server: created (migrated, the demo
seeded) and dropped at the end; with --keepdb it is kept and reused, which skips the two minutes of setup (each race
builds fresh objects, so a kept database can be raced again). No other database is touched. The settings are
portal.settings.test unless DJANGO_SETTINGS_MODULE says otherwise (Celery tasks run eagerly in the calling thread,
e-mail stays in memory).

Prints one line per race: parallel requests, winners, 409s, other statuses, the error codes of the refusals, the
wall time of the race and the median and slowest request, and whether the database held exactly the winner's
writes afterwards (one state change, one audit event, one history row, one set of notifications). Exits 1 if a
race had other than its winners, a 5xx, or anything half-written."""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--parallel", type=int, default=50, help="simultaneous requests per race (default 50)"
    )
    parser.add_argument("--race", action="append", help="run only this race (repeatable); default: all")
    parser.add_argument("--keepdb", action="store_true", help="keep the check database for the next run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)  # the figures, not every task and login of the run
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    if connection.vendor != "postgresql":
        print("bench/concurrency.py needs PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    setup_test_environment()  # the test client's host, in-memory e-mail
    database = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{database}_concurrency_check"
    began = time.perf_counter()
    connection.creation.create_test_db(verbosity=1, autoclobber=True, keepdb=args.keepdb, serialize=False)
    try:
        from portal.core.demo import seed_all

        seed_all()
        setup = time.perf_counter() - began
        import test_concurrency_http as races

        names = args.race or list(races.RACES)
        unknown = set(names) - set(races.RACES)
        if unknown:
            print(f"unknown races: {sorted(unknown)}; known: {', '.join(races.RACES)}", file=sys.stderr)
            return 2
        print(
            f"database {connection.settings_dict['NAME']} ready in {setup:.0f} s; "
            f"{args.parallel} simultaneous requests per race"
        )
        header = (
            f"{'race':<50} {'parallel':>8} {'winners':>7} {'409':>4} {'other':>10} {'elapsed s':>9} "
            f"{'median s':>8} {'slowest s':>9}  consistent  refusal codes"
        )
        print(header)
        print("-" * len(header))
        rows, failed = [], False
        for name in names:
            race = races.fire(races.RACES[name](args.parallel))
            try:
                race.check(race.outcomes)
                problem = ""
            except AssertionError as exc:
                problem = str(exc).splitlines()[0][:300] if str(exc) else "check failed"
                failed = True
            row = {**race.figures(), "key": name, "consistent": not problem, "problem": problem}
            rows.append(row)
            other = ",".join(f"{s}×{n}" for s, n in row["other"].items()) or "-"
            codes = ", ".join(f"{c}×{n}" for c, n in row["codes"].items())
            print(
                f"{row['race']:<50} {row['parallel']:>8} {row['winners']:>7} {row['409']:>4} {other:>10} "
                f"{row['seconds']:>9.2f} {row['median_request']:>8.2f} {row['slowest_request']:>9.2f}  "
                f"{'yes' if not problem else 'NO':<10}  {codes}"
            )
            if problem:
                print(f"    !! {problem}")
        if args.json:
            args.json.write_text(
                json.dumps({"parallel": args.parallel, "races": rows}, ensure_ascii=False, indent=2)
            )
        return 1 if failed else 0
    finally:
        connection.creation.destroy_test_db(database, verbosity=1, keepdb=args.keepdb)
        teardown_test_environment()


if __name__ == "__main__":
    sys.exit(main())
