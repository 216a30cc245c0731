"""Projects API writes (xero-projects.yaml): projects (POST 201, PUT 204, PATCH status 204),
their tasks (POST 201, PUT 204, DELETE 204) and time entries (POST 200, PUT 204, DELETE 204).

Refusals are the API's 400 `{"message", "modelState": {field: [messages]}}`; an unknown id is
a 404. A write recomputes the task's and project's totals (minutes logged, amounts to invoice)
from the time entries, and every record it touches moves in its collection's updated order.
"""

from __future__ import annotations

import numbers
import uuid
from datetime import datetime, timezone
from typing import Any

from xero_sandbox.backend.answers import Answer, not_found
from xero_sandbox.backend.store import Organisation

Record = dict[str, Any]
Errors = dict[str, list[str]]
STATUSES = ("INPROGRESS", "CLOSED")
CHARGE_TYPES = ("TIME", "FIXED", "NON_CHARGEABLE")
MAX_TASK_NAME = 100
MAX_PROJECT_NAME = 100
MAX_DURATION = 59_940  # minutes in one time entry (999 hours)


def refused(errors: Errors) -> Answer:
    """The Projects API's 400 (its `Error` component)."""
    return Answer(400, {"message": "The request is invalid.", "modelState": errors})


def _iso(value: Any, field: str, errors: Errors) -> str | None:
    if value in (None, ""):
        return None
    try:
        d = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        errors.setdefault(field, []).append(f"{field} must be an ISO-8601 date and time")
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    return d.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _now_iso(now_ms: int) -> str:
    return datetime.fromtimestamp(now_ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _amount(currency: str, value: float) -> Record:
    return {"currency": currency, "value": round(value, 2)}


def _find(org: Organisation, stream: str, rid: str) -> Record | None:
    coll = org.coll(stream)
    return coll.get(rid) or coll.get(rid.lower())


def _currency(org: Organisation) -> str:
    return org.base_currency


# --- projects -----------------------------------------------------------------------------------

def _project_fields(org: Organisation, body: Record, errors: Errors) -> Record:
    out: Record = {}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.setdefault("name", []).append("The project name is required.")
    elif len(name) > MAX_PROJECT_NAME:
        errors.setdefault("name", []).append(
            f"The project name must be {MAX_PROJECT_NAME} characters or fewer.")
    else:
        out["name"] = name.strip()
    contact_id = body.get("contactId")
    if contact_id is not None:
        contact = _find(org, "contacts", str(contact_id))
        if contact is None:
            errors.setdefault("contactId", []).append("The contact does not exist.")
        else:
            out["contactId"] = contact["ContactID"]
    if body.get("estimateAmount") is not None:
        try:
            estimate = float(body["estimateAmount"])
        except (TypeError, ValueError):
            errors.setdefault("estimateAmount", []).append("estimateAmount must be a number.")
        else:
            out["estimateAmount"] = out["estimate"] = _amount(_currency(org), estimate)
    deadline = _iso(body.get("deadlineUtc"), "deadlineUtc", errors)
    if deadline:
        out["deadlineUtc"] = deadline
    return out


def create_project(org: Organisation, body: Record, now_ms: int) -> Answer:
    """POST /Projects: 201 with the new project (INPROGRESS)."""
    errors: Errors = {}
    fields = _project_fields(org, body, errors)
    if "contactId" not in body:
        errors.setdefault("contactId", []).append("The contact is required.")
    if errors:
        return refused(errors)
    cur = _currency(org)
    zero = _amount(cur, 0)
    rec = {"projectId": str(uuid.uuid4()), "currencyCode": cur, "minutesLogged": 0,
           "minutesToBeInvoiced": 0, "estimateAmount": zero, "estimate": zero,
           **{k: dict(zero) for k in ("totalTaskAmount", "totalExpenseAmount",
                                      "taskAmountToBeInvoiced", "taskAmountInvoiced",
                                      "expenseAmountToBeInvoiced", "expenseAmountInvoiced",
                                      "projectAmountInvoiced", "deposit", "depositApplied",
                                      "creditNoteAmount", "totalInvoiced",
                                      "totalToBeInvoiced")},
           **fields, "status": "INPROGRESS"}
    org.coll("projects").put(rec, now_ms)
    return Answer(201, rec)


def update_project(org: Organisation, project_id: str, body: Record, now_ms: int) -> Answer:
    """PUT /Projects/{projectId}: 204."""
    rec = _find(org, "projects", project_id)
    if rec is None:
        return not_found()
    errors: Errors = {}
    fields = _project_fields(org, body, errors)
    if errors:
        return refused(errors)
    org.coll("projects").put({**rec, **fields}, now_ms)
    return Answer(204, None)


def patch_project(org: Organisation, project_id: str, body: Record, now_ms: int) -> Answer:
    """PATCH /Projects/{projectId} {"status": "INPROGRESS" | "CLOSED"}: 204."""
    rec = _find(org, "projects", project_id)
    if rec is None:
        return not_found()
    status = body.get("status")
    if status not in STATUSES:
        return refused({"status": [f"status must be one of {', '.join(STATUSES)}."]})
    org.coll("projects").put({**rec, "status": status}, now_ms)
    return Answer(204, None)


# --- tasks --------------------------------------------------------------------------------------

def _task_fields(org: Organisation, body: Record, errors: Errors) -> Record:
    out: Record = {}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.setdefault("name", []).append("The task name is required.")
    elif len(name) > MAX_TASK_NAME:
        errors.setdefault("name", []).append(
            f"The task name must be {MAX_TASK_NAME} characters or fewer.")
    else:
        out["name"] = name.strip()
    charge = body.get("chargeType")
    if charge not in CHARGE_TYPES:
        errors.setdefault("chargeType", []).append(
            f"chargeType must be one of {', '.join(CHARGE_TYPES)}.")
    else:
        out["chargeType"] = charge
    rate = body.get("rate")
    value = rate.get("value") if isinstance(rate, dict) else None
    if not isinstance(rate, dict) or isinstance(value, bool) or not isinstance(
            value, numbers.Number):
        errors.setdefault("rate", []).append("rate must be an amount {currency, value}.")
    elif rate.get("currency", _currency(org)) != _currency(org):
        errors.setdefault("rate.currency", []).append(
            f"The rate's currency must be the organisation's ({_currency(org)}).")
    else:
        out["rate"] = _amount(_currency(org), float(str(value)))
    minutes = body.get("estimateMinutes")
    if minutes is not None:
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
            errors.setdefault("estimateMinutes", []).append(
                "estimateMinutes must be a whole number of minutes.")
        else:
            out["estimateMinutes"] = minutes
    return out


def _project_open(org: Organisation, project_id: str) -> Record | Answer:
    project = _find(org, "projects", project_id)
    if project is None:
        return not_found()
    return project


def create_task(org: Organisation, project_id: str, body: Record, now_ms: int) -> Answer:
    """POST /Projects/{projectId}/Tasks: 201 with the new task."""
    project = _project_open(org, project_id)
    if isinstance(project, Answer):
        return project
    errors: Errors = {}
    fields = _task_fields(org, body, errors)
    if errors:
        return refused(errors)
    zero = _amount(_currency(org), 0)
    rec = {"taskId": str(uuid.uuid4()), "estimateMinutes": 0, **fields,
           "projectId": project["projectId"], "totalMinutes": 0, "totalAmount": zero,
           "minutesInvoiced": 0, "minutesToBeInvoiced": 0, "fixedMinutes": 0,
           "nonChargeableMinutes": 0, "amountToBeInvoiced": zero, "amountInvoiced": zero,
           "status": "ACTIVE"}
    org.coll("project_tasks").put(rec, now_ms)
    recompute(org, project["projectId"], now_ms)
    return Answer(201, org.coll("project_tasks").get(rec["taskId"]))


def _task_of(org: Organisation, project_id: str, task_id: str) -> Record | Answer:
    project = _project_open(org, project_id)
    if isinstance(project, Answer):
        return project
    task = _find(org, "project_tasks", task_id)
    if task is None or task["projectId"] != project["projectId"]:
        return not_found()
    return task


def update_task(org: Organisation, project_id: str, task_id: str, body: Record,
                now_ms: int) -> Answer:
    task = _task_of(org, project_id, task_id)
    if isinstance(task, Answer):
        return task
    errors: Errors = {}
    fields = _task_fields(org, body, errors)
    if errors:
        return refused(errors)
    org.coll("project_tasks").put({**task, **fields}, now_ms)
    recompute(org, task["projectId"], now_ms)
    return Answer(204, None)


def delete_task(org: Organisation, project_id: str, task_id: str, now_ms: int) -> Answer:
    task = _task_of(org, project_id, task_id)
    if isinstance(task, Answer):
        return task
    if any(e["taskId"] == task["taskId"] for e in org.coll("project_time_entries")
           .records.values()):
        return refused({"taskId": ["A task with time entries cannot be deleted."]})
    org.coll("project_tasks").remove(task["taskId"])
    recompute(org, task["projectId"], now_ms)
    return Answer(204, None)


# --- time entries -------------------------------------------------------------------------------

def _time_fields(org: Organisation, project: Record, body: Record, errors: Errors) -> Record:
    out: Record = {}
    user_id = body.get("userId")
    user = _find(org, "users", str(user_id)) if isinstance(user_id, str) else None
    if user is None:
        errors.setdefault("userId", []).append("userId must be a user of the organisation.")
    else:
        out["userId"] = user["UserID"]
    task_id = body.get("taskId")
    task = _find(org, "project_tasks", str(task_id)) if isinstance(task_id, str) else None
    if task is None or task["projectId"] != project["projectId"]:
        errors.setdefault("taskId", []).append("taskId must be a task of this project.")
    else:
        out["taskId"] = task["taskId"]
    when = _iso(body.get("dateUtc"), "dateUtc", errors)
    if when is None and "dateUtc" not in errors:
        errors.setdefault("dateUtc", []).append("dateUtc is required.")
    elif when is not None:
        out["dateUtc"] = when
    duration = body.get("duration")
    if isinstance(duration, bool) or not isinstance(duration, int) or \
            not 1 <= duration <= MAX_DURATION:
        errors.setdefault("duration", []).append(
            f"duration must be a whole number of minutes from 1 to {MAX_DURATION}.")
    else:
        out["duration"] = duration
    if isinstance(body.get("description"), str):
        out["description"] = body["description"]
    return out


def create_time(org: Organisation, project_id: str, body: Record, now_ms: int) -> Answer:
    """POST /Projects/{projectId}/Time: 200 with the new time entry."""
    project = _project_open(org, project_id)
    if isinstance(project, Answer):
        return project
    if project.get("status") == "CLOSED":
        return refused({"projectId": ["Time cannot be added to a closed project."]})
    errors: Errors = {}
    fields = _time_fields(org, project, body, errors)
    if errors:
        return refused(errors)
    rec = {"timeEntryId": str(uuid.uuid4()), **fields, "projectId": project["projectId"],
           "dateEnteredUtc": _now_iso(now_ms), "status": "ACTIVE"}
    rec.setdefault("description", "")
    org.coll("project_time_entries").put(rec, now_ms)
    recompute(org, project["projectId"], now_ms)
    return Answer(200, rec)


def _entry_of(org: Organisation, project_id: str, entry_id: str) -> tuple[Record, Record
                                                                          ] | Answer:
    project = _project_open(org, project_id)
    if isinstance(project, Answer):
        return project
    entry = _find(org, "project_time_entries", entry_id)
    if entry is None or entry["projectId"] != project["projectId"]:
        return not_found()
    if entry.get("status") != "ACTIVE":
        return refused({"timeEntryId": [f"A {entry.get('status', '').lower()} time entry "
                                        "cannot be changed."]})
    return project, entry


def update_time(org: Organisation, project_id: str, entry_id: str, body: Record,
                now_ms: int) -> Answer:
    found = _entry_of(org, project_id, entry_id)
    if isinstance(found, Answer):
        return found
    project, entry = found
    errors: Errors = {}
    fields = _time_fields(org, project, body, errors)
    if errors:
        return refused(errors)
    org.coll("project_time_entries").put({**entry, **fields}, now_ms)
    recompute(org, project["projectId"], now_ms)
    return Answer(204, None)


def delete_time(org: Organisation, project_id: str, entry_id: str, now_ms: int) -> Answer:
    found = _entry_of(org, project_id, entry_id)
    if isinstance(found, Answer):
        return found
    project, entry = found
    org.coll("project_time_entries").remove(entry["timeEntryId"])
    recompute(org, project["projectId"], now_ms)
    return Answer(204, None)


# --- totals -------------------------------------------------------------------------------------

def recompute(org: Organisation, project_id: str, now_ms: int) -> None:
    """The project's and its tasks' minutes and amounts from its time entries."""
    cur = _currency(org)
    entries = [e for e in org.coll("project_time_entries").records.values()
               if e["projectId"] == project_id]
    tasks = org.coll("project_tasks")
    logged = to_invoice = 0
    total = 0.0
    for task in [t for t in tasks.records.values() if t["projectId"] == project_id]:
        minutes = sum(e["duration"] for e in entries if e["taskId"] == task["taskId"])
        rate = float(task["rate"]["value"])
        charge = task["chargeType"]
        amount = rate if charge == "FIXED" else (0.0 if charge == "NON_CHARGEABLE"
                                                 else round(rate * minutes / 60, 2))
        changed = {**task, "totalMinutes": minutes, "totalAmount": _amount(cur, amount),
                   "minutesToBeInvoiced": minutes if charge == "TIME" else 0,
                   "nonChargeableMinutes": minutes if charge == "NON_CHARGEABLE" else 0,
                   "amountToBeInvoiced": _amount(cur, amount)}
        if changed != task:
            tasks.put(changed, now_ms)
        logged += minutes
        to_invoice += minutes if charge == "TIME" else 0
        total += amount
    project = org.coll("projects").get(project_id)
    if project is not None:
        changed = {**project, "minutesLogged": logged, "minutesToBeInvoiced": to_invoice,
                   "totalTaskAmount": _amount(cur, total),
                   "taskAmountToBeInvoiced": _amount(cur, total),
                   "totalToBeInvoiced": _amount(cur, total)}
        if changed != project:
            org.coll("projects").put(changed, now_ms)


__all__ = ["create_project", "create_task", "create_time", "delete_task", "delete_time",
           "patch_project", "recompute", "refused", "update_project", "update_task",
           "update_time"]
