"""The Files API streams against the sandbox: files (page + lower-case pagesize, 100 at most),
folders, and each file's associations (one call per file read).

The sandbox keeps its Files data outside the admin record store, so what it holds is read
here through its own API, page by page, by plain requests independent of the tap.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import SandboxAPI
from tests.tap.conftest import org_config, run_tap

FILES = "/files.xro/1.0"


def held_files(api: SandboxAPI) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                          list[dict[str, Any]]]:
    """(files, folders, associations) the sandbox serves, read without the tap."""
    files: list[dict[str, Any]] = []
    page = 1
    while True:
        resp = api.get(f"{FILES}/Files", params={"page": page, "pagesize": 100})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        files += body["Items"]
        if page * 100 >= body["TotalCount"]:
            break
        page += 1
    folders = api.get(f"{FILES}/Folders").json()
    links = [a for f in files for a in api.get(f"{FILES}/Files/{f['Id']}/Associations").json()]
    return files, folders, links


def _files_calls(sandbox: Any, path: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["path"].startswith("/files.xro/1.0" + path)]


def test_files_folders_and_associations_are_what_the_sandbox_holds(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    run = run_tap(sandbox, org_config(sandbox, 0), ["files", "folders", "file_associations"])
    sandbox.set_limits(False)
    try:
        files, folders, links = held_files(SandboxAPI(sandbox))
    finally:
        sandbox.set_limits(True)
    for stream, held_records in (("files", files), ("folders", folders)):
        held = {str(r["Id"]) for r in held_records}
        emitted = run.ids(stream, "Id")
        assert held, f"the sandbox holds no {stream}"
        assert len(emitted) == len(set(emitted)) and set(emitted) == held, stream
    held_assoc = {(str(r["FileId"]), str(r["ObjectId"])) for r in links}
    emitted_assoc = [(r["FileId"], r["ObjectId"]) for r in run.records["file_associations"]]
    assert held_assoc and sorted(emitted_assoc) == sorted(held_assoc)
    assert all(r["_tenant_id"] == tenant for recs in run.records.values() for r in recs)


def test_files_page_by_the_apis_maximum_and_children_cost_one_call_per_file(
        clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    run = run_tap(sandbox, org_config(sandbox, 0), ["files", "file_associations"])
    listing = _files_calls(sandbox, "/Files")
    pages = [c for c in listing if c["path"] == "/files.xro/1.0/Files"]
    assert pages and all(c["query"].get("pagesize") == "100" for c in pages)
    assert [c["query"]["page"] for c in pages] == [str(n) for n in range(1, len(pages) + 1)]
    assert len(pages) == max(1, -(-len(run.records["files"]) // 100))
    assert "pageSize" not in pages[0]["query"]
    per_file = [c["path"].split("/")[4] for c in listing if c["path"].endswith("/Associations")]
    assert sorted(per_file) == sorted(run.ids("files", "Id"))
