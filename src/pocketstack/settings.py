"""Settings: read once from the environment (POCKETSTACK_*) and the command line, passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseModel):
    # Empty means SQLite under the data directory.
    url: str = ""


class TokenSettings(BaseModel):
    expiration_hours: float = 24.0
    # Seconds a process trusts its cached revocation list before re-reading it.
    revocation_cache_s: float = 1.0


class FernetTokenSettings(BaseModel):
    # Keystone's [fernet_tokens] max_active_keys: staged + primary + secondaries kept (>= 2).
    max_active_keys: int = 3
    # Hours between automatic rotations by the API processes (0: only `pocketstack keys rotate`,
    # as Keystone leaves rotation to cron). Keep it at least expiration_hours / (max_active_keys
    # - 2), or tokens die (their key pruned) before they expire.
    rotation_period_hours: float = 0.0


class SecurityComplianceSettings(BaseModel):
    """Keystone's [security_compliance] options (off by default, as there)."""

    # Failed password authentications in a row after which the user is locked out (0: never).
    lockout_failure_attempts: int = 0
    # Seconds a lockout lasts (0: until an admin updates the user with "enabled": true).
    lockout_duration: int = 1800
    # Days a password set from now on stays valid (0: no expiry).
    password_expires_days: int = 0
    # How many of the user's last passwords (the current one included) a new one may not be.
    unique_last_password_count: int = 0
    # Days a password must be kept before its user may change it again (0: at once).
    minimum_password_age: int = 0
    # A regular expression every new password must match ("": any), and what it asks for.
    password_regex: str = ""
    password_regex_description: str = ""
    # Passwords an administrator sets (at creation or reset) must be changed at first use.
    change_password_upon_first_use: bool = False


class UnifiedLimitSettings(BaseModel):
    """Keystone's [unified_limit] options."""

    # How project limits relate to their parents': "flat" (not at all) or "strict_two_level"
    # (a child's limit never above its parent's, hierarchies at most two deep).
    enforcement_model: Literal["flat", "strict_two_level"] = "flat"


class LogSettings(BaseModel):
    # One line per request (method, path, route, status, duration, request, user and project
    # ids) on the "pocketstack.request" logger, to stderr. Off by default: a line costs the
    # cheapest cached read about a fifth of its CPU (bench/ops_ab.py).
    requests: bool = False
    format: Literal["text", "json"] = "text"


class MetricsSettings(BaseModel):
    # GET /metrics (Prometheus text format) on the API port.
    enabled: bool = True
    # Answer clients other than loopback (otherwise 403).
    allow_remote: bool = False


class PasswordSettings(BaseModel):
    # argon2id at OWASP's minimum (19 MiB, 2 iterations, 1 lane).
    memory_kib: int = 19_456
    time_cost: int = 2
    parallelism: int = 1


class FakeDriverSettings(BaseModel):
    build_time_s: float = 0.0
    vcpus: int = 64
    ram_mb: int = 262_144
    disk_gb: int = 4_000
    # Seconds each guest operation waits before acting / after acting, by operation name
    # ("reboot", "pause", ...): keeps an action in flight long enough to interrupt it.
    op_delay_s: dict[str, float] = {}
    op_delay_after_s: dict[str, float] = {}


class QemuDriverSettings(BaseModel):
    # "auto" uses KVM where a probe boot succeeds (its result cached in the data directory),
    # TCG otherwise; "kvm" and "tcg" choose without a probe.
    accel: Literal["auto", "kvm", "tcg"] = "auto"
    # Guests booting at once (boots are CPU-bound; the others wait their turn).
    max_parallel_boots: int = 2
    # Seconds from launch to the guest's banner before the boot counts as hung (retried once).
    boot_timeout_s: float = 120.0
    # The external network `public` of a cloud bootstrapped with this driver: inside
    # 127.0.0.0/8, so that a floating IP is a loopback address forwarded to its guest.
    public_cidr: str = "127.42.0.0/24"


class ConsoleSettings(BaseModel):
    # The remote console protocols served for guests of a driver without consoles of its own
    # (the fake; Nova's [vnc], [spice] and [mks] "enabled"): each URL opens pocketstack's
    # console page of the guest, and serial answers "Unavailable console type serial.". A
    # qemu guest offers its own: novnc and serial, through the websocket proxy of the API.
    protocols: list[Literal["vnc", "spice", "mks"]] = ["vnc", "spice", "mks"]
    # Seconds a console URL's token is valid (Nova's [consoleauth] token_ttl).
    token_ttl_s: float = 600.0


class QuotaSettings(BaseModel):
    instances: int = 10
    cores: int = 20
    ram: int = 51_200
    key_pairs: int = 100
    metadata_items: int = 128
    injected_files: int = 5
    injected_file_content_bytes: int = 10_240
    injected_file_path_bytes: int = 255
    server_groups: int = 10
    server_group_members: int = 10
    floating_ips: int = 10
    fixed_ips: int = -1
    security_groups: int = 10
    security_group_rules: int = 20


class RateLimit(BaseModel):
    """One rate limit of the legacy /v2 API, as Nova's RateLimitingMiddleware took it: `value`
    requests of `verb` to the paths (relative to /v2/{tenant_id}, query included) that `regex`
    matches, per `unit` (SECOND, MINUTE, HOUR or DAY), counted per user; `uri` is its label."""

    verb: str
    uri: str
    regex: str
    value: int
    unit: Literal["SECOND", "MINUTE", "HOUR", "DAY"]


class RateLimitSettings(BaseModel):
    # Enforce `limits` under /v2/{tenant_id} (the levels are shared by every API process
    # through the database); /v2.1 never rate-limits and shows "rate": [].
    enabled: bool = True
    # The seed's table. A limit whose regex names a path the API does not serve is dropped.
    limits: list[RateLimit] = [
        RateLimit(verb="POST", uri="*", regex=".*", value=10, unit="MINUTE"),
        RateLimit(verb="PUT", uri="*", regex=".*", value=10, unit="MINUTE"),
        RateLimit(verb="DELETE", uri="*", regex=".*", value=100, unit="MINUTE"),
        RateLimit(verb="POST", uri="*/servers", regex="^/servers", value=50, unit="DAY"),
        RateLimit(verb="GET", uri="*changes-since*", regex=".*changes-since.*", value=3,
                  unit="MINUTE"),
        RateLimit(verb="GET", uri="*/os-fping", regex="^/os-fping", value=12, unit="HOUR"),
    ]


class CloudpipeSettings(BaseModel):
    # The image and flavor of each project's VPN server (Nova's vpn_image_id, vpn_flavor):
    # the bootstrap's cirros and m1.tiny unless set.
    vpn_image_id: str = "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0003"
    vpn_flavor_id: str = "1"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POCKETSTACK_", env_nested_delimiter="__")

    data_dir: Path = Path("./data")
    host: str = "127.0.0.1"
    port: int = 8080
    # Base URL published in the catalog and in links; empty means http://{host}:{port}.
    public_url: str = ""
    region: str = "RegionOne"
    availability_zone: str = "nova"
    driver: Literal["fake", "qemu"] = "fake"
    agent_host: str = ""
    max_body_bytes: int = 1_048_576
    # Largest image upload (PUT /image/v2/images/{id}/file), streamed to disk: Glance's 1 TiB.
    image_size_cap: int = 1_099_511_627_776
    # Admin and demo passwords for bootstrap; empty means generate on first start.
    admin_password: str = ""
    demo_password: str = ""
    database: DatabaseSettings = DatabaseSettings()
    token: TokenSettings = TokenSettings()
    fernet_tokens: FernetTokenSettings = FernetTokenSettings()
    security_compliance: SecurityComplianceSettings = SecurityComplianceSettings()
    unified_limit: UnifiedLimitSettings = UnifiedLimitSettings()
    log: LogSettings = LogSettings()
    metrics: MetricsSettings = MetricsSettings()
    password: PasswordSettings = PasswordSettings()
    fake: FakeDriverSettings = FakeDriverSettings()
    qemu: QemuDriverSettings = QemuDriverSettings()
    quota: QuotaSettings = QuotaSettings()
    console: ConsoleSettings = ConsoleSettings()
    # Seconds between full resyncs of the agent (the safety net behind wake-ups).
    resync_interval_s: float = 5.0
    heartbeat_interval_s: float = 10.0
    service_down_time_s: float = 60.0
    # Deferred delete: seconds a deleted server stays SOFT_DELETED (restorable); 0 deletes now.
    reclaim_instance_interval_s: float = 0.0
    # Seconds a shelved server keeps its host before it is offloaded (0: at once, < 0: never).
    shelved_offload_time_s: float = 0.0
    # Overcommit of each host's capacity when scheduling (Nova's allocation ratios).
    cpu_allocation_ratio: float = 16.0
    ram_allocation_ratio: float = 1.5
    disk_allocation_ratio: float = 1.0
    # Server states (vm_state) in which show and list hide a server's addresses, as Nova's
    # osapi_hide_server_address_states did (os-hide-server-addresses; 2013 default: building).
    hide_server_address_states: list[str] = ["building"]
    rate_limits: RateLimitSettings = RateLimitSettings()
    # Each agent's periodic instance usage audit of the last completed month (Nova's
    # instance_usage_audit), read by os-instance_usage_audit_log.
    instance_usage_audit: bool = True
    # os-coverage: measure the API's own code coverage on an admin's request (off: 501).
    coverage_api: bool = False
    cloudpipe: CloudpipeSettings = CloudpipeSettings()
    # The fake driver's config drives (Nova's config_drive_format); the qemu guest reads ISO.
    config_drive_format: Literal["iso9660", "vfat"] = "iso9660"
    # Image stores (Glance's enabled_backends): file stores under the data directory, the first
    # one the default (a second: POCKETSTACK_IMAGE_STORES='["file","fast"]').
    image_stores: list[str] = ["file"]
    # Interoperable import methods offered (Glance's enabled_import_methods); web-download
    # fetches from outside networks and is off unless listed.
    image_import_methods: list[str] = ["glance-direct", "copy-image"]
    # Glance's show_multiple_locations: image locations shown and changed by PATCH.
    image_show_multiple_locations: bool = False
    # Image quotas per project, as Glance's unified limits name them (-1: unlimited; sizes in MiB).
    image_count_total: int = -1
    image_size_total: int = -1
    image_stage_total: int = -1
    image_count_uploading: int = -1
    # Seconds the volume worker waits after each chunk it copies (0: none; tests use it to
    # catch a copy in the middle).
    volume_copy_pause_s: float = 0.0

    @property
    def database_url(self) -> str:
        if self.database.url:
            url = self.database.url
            if url.startswith("postgresql://"):
                url = "postgresql+asyncpg://" + url[len("postgresql://") :]
            return url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'pocketstack.db').resolve()}"

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def hostname(self) -> str:
        import socket

        return self.agent_host or socket.gethostname()
