"""`pocketstack dashboard`: the OpenStack dashboard (Horizon, from PyPI) for this cloud.

Horizon pins its own Django and clients, so it lives in a virtual environment of its own:
the current interpreter's when it has Horizon (`pip install 'pocketstack[dashboard]'`),
else one made on first use under ~/.cache/pocketstack/ (or `--venv`). Its settings for this
cloud are written into the data directory (mode 0600): the Keystone v3 URL (the data
directory's clouds.yaml, or `--keystone-url` for a scale-out deployment's front end), the
default domain, a secret key kept beside them, ALLOWED_HOSTS, sessions in a file cache of
their own (so nothing else cached can evict a login), and static files collected and
compressed offline once per environment, served by WhiteNoise under gunicorn.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from pocketstack.data_dir import make_private

HORIZON_VERSION = "27.0.0"
# What the dashboard's environment gets (the `dashboard` extra in pyproject.toml).
REQUIREMENTS = [f"horizon=={HORIZON_VERSION}", "Django>=5.2,<5.3", "gunicorn>=23",
                "whitenoise>=6"]
SETTINGS_ENV = "POCKETSTACK_DASHBOARD_SETTINGS"

# Written into Horizon's openstack_dashboard/local/: reads the per-cloud settings file named
# by the environment, so one environment serves any number of data directories.
LOCAL_SETTINGS = f'''"""pocketstack: this cloud's settings come from the file ${SETTINGS_ENV} names."""
import os as _os

_path = _os.environ.get("{SETTINGS_ENV}")
if _path:
    with open(_path) as _file:
        exec(compile(_file.read(), _path, "exec"))
'''

# The WSGI entry: Horizon's application with its collected static files in front.
WSGI_MODULE = '''"""pocketstack: Horizon's WSGI application, its static files served by WhiteNoise."""
from django.conf import settings
from openstack_dashboard.wsgi import application as _horizon
from whitenoise import WhiteNoise

application = WhiteNoise(_horizon, root=settings.STATIC_ROOT, prefix=settings.STATIC_URL,
                         max_age=3600)
'''


@dataclass(frozen=True, slots=True)
class Dashboard:
    python: Path
    settings_file: Path
    static_root: Path
    keystone_url: str


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pocketstack"


def _has_horizon(python: Path) -> bool:
    probe = subprocess.run([str(python), "-c", "import openstack_dashboard, gunicorn, whitenoise"],
                           capture_output=True)
    return probe.returncode == 0


def environment(venv: Path | None, say: object = print) -> Path:
    """The interpreter that runs Horizon, its environment made and filled on first use."""
    here = Path(sys.executable)
    if venv is None and _has_horizon(here):
        return here
    venv = venv or cache_dir() / f"horizon-{HORIZON_VERSION}"
    python = venv / "bin" / "python"
    if python.exists() and _has_horizon(python):
        return python
    assert callable(say)
    say(f"setting up Horizon {HORIZON_VERSION} in {venv} (first use; a few minutes)")
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *REQUIREMENTS], check=True)
    return python


def _site_dir(python: Path) -> Path:
    out = subprocess.run([str(python), "-c", "import openstack_dashboard, os; "
                          "print(os.path.dirname(os.path.dirname(openstack_dashboard.__file__)))"],
                         check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


def keystone_url(data_dir: Path, default: str) -> str:
    """The Keystone v3 URL the data directory's clouds.yaml names (else `default`)."""
    clouds = data_dir / "clouds.yaml"
    if clouds.exists():
        config = yaml.safe_load(clouds.read_text()) or {}
        for cloud in (config.get("clouds") or {}).values():
            url = (cloud.get("auth") or {}).get("auth_url")
            if url:
                return str(url).rstrip("/")
    return default


def _secret_key(path: Path) -> str:
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def settings_text(*, keystone: str, secret_key: str, hosts: list[str], static_root: Path,
                  sessions: Path) -> str:
    return f'''# Written by `pocketstack dashboard` for this cloud; rewritten at each start.
DEBUG = False
SECRET_KEY = {secret_key!r}
ALLOWED_HOSTS = {hosts!r}
OPENSTACK_HOST = "127.0.0.1"
OPENSTACK_KEYSTONE_URL = {keystone!r}
OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = "Default"
OPENSTACK_KEYSTONE_DEFAULT_ROLE = "member"
OPENSTACK_KEYSTONE_MULTIDOMAIN_SUPPORT = False
OPENSTACK_API_VERSIONS = {{"identity": 3, "image": 2, "volume": 3, "compute": 2}}
# Servers boot from their image (a volume-backed boot is one choice away in the wizard).
LAUNCH_INSTANCE_DEFAULTS = {{"create_volume": False}}
# Sessions in a cache of their own, on disk (shared by the server's workers, kept across
# restarts); everything else in memory.
CACHES = {{
    "default": {{"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    "sessions": {{"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                  "LOCATION": {str(sessions)!r}, "TIMEOUT": 3600 * 24,
                  "OPTIONS": {{"MAX_ENTRIES": 10000}}}},
}}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_CACHE_ALIAS = "sessions"
# Static files collected and compressed ahead of time: no network, no compile per request.
STATIC_ROOT = {str(static_root)!r}
COMPRESS_OFFLINE = True
COMPRESS_ENABLED = True
LOGGING = {{
    "version": 1, "disable_existing_loggers": False,
    "handlers": {{"console": {{"class": "logging.StreamHandler"}}}},
    "root": {{"handlers": ["console"], "level": "WARNING"}},
}}
'''


def prepare(data_dir: Path, python: Path, *, keystone: str, hosts: list[str]) -> Dashboard:
    """Write Horizon's settings for this cloud and make its static files (once per
    environment and Horizon version)."""
    make_private(data_dir)
    home = data_dir / "dashboard"
    home.mkdir(exist_ok=True)
    site = _site_dir(python)
    (site / "openstack_dashboard" / "local" / "local_settings.py").write_text(LOCAL_SETTINGS)
    (site / "pocketstack_dashboard_wsgi.py").write_text(WSGI_MODULE)
    static_root = python.parent.parent / "pocketstack-static"
    settings_file = home / "local_settings.py"
    settings_file.write_text(settings_text(
        keystone=keystone, secret_key=_secret_key(home / "secret_key"), hosts=hosts,
        static_root=static_root, sessions=home / "sessions"))
    settings_file.chmod(0o600)
    dashboard = Dashboard(python, settings_file, static_root, keystone)
    stamp = static_root / ".pocketstack-compressed"
    if not stamp.exists():
        for command in (["collectstatic", "--noinput", "-v", "0"], ["compress", "--force", "-v", "0"]):
            subprocess.run([str(python), "-m", "django", *command], env=run_env(dashboard),
                           check=True)
        stamp.write_text(HORIZON_VERSION)
    return dashboard


def run_env(dashboard: Dashboard) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"DJANGO_SETTINGS_MODULE": "openstack_dashboard.settings",
                SETTINGS_ENV: str(dashboard.settings_file.resolve())})
    return env


def serve_command(dashboard: Dashboard, host: str, port: int, workers: int) -> list[str]:
    gunicorn = dashboard.python.parent / "gunicorn"
    command = [str(gunicorn), "--bind", f"{host}:{port}", "--workers", str(workers),
               "--threads", "4", "--timeout", "120", "--access-logfile", "-"]
    usage = subprocess.run([str(gunicorn), "--help"], capture_output=True, text=True).stdout
    if "--control-socket" in usage:
        # Beside the settings, not one shared path: dashboards of other data directories.
        command += ["--control-socket", str(dashboard.settings_file.parent / "gunicorn.ctl")]
    return [*command, "pocketstack_dashboard_wsgi:application"]
