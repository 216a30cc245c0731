"""target-xero writes to the Files API: files uploaded into folders (from base64 Content or a file
inside attachments_dir), associated with an invoice, a bill and a contact, and read back through
the sandbox's Files reads; a re-run uploads and associates nothing again; a killed run re-run
holds each file once; what cannot be written is rejected with the reason."""

from __future__ import annotations

import base64
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

FILES = "/files.xro/1.0"


def _stream(name: str, records: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    return [schema_msg(name, OPEN_SCHEMA, keys), *(record_msg(name, r) for r in records)]


def _writes(sandbox: Any) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in sandbox.requests()
            if FILES in r.get("path", "") and r["method"] != "GET"]


def _files(api: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        resp = api.get(f"{FILES}/Files", params={"page": page, "pagesize": 100})
        assert resp.status_code == 200, resp.text
        items = resp.json()["Items"]
        out += items
        if len(items) < 100:
            return out
        page += 1


def _folder_id(api: Any, name: str) -> str:
    resp = api.get(f"{FILES}/Folders")
    assert resp.status_code == 200, resp.text
    return next(f["Id"] for f in resp.json() if f["Name"] == name)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_upload_associate_read_back_and_rerun(clean_sandbox, make_api, tmp_path) -> None:
    api = make_api(0)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "contract.txt").write_bytes(b"contract text " * 50)
    invoices = [i for i in held(clean_sandbox, 0, "invoices") if i.get("InvoiceNumber")]
    sale = next(i for i in invoices if i["Type"] == "ACCREC")
    bill = next(i for i in invoices if i["Type"] == "ACCPAY")
    contact = held(clean_sandbox, 0, "contacts")[0]
    pdf = b"%PDF-1.4 TT receipt " + bytes(range(256))
    files = [{"doc_id": "R-1", "Name": "tt-receipt.pdf", "Content": _b64(pdf),
              "MimeType": "application/pdf", "FolderName": "Receipts"},
             {"doc_id": "C-1", "Name": "tt-contract.txt", "FilePath": "contract.txt"}]
    associations = [
        {"link": "R-1/sale", "_parent_source_key": "R-1", "ObjectGroup": "Invoice",
         "ObjectType": "ACCREC", "ObjectReference": sale["InvoiceNumber"]},
        {"link": "R-1/bill", "_parent_source_key": "R-1", "ObjectGroup": "Invoice",
         "ObjectType": "ACCPAY", "ObjectId": bill["InvoiceID"]},
        {"link": "C-1/contact", "FileName": "tt-contract.txt", "ObjectGroup": "Contact",
         "ObjectReference": contact["Name"]}]
    msgs = [*_stream("files", files, ["doc_id"]),
            *_stream("file_associations", associations, ["link"])]
    config = target_config(clean_sandbox, tmp_path, attachments_dir=str(docs),
                           results_path=str(tmp_path / "results.jsonl"))
    res = run_target(config, msgs)
    assert res.rejects == []
    assert res.count("files", "created") == 2 and res.count("file_associations", "created") == 3

    held_files = {f["Name"]: f for f in _files(api) if f["Name"].startswith("tt-")}
    receipt, contract = held_files["tt-receipt.pdf"], held_files["tt-contract.txt"]
    assert receipt["FolderId"] == _folder_id(api, "Receipts")
    assert contract["FolderId"] == _folder_id(api, "Inbox")
    assert receipt["MimeType"] == "application/pdf" and receipt["Size"] == len(pdf)
    assert api.get(f"{FILES}/Files/{receipt['Id']}/Content").content == pdf
    assert api.get(f"{FILES}/Files/{contract['Id']}/Content").content == b"contract text " * 50
    linked = {a["ObjectId"] for a in api.get(f"{FILES}/Files/{receipt['Id']}/Associations")
              .json()}
    assert linked == {sale["InvoiceID"], bill["InvoiceID"]}
    linked = [a["ObjectId"] for a in api.get(f"{FILES}/Files/{contract['Id']}/Associations")
              .json()]
    assert linked == [contact["ContactID"]]
    results = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text()
               .splitlines() if '"files"' in line]
    assert {r["source_key"]: r["xero_id"] for r in results} == {
        "R-1": receipt["Id"], "C-1": contract["Id"]}

    clean_sandbox.clear_requests()
    again = run_target(config, msgs)
    assert again.rejects == []
    assert again.count("files", "skipped") == 2
    assert again.count("file_associations", "skipped") == 3
    assert _writes(clean_sandbox) == []
    assert Counter(f["Name"] for f in _files(api))["tt-receipt.pdf"] == 1


def test_files_refused_with_reasons(clean_sandbox, make_api, tmp_path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (tmp_path / "secret.txt").write_text("not for Xero")
    ok = {"Name": "tt-first.txt", "Content": _b64(b"one")}
    records = [ok,
               {"Name": "tt-outside.txt", "FilePath": "../secret.txt"},
               {"Name": "tt/evil.txt", "Content": _b64(b"x")},
               {"Name": "tt-nowhere.txt", "Content": _b64(b"x"), "FolderName": "No such"},
               {"Name": "tt-bad.txt", "Content": "%%% not base64"}]
    associations = [{"FileName": "tt-first.txt", "ObjectGroup": "Invoice",
                     "ObjectReference": "NO-SUCH-INV"},
                    {"FileName": "tt-missing.txt", "ObjectGroup": "Contact",
                     "ObjectReference": "Anyone"}]
    config = target_config(clean_sandbox, tmp_path, attachments_dir=str(docs))
    res = run_target(config, [*_stream("files", records, []),
                              *_stream("file_associations", associations, [])])
    reasons = [(r["stream"], " ".join(r["reasons"])) for r in res.rejects]
    assert len(reasons) == 6, reasons
    text = "\n".join(r for _, r in reasons)
    assert "FilePath: must be a path inside attachments_dir" in text
    assert "FileName: may not contain '/'" in text
    assert "FolderName No such: no such folder" in text
    assert "Content: not valid base64" in text
    assert "ObjectReference (InvoiceNumber) NO-SUCH-INV: no invoices" in text
    assert "FileName tt-missing.txt: no such file" in text
    assert "not for Xero" not in json.dumps(res.rejects)
    names = {f["Name"] for f in _files(make_api(0))}
    assert "tt-first.txt" in names and not names & {"tt-outside.txt", "secret.txt",
                                                    "tt-nowhere.txt", "tt-bad.txt"}
    # The same name with other content in the same folder: not uploaded beside it.
    res = run_target(config, _stream("files", [{**ok, "Content": _b64(b"changed")}], []))
    assert [" ".join(r["reasons"]) for r in res.rejects if r["stream"] == "files"][-1]\
        .startswith("Name: a file named 'tt-first.txt' is already in this folder")


def test_killed_upload_run_rerun_holds_each_file_once(clean_sandbox, make_api, tmp_path
                                                      ) -> None:
    records = [{"doc_id": f"K-{i}", "Name": f"tt-kill-{i}.txt", "Content": _b64(b"k" * (i + 1))}
               for i in range(6)]
    (tmp_path / "config.json").write_text(json.dumps(target_config(clean_sandbox, tmp_path)))
    (tmp_path / "input.jsonl").write_text(singer_lines(_stream("files", records, ["doc_id"])))
    cmd = [sys.executable, "-m", "target_xero.target", "--config", str(tmp_path / "config.json"),
           "--input", str(tmp_path / "input.jsonl")]
    clean_sandbox.fault("slow", path="/Files", method="POST", nth=3, count=1, seconds=3)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_writes(clean_sandbox)) < 2:
        time.sleep(0.05)
    time.sleep(0.3)  # the 3rd upload is in flight (the log holds answered calls)
    proc.kill()
    proc.wait()
    time.sleep(3.5)  # the server finishes the upload the target never saw answered
    api = make_api(0)
    partial = Counter(f["Name"] for f in _files(api) if f["Name"].startswith("tt-kill-"))
    assert 0 < sum(partial.values()) < 6
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    after = Counter(f["Name"] for f in _files(api) if f["Name"].startswith("tt-kill-"))
    assert after == Counter({f"tt-kill-{i}.txt": 1 for i in range(6)})
