"""The pure rules under the target's Payroll / Files / Assets / Projects writes: which line
calls turn Xero's timesheet lines into the record's, Xero's reasons from each API's error
shape, the write body, the multipart upload, and the GUID check on a child's URL."""

from __future__ import annotations

import pytest

from target_xero.api_records import api_body, api_messages, match_key
from target_xero.api_steps import holds, line_plan
from target_xero.attachment_files import Upload
from target_xero.files_sink import multipart
from target_xero.write_checks import check_path_id
from xero_core.endpoint_writes import V2_TIMESHEETS
from xero_core.endpoints import BY_STREAM
from xero_core.errors import XeroHTTPError

LINES = V2_TIMESHEETS.lines
RATE = "594f8ba7-9507-4847-9794-7c916d284d04"


def _line(lid: str, day: str, units: float) -> dict[str, object]:
    return {"timesheetLineID": lid, "date": f"2027-06-{day}T00:00:00", "earningsRateID": RATE,
            "numberOfUnits": units}


def test_line_plan_puts_changed_posts_new_deletes_gone() -> None:
    assert LINES is not None
    have = [_line("a", "07", 8), _line("b", "08", 7), _line("c", "09", 6)]
    want = [
        {**_line("a", "07", 9)},  # changed, by id
        {"date": "2027-06-09", "earningsRateID": RATE, "numberOfUnits": 6},  # same as c
        {"date": "2027-06-10", "earningsRateID": RATE, "numberOfUnits": 5, "_sdc_x": 1},
    ]
    ops = line_plan(LINES, have, want)
    assert ops == [
        ("PUT", "a", {"date": "2027-06-07T00:00:00", "earningsRateID": RATE,
                      "numberOfUnits": 9}),
        ("POST", "", {"date": "2027-06-10", "earningsRateID": RATE, "numberOfUnits": 5}),
        ("DELETE", "b", None),
    ]
    assert line_plan(LINES, have, [dict(x) for x in have]) == []


def test_line_plan_foreign_line_ids_match_by_keys() -> None:
    """Lines read from another organisation carry ids this one does not hold."""
    assert LINES is not None
    have = [_line("a", "07", 8)]
    want = [_line("zzz-foreign", "07", 8), _line("yyy-foreign", "08", 4)]
    assert [(m, lid) for m, lid, _ in line_plan(LINES, have, want)] == [("POST", "")]


def test_amount_objects_hold_a_plain_number() -> None:
    assert holds({"currency": "NZD", "value": 750.0}, 750)
    assert not holds({"currency": "NZD", "value": 750.0}, 751)
    assert holds({"a": {"currency": "NZD", "value": 1}, "b": "x"}, {"a": 1})


@pytest.mark.parametrize(("body", "reasons"), [
    ({"problem": {"title": "BadRequest", "detail": "Validation error occurred.",
                  "invalidFields": [{"name": "startDate", "reason": "overlaps"}]}},
     ["startDate: overlaps"]),
    ({"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception",
      "Elements": [{"ValidationErrors": [{"Message": "The EmployeeID is required"}]}]},
     ["The EmployeeID is required"]),
    ({"message": "The request is invalid.", "modelState": {"deadlineUtc": ["not a date"]}},
     ["deadlineUtc: not a date"]),
    ({"fieldValidationErrors": [{"fieldName": "purchaseDate", "localisedMessage": "needed"}]},
     ["purchaseDate: needed"]),
    ({"title": "NotFound", "detail": "No timesheet"}, ["No timesheet"]),
])
def test_xeros_reasons_per_api(body: dict[str, object], reasons: list[str]) -> None:
    assert api_messages(body) == reasons


def test_write_body_keeps_the_components_writable_fields() -> None:
    ep = BY_STREAM["projects"]
    body = api_body(ep, {"projectId": "x", "name": "P", "contactId": "c", "status": "CLOSED",
                         "minutesLogged": 5, "job_id": "J-1", "_sdc_extracted_at": "t",
                         "deadlineUtc": None})
    assert body == {"name": "P", "contactId": "c", "status": "CLOSED"}
    au = BY_STREAM["payroll_au_timesheets"]
    assert api_body(au, {"StartDate": "/Date(1812931200000+0000)/", "UpdatedDateUTC": "x"}) == {
        "StartDate": "2027-06-14T00:00:00"}
    with pytest.raises(ValueError, match="StartDate"):
        api_body(au, {"StartDate": "/Date(99999999999999999)/"})


def test_match_keys_compare_days_and_text_without_case() -> None:
    spec = BY_STREAM["payroll_au_timesheets"].write_spec
    assert spec is not None
    assert match_key(spec, {"EmployeeID": "ABC", "StartDate": "/Date(1812931200000+0000)/"}) \
        == match_key(spec, {"EmployeeID": "abc", "StartDate": "2027-06-14T00:00:00"})
    assert match_key(spec, {"EmployeeID": "abc"}) is None


def test_multipart_upload_is_the_same_bytes_every_time() -> None:
    upload = Upload('re"port.pdf', "application/pdf", b"%PDF-1.4\r\n--x--")
    body, content_type = multipart(upload)
    assert (body, content_type) == multipart(upload)
    boundary = content_type.split("boundary=")[1]
    assert body.count(f"--{boundary}".encode()) == 5  # four parts and the end
    assert b'name="body"; filename="re\'port.pdf"' in body
    assert b"%PDF-1.4\r\n--x--\r\n--" + boundary.encode() + b"--\r\n" in body


def test_a_childs_url_needs_guids_for_parent_and_id() -> None:
    ep = BY_STREAM["project_tasks"]
    parent = "2a6419d6-d468-497f-8e86-8c2adac688f0"
    check_path_id(ep, f"/projects.xro/2.0/Projects/{parent}/Tasks")
    check_path_id(ep, f"/projects.xro/2.0/Projects/{parent}/Tasks/{parent}")
    for bad in ("/projects.xro/2.0/Projects/../Tasks",
                f"/projects.xro/2.0/Projects/{parent}/Tasks/..%2F..",
                "/projects.xro/2.0/Projects/x/Tasks"):
        with pytest.raises(XeroHTTPError):
            check_path_id(ep, bad)
