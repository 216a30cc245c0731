"""The third demo organisation: the sandbox's default is NZ, UK and AU, and adding AU (and the
payroll data every organisation now gets) leaves the first two organisations' existing records
exactly as they were."""

from __future__ import annotations

import hashlib
import json

from xero_sandbox.backend.sandbox import Sandbox, SandboxConfig
from xero_sandbox.backend.seed import generate
from xero_sandbox.backend.store import Organisation
from xero_sandbox.cli import build_parser

NOW = 1_780_000_000_000  # 2026-05-28
# The APIs the sandbox served before the payroll, files and finance data were added.
OLD_APIS = ("accounting", "assets", "projects")
# sha256 of each organisation's Accounting, Assets and Projects data at seed 42, size 30, as
# the seed made it before the third organisation and the payroll data existed (commit ff05655).
PINNED = ["894827e8e72fe65cef6b23ca68ef8c3dcd8ffcb757121bb8cf36a9f9f8db429d",
          "27d3bf9ed09a3b0d753170753bc2385deb854a697db19a5eba078e94d27564ef",
          "2b2d228bbee04b0b68710b96908171265ee50996263619635f2af9068e3a6e6a"]


def old_data_digest(org: Organisation) -> str:
    streams = sorted(s for s, c in org.collections.items() if c.endpoint.api in OLD_APIS)
    text = json.dumps({
        "tenant": org.tenant_id, "name": org.name,
        "records": {s: [org.coll(s).records[k] for k in sorted(org.coll(s).records)]
                    for s in streams},
        "updated": {s: sorted(org.coll(s).updated_ms.items()) for s in streams},
        "history": sorted((f"{k[0]}/{k[1]}", v) for k, v in org.history.items()
                          if org.coll(k[0]).endpoint.api in OLD_APIS),
        "attachments": sorted(f"{k[0]}/{k[1]}/{a.file_name}"
                              for k, v in org.attachments.items() for a in v),
    }, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_default_is_three_organisations_nz_uk_au() -> None:
    assert SandboxConfig().orgs == 3
    assert build_parser().parse_args(["serve"]).orgs == 3
    sandbox = Sandbox(SandboxConfig(size=5), now_ms=NOW)
    assert [t.name for t in sandbox.tenants()] == [
        "Demo Company (NZ)", "Demo Company (UK)", "Demo Company (AU)"]
    assert [o.country for o in sandbox.store.orgs.values()] == ["NZ", "GB", "AU"]
    assert len(sandbox.identity.custom_clients) == 3


def test_the_first_two_organisations_keep_their_ids_and_data() -> None:
    two = generate(seed=42, size=30, orgs=2, now_ms=NOW)
    three = generate(seed=42, size=30, orgs=3, now_ms=NOW)
    for old, new in zip(two, three[:2], strict=True):
        assert old.tenant_id == new.tenant_id and old.name == new.name
        for stream, coll in old.collections.items():
            assert sorted(coll.records) == sorted(new.coll(stream).records), stream
        assert old_data_digest(old) == old_data_digest(new)
    assert [old_data_digest(o) for o in three] == PINNED
