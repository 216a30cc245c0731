"""Deterministic demo organisations: the data the sandbox serves.

`generate(seed, size, orgs)` builds "Demo Company (NZ)", "Demo Company (UK)" (then AU, US and
numbered repeats) with a real chart of accounts, contacts, items and two years of documents
(seed_documents, seed_invoices), the journals those documents post, the Assets and
Projects APIs' records (seed_apis) and the payroll of its region (seed_payroll); settings,
contacts and items come from seed_settings, history notes and attachments from
seed_history. `size` is about the number of invoices per organisation; everything else
scales from it. Same arguments -> identical data (one seeded `random.Random` per
organisation).
"""

from __future__ import annotations

import gc
import random
import time

from xero_sandbox.backend import seed_documents, seed_files, seed_history, seed_payroll
from xero_sandbox.backend.chart import PROFILE_ORDER, PROFILES, CountryProfile
from xero_sandbox.backend.seed_apis import assets, projects
from xero_sandbox.backend.seed_context import DAY_MS, HOUR_MS, IdSource, SeedContext
from xero_sandbox.backend.seed_settings import (
    accounts,
    branding_themes,
    budgets,
    contact_groups,
    contacts,
    currencies,
    items,
    misc_settings,
    organisation,
    tax_rates,
    tracking_categories,
    users,
)
from xero_sandbox.backend.store import Attachment, Organisation


def generate(seed: int = 42, size: int = 200, orgs: int = 3,
             now_ms: int | None = None) -> list[Organisation]:
    """Build `orgs` demo organisations of about `size` invoices each, the same for the same args.

    `now_ms` anchors every date (documents span the two years before it); without it, the
    start of the current UTC day is used.
    """
    if now_ms is None:
        now_ms = int(time.time() // 86_400) * DAY_MS
    # Millions of fresh dicts, none of them cyclic: the cycle collector would only rescan them.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [_organisation(seed, index, size, now_ms) for index in range(max(1, orgs))]
    finally:
        if gc_was_enabled:
            gc.enable()


def _organisation(seed: int, index: int, size: int, now_ms: int) -> Organisation:
    code = PROFILE_ORDER[index % len(PROFILE_ORDER)]
    profile = PROFILES[code]
    rng = random.Random(f"xero-sandbox:{seed}:{index}")
    ids = IdSource(rng)
    repeat = index // len(PROFILE_ORDER)
    name = f"Demo Company ({code})" + (f" {repeat + 1}" if repeat else "")
    created = now_ms - (3 * 365 + int(rng.random() * 365)) * DAY_MS
    short = "!" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789")
                          for _ in range(5))
    org = Organisation(tenant_id=ids(), name=name, short_code=short, created_ms=created,
                       base_currency=profile.currency, country=profile.country)
    build(SeedContext(org=org, profile=profile, rng=rng, now_ms=now_ms, size=max(1, size)))
    return org


def build(ctx: SeedContext) -> None:
    """Fill one organisation: settings, contacts, documents, journals, assets, projects."""
    organisation(ctx)
    accounts(ctx)
    tax_rates(ctx)
    currencies(ctx)
    tracking_categories(ctx)
    branding_themes(ctx)
    users(ctx)
    contact_groups(ctx)
    contacts(ctx)
    items(ctx)
    seed_documents.build(ctx)
    budgets(ctx)
    misc_settings(ctx)
    assets(ctx)
    projects(ctx)
    attachments(ctx)
    seed_history.build(ctx)
    seed_payroll.build(ctx)  # last: what the rng drew before it is every other record
    for stream, rows in ctx.staged.items():
        ctx.org.coll(stream).load(rows)
    seed_files.build(ctx.org, ctx.size, ctx.now_ms)  # last, from a generator of its own


# --- attachments --------------------------------------------------------------------------------

def attachments(ctx: SeedContext) -> None:
    """A few small files on invoices, contacts and bank transactions (seed_history adds
    notes and files to every other kind of record that has them)."""
    for stream, count in (("invoices", 4), ("contacts", 2), ("bank_transactions", 2)):
        rows = ctx.staged.get(stream, [])
        pk = {"invoices": "InvoiceID", "contacts": "ContactID",
              "bank_transactions": "BankTransactionID"}[stream]
        for k in range(min(count, len(rows))):
            rec, updated = rows[(len(rows) // 2 + k * 7) % len(rows)]  # not the first listed
            rid = rec[pk]
            if ctx.org.attachments.get((stream, rid)):
                continue
            name = f"receipt-{k + 1}.txt" if k % 2 else f"scan-{k + 1}.pdf"
            mime = "text/plain" if k % 2 else "application/pdf"
            body = (b"%PDF-1.4\n% demo\n" if not k % 2 else b"") + f"{stream} {rid}\n".encode()
            ctx.org.attachments[(stream, rid)] = [Attachment(ctx.ids(), name, mime, body)]
            rec["HasAttachments"] = True
            ctx.org.add_history(stream, rid, f"Attached the file {name} through Xero.",
                                seed_history.ATTACHED, ctx.refs["user_names"][0], updated)


__all__ = ["HOUR_MS", "CountryProfile", "generate"]
