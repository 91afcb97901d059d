"""The deploy check names the development master key; a real one from the environment or a
key file passes; a bad one is named in words."""

from __future__ import annotations

import base64
from io import StringIO

import pytest
from django.core.management import call_command

from backoffice.vault import master
from backoffice.vault.checks import master_key_check


@pytest.fixture(autouse=True)
def _reread():
    master.reset_master_keys()
    yield
    master.reset_master_keys()


def test_the_dev_key_is_a_deploy_warning(monkeypatch):
    monkeypatch.delenv(master.ENV_KEY, raising=False)
    monkeypatch.delenv(master.ENV_FILE, raising=False)
    (warning,) = master_key_check()
    assert warning.id == "vault.W001"
    assert "development master key" in warning.msg


def test_a_key_from_the_environment_passes(monkeypatch):
    monkeypatch.setenv(master.ENV_KEY, base64.b64encode(bytes(range(32))).decode())
    assert master_key_check() == []


def test_a_key_file_passes_and_both_at_once_is_refused(monkeypatch, tmp_path):
    path = tmp_path / "master.key"
    path.write_text(base64.b64encode(bytes(range(32))).decode() + "\n")
    monkeypatch.setenv(master.ENV_FILE, str(path))
    monkeypatch.delenv(master.ENV_KEY, raising=False)
    assert master_key_check() == []
    assert master.load_master_keys().current == bytes(range(32))
    master.reset_master_keys()
    monkeypatch.setenv(master.ENV_KEY, "abc")
    (warning,) = master_key_check()
    assert warning.id == "vault.W002" and "not both" in warning.msg


@pytest.mark.parametrize(("text", "words"), [("short", "base64"), ("c2hvcnQ=", "32 bytes")])
def test_a_bad_key_is_named_in_words(monkeypatch, text, words):
    monkeypatch.setenv(master.ENV_KEY, text)
    (warning,) = master_key_check()
    assert words in warning.msg


def test_the_command_prints_a_fresh_key():
    out = StringIO()
    call_command("vault", "new-master-key", stdout=out)
    assert len(base64.b64decode(out.getvalue().strip())) == 32
