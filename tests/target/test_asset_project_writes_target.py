"""target-xero writes to the Assets and Projects APIs: what the sandbox holds after each write, a
re-run that writes nothing twice, a child naming its project by the project's source key,
status changes by PATCH, a killed run re-run, and Xero's reasons for what it refuses."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from typing import Any

from tests.target.conftest import (
    OPEN_SCHEMA,
    held,
    record_msg,
    run_target,
    schema_msg,
    singer_lines,
    target_config,
)


def _calls(sandbox: Any, api: str, method: str | None = None) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if f"/{api}.xro/" in r.get("path", "")
            and (method is None or r.get("method") == method)]


def _writes(sandbox: Any, api: str) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in _calls(sandbox, api) if r["method"] != "GET"]


def _stream(name: str, records: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    return [schema_msg(name, OPEN_SCHEMA, keys), *(record_msg(name, r) for r in records)]


def _projects_input(contact_id: str) -> list[dict[str, Any]]:
    projects = [{"job_id": f"J-{i}", "name": f"TT Project {i}", "contactId": contact_id,
                 "deadlineUtc": "2026-09-30T00:00:00Z", "estimateAmount": 1000 + i}
                for i in range(3)]
    tasks = [{"task_key": f"J-{i}/design", "_parent_source_key": f"J-{i}", "name": "Design",
              "rate": {"currency": "NZD", "value": 95.5}, "chargeType": "TIME",
              "estimateMinutes": 120} for i in range(3)]
    return [*_stream("projects", projects, ["job_id"]),
            *_stream("project_tasks", tasks, ["task_key"])]


def test_projects_and_tasks_written_once_children_by_source_key(clean_sandbox, tmp_path
                                                                ) -> None:
    contact = held(clean_sandbox, 0, "contacts")[0]["ContactID"]
    config = target_config(clean_sandbox, tmp_path, results_path=str(tmp_path / "r.jsonl"))
    res = run_target(config, _projects_input(contact))
    assert res.rejects == []
    assert res.count("projects", "created") == 3 and res.count("project_tasks", "created") == 3
    by_name = {p["name"]: p for p in held(clean_sandbox, 0, "projects")}
    for i in range(3):
        project = by_name[f"TT Project {i}"]
        assert project["contactId"] == contact
        tasks = [t for t in held(clean_sandbox, 0, "project_tasks")
                 if t.get("projectId") == project["projectId"]]
        assert [t["name"] for t in tasks] == ["Design"]
    results = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    ids = {r["source_key"]: r["xero_id"] for r in results if r["stream"] == "projects"}
    assert ids == {f"J-{i}": by_name[f"TT Project {i}"]["projectId"] for i in range(3)}
    # The same input again: found by name (projects) and by name under the project (tasks).
    clean_sandbox.clear_requests()
    again = run_target(config, _projects_input(contact))
    assert again.rejects == []
    assert again.count("projects", "skipped") == 3
    assert again.count("project_tasks", "skipped") == 3
    assert _writes(clean_sandbox, "projects") == []
    names = Counter(p["name"] for p in held(clean_sandbox, 0, "projects"))
    assert all(names[f"TT Project {i}"] == 1 for i in range(3))


def test_a_removed_task_is_deleted_once(clean_sandbox, tmp_path) -> None:
    contact = held(clean_sandbox, 0, "contacts")[0]["ContactID"]
    config = target_config(clean_sandbox, tmp_path)
    assert run_target(config, _projects_input(contact)).rejects == []
    project = next(p for p in held(clean_sandbox, 0, "projects") if p["name"] == "TT Project 1")
    task = {"_parent_source_key": "J-1", "task_key": "J-1/design", "name": "Design",
            "_sdc_deleted_at": "2026-12-01T00:00:00Z"}
    msgs = [*_projects_input(contact)[:4],  # the projects (their source keys), no tasks
            *_stream("project_tasks", [task], ["task_key"])]
    clean_sandbox.clear_requests()
    res = run_target(config, msgs)
    assert res.rejects == [] and res.count("project_tasks", "deleted") == 1
    tasks = [t for t in held(clean_sandbox, 0, "project_tasks")
             if t.get("projectId") == project["projectId"]]
    assert tasks == []
    assert [m for m, _ in _writes(clean_sandbox, "projects")] == ["DELETE"]
    clean_sandbox.clear_requests()
    assert run_target(config, msgs).count("project_tasks", "skipped") == 1
    assert _writes(clean_sandbox, "projects") == []


def test_project_changes_update_and_close_by_patch(clean_sandbox, tmp_path) -> None:
    contact = held(clean_sandbox, 0, "contacts")[0]["ContactID"]
    config = target_config(clean_sandbox, tmp_path)
    record = {"name": "TT Closing", "contactId": contact, "estimateAmount": 500}
    assert run_target(config, _stream("projects", [record], ["name"])).rejects == []
    clean_sandbox.clear_requests()
    changed = {**record, "estimateAmount": 750, "status": "CLOSED"}
    res = run_target(config, _stream("projects", [changed], ["name"]))
    assert res.rejects == [] and res.count("projects", "updated") == 1
    project = next(p for p in held(clean_sandbox, 0, "projects") if p["name"] == "TT Closing")
    assert project["status"] == "CLOSED"
    assert project["estimateAmount"]["value"] == 750
    writes = _writes(clean_sandbox, "projects")
    rid = project["projectId"]
    assert sorted(m for m, _ in writes) == ["PATCH", "PUT"]
    assert all(p.endswith(f"/Projects/{rid}") for _, p in writes)
    clean_sandbox.clear_requests()
    assert run_target(config, _stream("projects", [changed], ["name"])).count(
        "projects", "skipped") == 1
    assert _writes(clean_sandbox, "projects") == []


def test_time_entries_on_a_seeded_task(clean_sandbox, tmp_path) -> None:
    entry = held(clean_sandbox, 0, "project_time_entries")[0]
    project, task, user = entry["projectId"], entry["taskId"], entry["userId"]
    records = [{"projectId": project, "taskId": task, "userId": user,
                "dateUtc": f"2026-03-0{d}T09:00:00Z", "duration": 30 * d,
                "description": f"TT time {d}"} for d in (1, 2)]
    config = target_config(clean_sandbox, tmp_path)
    msgs = _stream("project_time_entries", records, ["description"])
    res = run_target(config, msgs)
    assert res.rejects == [] and res.count("project_time_entries", "created") == 2
    held_now = [t for t in held(clean_sandbox, 0, "project_time_entries")
                if str(t.get("description", "")).startswith("TT time")]
    assert sorted((t["description"], t["duration"]) for t in held_now) == [
        ("TT time 1", 30), ("TT time 2", 60)]
    clean_sandbox.clear_requests()
    longer = [{**records[0], "duration": 45}, records[1]]
    res = run_target(config, _stream("project_time_entries", longer, ["description"]))
    assert res.count("project_time_entries", "updated") == 1
    assert res.count("project_time_entries", "skipped") == 1
    assert [m for m, _ in _writes(clean_sandbox, "projects")] == ["PUT"]


def test_refused_records_carry_xeros_reasons(clean_sandbox, tmp_path) -> None:
    contact = held(clean_sandbox, 0, "contacts")[0]["ContactID"]
    config = target_config(clean_sandbox, tmp_path)
    msgs = [*_stream("projects", [{"name": "TT no deadline", "contactId": contact,
                                   "deadlineUtc": "not a date"}], ["name"]),
            *_stream("project_tasks", [{"name": "Orphan", "chargeType": "TIME",
                                        "projectId": "00000000-0000-0000-0000-00000000abcd"}],
                     ["name"]),
            *_stream("assets", [{"assetNumber": "TT-A-9", "assetStatus": "Registered",
                                 "assetName": "Van"}], ["assetNumber"])]
    res = run_target(config, msgs)
    reasons = {r["stream"]: " ".join(r["reasons"]) for r in res.rejects}
    assert set(reasons) == {"projects", "project_tasks", "assets"}
    assert "deadlineUtc" in reasons["projects"]
    assert "projectId" in reasons["project_tasks"] and "no projects" in reasons["project_tasks"]
    assert "purchaseDate" in reasons["assets"]  # Xero: a registered asset needs its purchase
    assert not any(p["name"] == "TT no deadline" for p in held(clean_sandbox, 0, "projects"))


def test_assets_draft_and_registered_written_once(clean_sandbox, tmp_path) -> None:
    asset_type = held(clean_sandbox, 0, "asset_types")[0]["assetTypeId"]
    records = [{"assetNumber": "TT-A-1", "assetName": "Laptop", "assetStatus": "Draft"},
               {"assetNumber": "TT-A-2", "assetName": "Forklift", "assetStatus": "Registered",
                "assetTypeId": asset_type, "purchaseDate": "2026-01-15T00:00:00",
                "purchasePrice": 25000}]
    config = target_config(clean_sandbox, tmp_path)
    res = run_target(config, _stream("assets", records, ["assetNumber"]))
    assert res.rejects == [] and res.count("assets", "created") == 2
    mine = {a["assetNumber"]: a for a in held(clean_sandbox, 0, "assets")
            if str(a.get("assetNumber", "")).startswith("TT-A-")}
    assert {n: a["assetStatus"] for n, a in mine.items()} == {"TT-A-1": "Draft",
                                                              "TT-A-2": "Registered"}
    assert mine["TT-A-2"]["purchasePrice"] == 25000
    clean_sandbox.clear_requests()
    renamed = [{**records[0], "assetName": "Laptop 14in"}, records[1]]
    res = run_target(config, _stream("assets", renamed, ["assetNumber"]))
    assert res.rejects == []
    assert res.count("assets", "updated") == 1 and res.count("assets", "skipped") == 1
    assert len(_calls(clean_sandbox, "assets", "POST")) == 1
    mine = {a["assetNumber"]: a for a in held(clean_sandbox, 0, "assets")
            if str(a.get("assetNumber", "")).startswith("TT-A-")}
    assert mine["TT-A-1"]["assetName"] == "Laptop 14in" and len(mine) == 2


def test_killed_run_rerun_writes_each_project_once(clean_sandbox, tmp_path) -> None:
    contact = held(clean_sandbox, 0, "contacts")[0]["ContactID"]
    records = [{"job_id": f"K-{i}", "name": f"TT Kill {i}", "contactId": contact}
               for i in range(8)]
    (tmp_path / "config.json").write_text(json.dumps(target_config(clean_sandbox, tmp_path)))
    (tmp_path / "input.jsonl").write_text(singer_lines(_stream("projects", records,
                                                               ["job_id"])))
    cmd = [sys.executable, "-m", "target_xero.target", "--config", str(tmp_path / "config.json"),
           "--input", str(tmp_path / "input.jsonl")]
    # The 4th create hangs on the server: the target is killed while it waits; the server
    # then finishes that write, which the target never saw answered.
    clean_sandbox.fault("slow", path="/Projects$", method="POST", nth=4, count=1, seconds=3)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_calls(clean_sandbox, "projects", "POST")) < 3:
        time.sleep(0.05)
    time.sleep(0.3)  # the 4th POST is in flight (the log holds answered calls)
    proc.kill()
    proc.wait()
    time.sleep(3.5)
    partial = Counter(p["name"] for p in held(clean_sandbox, 0, "projects")
                      if p["name"].startswith("TT Kill"))
    assert 0 < sum(partial.values()) < 8
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    after = Counter(p["name"] for p in held(clean_sandbox, 0, "projects")
                    if p["name"].startswith("TT Kill"))
    assert after == Counter({f"TT Kill {i}": 1 for i in range(8)})


def test_asset_type_written_once(clean_sandbox, tmp_path) -> None:
    seeded = held(clean_sandbox, 0, "asset_types")[0]
    record = {k: seeded[k] for k in ("fixedAssetAccountId", "depreciationExpenseAccountId",
                                     "accumulatedDepreciationAccountId",
                                     "bookDepreciationSetting") if seeded.get(k)}
    record["assetTypeName"] = "TT Vehicles"
    config = target_config(clean_sandbox, tmp_path)
    msgs = _stream("asset_types", [record], ["assetTypeName"])
    assert run_target(config, msgs).count("asset_types", "created") == 1
    clean_sandbox.clear_requests()
    assert run_target(config, msgs).count("asset_types", "skipped") == 1
    assert _writes(clean_sandbox, "assets") == []
    names = Counter(t["assetTypeName"] for t in held(clean_sandbox, 0, "asset_types"))
    assert names["TT Vehicles"] == 1
