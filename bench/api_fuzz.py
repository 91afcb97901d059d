"""The long contract fuzz, for releases: schemathesis over every operation of the API.

    .venv/bin/python bench/api_fuzz.py [--db sqlite|postgres] [--examples 100]
        [--stateful 300] [--steps 20] [--seed N] [--max-time SECONDS]

The same run as the test command's contract check (`backoffice/api/tests/fuzz.py`: every
phase, the same checks, a provider admin's token in a client whose books, work and commerce
have data), with a larger budget, against a fresh database of its own (`bo_bench_api_fuzz`
on $BENCH_PG for PostgreSQL, dropped at the end). Prints the figures and every failure with
a curl line to reproduce it; exits 1 if there is one.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

from ledger_common import setup_django, teardown

PG_DB = "bo_bench_api_fuzz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--examples", type=int, default=100, help="per operation and phase")
    parser.add_argument("--stateful", type=int, default=300, help="stateful scenarios")
    parser.add_argument("--steps", type=int, default=20, help="steps per stateful scenario")
    parser.add_argument("--seed", type=int, default=None, help="default: the CI seed")
    parser.add_argument("--max-time", type=int, default=None, help="stop after so many seconds")
    args = parser.parse_args()

    setup_django(args.db, pg_db=PG_DB)
    try:
        from backoffice.api.tests import fuzz

        token = world()
        budget = fuzz.Budget(
            max_examples=args.examples,
            stateful_examples=args.stateful,
            stateful_steps=args.steps,
            seed=args.seed if args.seed is not None else fuzz.Budget().seed,
            max_time=args.max_time,
        )
        print(f"machine: {platform.machine()} {os.cpu_count()} cores, {args.db}; {budget}")
        report = fuzz.run(token, budget)
    finally:
        teardown(args.db, pg_db=PG_DB)
    print(report.summary())
    for line in report.failures + report.errors:
        print(line)
    for line in report.known:
        print(f"known: {line}")
    return 1 if report.failures or report.errors else 0


def world() -> str:
    """A provider, a client with data in every app, and a provider admin's token in it."""
    from backoffice.api.tests import fuzz
    from backoffice.tenancy.roles import Role
    from backoffice.tenancy.tests.factories import (
        ClientOrgFactory,
        ProviderFactory,
        UserFactory,
        make_member,
        make_token,
    )

    provider = ProviderFactory.create()
    client = ClientOrgFactory.create(provider=provider, slug="fuzz-client", name="Fuzz client")
    admin = UserFactory.create(username="fuzz-admin", is_staff=True)
    make_member(provider, admin, Role.PROVIDER_ADMIN)
    fuzz.seed_tenant(client)
    return make_token(admin, client)


if __name__ == "__main__":
    sys.exit(main())
