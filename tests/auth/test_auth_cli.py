"""xero-auth in process: the browser path (webbrowser.open gets the URL, nothing printed), a
consent that never comes back, a refused code exchange; the redirect server's judgement."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import requests

from tests.auth.conftest import app_args
from xero_auth import cli
from xero_auth.flow import LoginError, RedirectServer


def _browser(opened: list[str]):
    def open_(url: str) -> bool:
        opened.append(url)

        def click() -> None:
            requests.get(url, timeout=10)  # follows the redirect to the local server

        threading.Thread(target=click, daemon=True).start()
        return True

    return open_


def test_login_opens_the_browser(clean_sandbox, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(cli.SECRET_ENV, clean_sandbox.app["client_secret"])
    opened: list[str] = []
    monkeypatch.setattr(cli.webbrowser, "open", _browser(opened))
    store = tmp_path / "tokens.json"
    assert cli.main(["login", *app_args(clean_sandbox, store), "--streams", "contacts"]) == 0
    out = capsys.readouterr()
    assert len(opened) == 1 and opened[0] not in out.out + out.err  # opened, not printed
    record = json.loads(store.read_text())
    assert "accounting.contacts.read" in record["scope"].split()
    assert record["access_token"] not in out.out + out.err


def test_no_redirect_within_the_wait(clean_sandbox, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(cli.SECRET_ENV, clean_sandbox.app["client_secret"])
    store = tmp_path / "tokens.json"
    assert cli.main(["login", "--no-browser", "--wait", "0.5",
                     *app_args(clean_sandbox, store)]) == 1
    assert "no redirect came back within 0.5s" in capsys.readouterr().err
    assert not store.exists()


def test_a_refused_exchange_is_a_clear_error(clean_sandbox, tmp_path, monkeypatch,
                                             capsys) -> None:
    monkeypatch.setenv(cli.SECRET_ENV, "not-the-secret")
    monkeypatch.setattr(cli.webbrowser, "open", _browser([]))
    store = tmp_path / "tokens.json"
    assert cli.main(["login", *app_args(clean_sandbox, store)]) == 1
    err = capsys.readouterr().err
    assert "refused the code: HTTP 400 invalid_client" in err and "not-the-secret" not in err
    assert not store.exists()


def test_a_token_store_is_required(capsys) -> None:
    assert cli.main(["status", "--client-id", "abc"]) == 1
    assert "token store is required" in capsys.readouterr().err


@pytest.mark.parametrize(("query", "outcome"), [
    ({"state": ["s"], "code": ["c"]}, ("code", "c")),
    ({"state": ["x"], "code": ["c"]}, ("error", "state does not match")),
    ({"code": ["c"]}, ("error", "state does not match")),
    ({"state": ["s"], "error": ["access_denied"]}, ("error", "access_denied")),
    ({"state": ["s"]}, ("error", "no code")),
    ({"state": ["s"], "error": ["bad\x1b[2J\x07news"]}, ("error", "Xero answered bad[2Jnews")),
])
def test_the_redirect_is_judged(query, outcome) -> None:
    server = RedirectServer()
    try:
        server.expected_state = "s"
        kind, text = server.judge(query)
        assert kind == outcome[0] and outcome[1] in text
        assert server.redirect_uri.startswith("http://127.0.0.1:")
    finally:
        server.server.server_close()


def test_a_silent_connection_does_not_outlast_the_wait() -> None:
    server = RedirectServer()
    port = server.server.server_address[1]
    with socket.create_connection(("127.0.0.1", port)):
        began = time.monotonic()
        with pytest.raises(LoginError, match="no redirect came back"):
            server.wait("s", 1.0)
    assert time.monotonic() - began < 5
