"""A creator's royalty statement PDF with 100,000 lines: time, pages and peak memory.

Run: .venv/bin/python -m tests.benchmarks.bench_statement_pdf [--lines 100000] [--locale fr]
Renders twice: once timed, once under tracemalloc (which slows Python down several times) for the peak of
Python allocations. Prints figures; no assertion, no timed test.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.benchmarks.bench_promotion import peak_mib

PRODUCTS = ["Night Owl", "Hibou étoilé", "Renard roux sous la pluie d'automne", "Marée basse", "Ciel"]
TYPES = ["T-shirt", "Hoodie", "Poster", "Mug", "Sticker"]


def make_statement(count: int):  # noqa: ANN201 - Statement, imported late like the app
    """``count`` lines shaped like a busy month: mostly sales, some refunds, holds and a payout."""
    from contest.royalties.statement_types import Statement, StatementLine

    start = datetime(2026, 10, 1, tzinfo=UTC)
    lines = []
    for n in range(count):
        at = start + timedelta(seconds=n * 26)
        product = f"{PRODUCTS[n % len(PRODUCTS)]} — {TYPES[n % len(TYPES)]}"
        price = 1500 + (n % 7) * 500
        royalty = price // 10
        if n % 500 == 499:
            lines.append(StatementLine(at=at, kind="payout", amount=-royalty * 400, status=""))
        elif n % 97 == 0:
            lines.append(StatementLine(at=at, kind="hold", amount=-royalty, status="held", order_id=n))
        else:
            refund = n % 23 == 0
            lines.append(
                StatementLine(
                    at=at,
                    kind="refund" if refund else "sale",
                    amount=-royalty if refund else royalty,
                    status="cleared" if n % 3 else "pending",
                    order_id=100_000 + n,
                    product=product,
                    variant="M · Navy",
                    quantity=1 + n % 3,
                    retail_price=price,
                    discount=0 if n % 5 else 200,
                    base_cost=price // 3,
                    net=price,
                    rate_bps=1000,
                    explanation=f"10 % × €{price / 100:.2f} = €{royalty / 100:.2f}, rounded half up",
                )
            )
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.kind] = totals.get(line.kind, 0) + line.amount
    return Statement(
        creator_id=1,
        creator_name="Zoé Martin",
        period="2026-10",
        currency="EUR",
        opening=0,
        closing=sum(totals.values()),
        lines=tuple(lines),
        generated_at=datetime.now(UTC),
        closed=False,
        totals=totals,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--locale", default="fr", choices=["en", "fr"])
    parser.add_argument("--skip-tracemalloc", action="store_true", help="only the timed run")
    args = parser.parse_args()

    from pypdf import PdfReader

    from config import DevelopmentConfig
    from contest import create_app
    from contest.royalties.pdf import render_statement_pdf

    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as work:
        app = create_app(
            DevelopmentConfig,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(work) / 'bench.db'}",
            UPLOAD_ROOT=str(Path(work) / "uploads"),
        )
        statement = make_statement(args.lines)
        with app.test_request_context(headers={"Accept-Language": args.locale}):
            render_statement_pdf(make_statement(10))  # fonts registered, catalogues loaded
            before = peak_mib()
            started = time.perf_counter()
            pdf = render_statement_pdf(statement)
            seconds = time.perf_counter() - started
            rss = peak_mib()
            traced = None
            if not args.skip_tracemalloc:
                tracemalloc.start()
                render_statement_pdf(statement)
                traced = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"lines              {args.lines:>10,}")
    print(f"seconds            {seconds:>10.1f}   ({seconds / args.lines * 1e6:.0f} µs a line)")
    print(f"pages              {pages:>10,}")
    print(f"PDF size MiB       {len(pdf) / 2**20:>10.1f}")
    print(f"peak RSS MiB       {rss:>10.1f}   ({before:.1f} before rendering)")
    if traced is not None:
        print(f"tracemalloc peak   {traced:>10.1f}   MiB of Python allocations during one render")


if __name__ == "__main__":
    main()
