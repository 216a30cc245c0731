"""A timesheet round trip through tap and target: tap-xero reads an NZ organisation's
timesheets and their lines, the lines are changed (as a warehouse model would), target-xero
writes the timesheet back, approves it and reverts it to draft, and the tap reads back what the
target wrote. The same record sent to the UK organisation is rejected: Payroll NZ is not its
API."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from tests.tap.conftest import org_config, run_tap
from tests.target.conftest import record_msg, run_target, schema_msg, target_config

NZ, UK = 0, 1
STREAM, LINES = "payroll_nz_timesheets", "payroll_nz_timesheet_lines"


def _read(sandbox: Any) -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """Timesheets by id with their lines joined in, the schema, and the lines' schema."""
    run = run_tap(sandbox, org_config(sandbox, NZ), [STREAM, LINES])
    sheets = {t["timesheetID"]: {**t, "timesheetLines": []} for t in run.records[STREAM]}
    for line in run.records[LINES]:
        sheets[line["timesheetID"]]["timesheetLines"].append(
            {k: v for k, v in line.items() if k not in ("timesheetID", "_tenant_id")})
    schemas = run.schemas()
    return sheets, schemas[STREAM], schemas[LINES]


def _units(sheet: dict[str, Any]) -> list[tuple[str, Decimal]]:
    return sorted((line["date"][:10], Decimal(str(line["numberOfUnits"])))
                  for line in sheet["timesheetLines"])


def test_timesheet_round_trip_through_tap_and_target(clean_payroll, tmp_path) -> None:
    sb = clean_payroll
    sheets, schema, line_schema = _read(sb)
    sheet = next(t for t in sheets.values()
                 if t["status"] in ("Approved", "Draft") and len(t["timesheetLines"]) >= 3)
    tid, was = sheet["timesheetID"], sheet["status"]
    # A model's output: the timesheet with its lines, one changed, one gone, one new.
    changed = copy.deepcopy(sheet)
    lines = changed["timesheetLines"]
    lines[0]["numberOfUnits"] = Decimal(str(lines[0]["numberOfUnits"])) + Decimal("1.5")
    gone = lines.pop(1)
    taken = {line["date"][:10] for line in sheet["timesheetLines"]}
    free = next(d for d in (f"{sheet['startDate'][:8]}{n:02d}" for n in range(1, 29))
                if sheet["startDate"][:10] <= d <= sheet["endDate"][:10] and d not in taken)
    lines.append({"date": free, "earningsRateID": lines[0]["earningsRateID"],
                  "numberOfUnits": Decimal("4")})
    full_schema = copy.deepcopy(schema)
    full_schema["properties"]["timesheetLines"] = {"type": ["array", "null"],
                                                   "items": line_schema}
    msgs = [schema_msg(STREAM, full_schema, ["_tenant_id", "timesheetID"]),
            record_msg(STREAM, changed)]
    res = run_target(target_config(sb, tmp_path, NZ), msgs)
    assert res.rejects == [] and res.count(STREAM, "updated") == 1

    back, _, _ = _read(sb)
    writes = [(r["method"], r["path"].rsplit(tid, 1)[-1]) for r in sb.requests()
              if "/payroll.xro/" in r["path"] and r["method"] != "GET"]
    if was == "Approved":
        assert writes[0] == ("POST", "/RevertToDraft") and writes[-1] == ("POST", "/Approve")
    assert sorted(m for m, p in writes if p.startswith("/Lines")) == ["DELETE", "POST", "PUT"]
    assert back[tid]["status"] == was  # reverted to draft for the edit, then as it was
    assert _units(back[tid]) == _units(changed)
    assert gone["timesheetLineID"] not in {x["timesheetLineID"]
                                           for x in back[tid]["timesheetLines"]}
    assert len(back) == len(sheets)  # updated in place, not created again

    for status in ("Approved", "Draft", "Approved"):
        record = {**back[tid], "status": status}
        res = run_target(target_config(sb, tmp_path, NZ, rejects_path=str(
            tmp_path / f"rejects-{status}.jsonl")), [msgs[0], record_msg(STREAM, record)])
        assert res.rejects == []
        back, _, _ = _read(sb)
        assert back[tid]["status"] == status
        assert _units(back[tid]) == _units(changed)

    # Another tenant: the UK organisation runs Payroll UK, so the NZ timesheet is refused
    # with the reason, and nothing is sent to its payroll API.
    sb.clear_requests()
    res = run_target(target_config(sb, tmp_path, UK, rejects_path=str(tmp_path / "uk.jsonl")),
                     msgs)
    assert [r["stream"] for r in res.rejects] == [STREAM]
    assert "Payroll NZ" in res.rejects[0]["reasons"][0]
    assert not [r for r in sb.requests() if "/payroll.xro/" in r.get("path", "")]
