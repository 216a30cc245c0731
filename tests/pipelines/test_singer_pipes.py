"""The plain Singer pipe as a shell runs it: discover, tap | target-jsonl, tap | target-xero."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.pipelines.conftest import bin_of, read_jsonl, run


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path


def select(catalog: dict[str, Any], streams: set[str]) -> dict[str, Any]:
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog


def tap_config(sandbox: Any, org: int = 0) -> dict[str, Any]:
    return dict(sandbox.orgs[org]["settings"], start_date="2000-01-01T00:00:00Z")


def test_discover_then_tap_into_target_jsonl(sandbox: Any, target_jsonl: Path,
                                            tmp_path: Path) -> None:
    sandbox.clean()
    sandbox.set_limits(False)
    tap = bin_of("tap-xero")
    write_json(tmp_path / "c.json", tap_config(sandbox))
    write_json(tmp_path / "t.json", {"destination_path": str(tmp_path / "out"),
                                     "do_timestamp_file": False})
    (tmp_path / "out").mkdir()
    write_json(tmp_path / "state.json", {})
    run(f"{tap} --config c.json --discover > catalog.json", cwd=tmp_path)
    catalog = json.loads((tmp_path / "catalog.json").read_text())
    assert {"contacts", "invoices", "report_rows"} <= {s["tap_stream_id"] for s in
                                                       catalog["streams"]}
    write_json(tmp_path / "catalog.json", select(catalog, {"contacts", "invoices", "items"}))
    run(f"set -o pipefail; {tap} --config c.json --catalog catalog.json --state state.json "
        f"2> tap.log | {target_jsonl} --config t.json > state-out.jsonl", cwd=tmp_path)
    tenant = sandbox.orgs[0]["tenant_id"]
    for stream, key in (("contacts", "ContactID"), ("invoices", "InvoiceID"),
                        ("items", "ItemID")):
        landed = {r[key] for r in read_jsonl(tmp_path / "out" / f"{stream}.jsonl")}
        assert landed == {r[key] for r in sandbox.records(tenant, stream)}, stream
    assert not (tmp_path / "out" / "accounts.jsonl").exists()
    final = json.loads((tmp_path / "state-out.jsonl").read_text().splitlines()[-1])
    assert "contacts" in final["bookmarks"]


def test_tap_into_target_xero_copies_an_organisation(sandbox: Any, tmp_path: Path) -> None:
    """contacts and items of org 0 are written into org 1."""
    sandbox.clean()
    sandbox.set_limits(False)
    source, dest = (o["tenant_id"] for o in sandbox.orgs[:2])
    tap, target = bin_of("tap-xero"), bin_of("target-xero")
    write_json(tmp_path / "c.json", tap_config(sandbox, 0))
    write_json(tmp_path / "t.json", dict(sandbox.orgs[1]["settings"],
                                         rejects_path=str(tmp_path / "rejects.jsonl"),
                                         fail_on_reject=True))
    run(f"{tap} --config c.json --discover > catalog.json", cwd=tmp_path)
    catalog = json.loads((tmp_path / "catalog.json").read_text())
    write_json(tmp_path / "catalog.json", select(catalog, {"contacts", "items"}))
    def contacts(tenant: str) -> set[tuple[Any, ...]]:
        """Active contacts in full; archived ones (the target only archives them) by name."""
        return {(r["Name"], r["ContactStatus"]) + ((r.get("EmailAddress"), r.get("AccountNumber"))
                                                   if r["ContactStatus"] == "ACTIVE" else ())
                for r in sandbox.records(tenant, "contacts")}

    wanted = contacts(source)
    assert not wanted <= contacts(dest)  # the copy has something to do
    run(f"set -o pipefail; {tap} --config c.json --catalog catalog.json 2> tap.log "
        f"| {target} --config t.json > state-out.jsonl 2> target.log", cwd=tmp_path)
    assert wanted <= contacts(dest)
    copied_items = {r["Code"] for r in sandbox.records(dest, "items")}
    assert {r["Code"] for r in sandbox.records(source, "items")} <= copied_items
