"""`pocketstack dashboard`'s settings for Horizon: the Keystone URL from the data directory,
a private secret key that stays, sessions in a cache of their own."""

from __future__ import annotations

import stat
from pathlib import Path

import yaml

from pocketstack import dashboard


def test_keystone_url_comes_from_clouds_yaml(tmp_path: Path) -> None:
    assert dashboard.keystone_url(tmp_path, "http://fallback/identity/v3") == "http://fallback/identity/v3"
    (tmp_path / "clouds.yaml").write_text(yaml.safe_dump({"clouds": {"pocketstack-admin": {
        "auth": {"auth_url": "http://127.0.0.1:9999/identity/v3/"}}}}))
    assert dashboard.keystone_url(tmp_path, "x") == "http://127.0.0.1:9999/identity/v3"


def test_secret_key_is_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    first = dashboard._secret_key(path)
    assert len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert dashboard._secret_key(path) == first


def test_settings_text_is_python_with_a_session_cache_of_its_own(tmp_path: Path) -> None:
    text = dashboard.settings_text(keystone="http://127.0.0.1:1/identity/v3", secret_key="k",
                                   hosts=["127.0.0.1"], static_root=tmp_path / "static",
                                   sessions=tmp_path / "sessions")
    found: dict[str, object] = {}
    exec(compile(text, "local_settings.py", "exec"), found)  # noqa: S102 - the file Horizon runs
    assert found["OPENSTACK_KEYSTONE_URL"] == "http://127.0.0.1:1/identity/v3"
    assert found["SESSION_CACHE_ALIAS"] == "sessions"
    caches = found["CACHES"]
    assert isinstance(caches, dict) and set(caches) == {"default", "sessions"}
    assert caches["sessions"]["LOCATION"] == str(tmp_path / "sessions")
    assert found["COMPRESS_OFFLINE"] is True and found["ALLOWED_HOSTS"] == ["127.0.0.1"]
