"""Table definitions for every service. The database is the only source of truth."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pocketstack.db.pending import Pending, PendingJSON


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime()}


# --- Identity ----------------------------------------------------------------------------------


class DomainRow(Base):
    __tablename__ = "domains"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ProjectRow(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    domain_id: Mapped[str] = mapped_column(String(64), ForeignKey("domains.id"))
    parent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    domain_id: Mapped[str] = mapped_column(String(64), ForeignKey("domains.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    default_project_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    password_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Failed password authentications in a row, and the last one ([security_compliance]).
    failed_auth_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_auth_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    # When the password was set, and the hashes of the last ones, newest last
    # ([security_compliance] minimum_password_age and unique_last_password_count).
    password_created_at: Mapped[datetime | None] = mapped_column(nullable=True)
    password_history: Mapped[list[Any]] = mapped_column(default=list)


class RoleRow(Base):
    __tablename__ = "roles"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    domain_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CredentialRow(Base):
    """A Keystone credential (an EC2 key pair, a TOTP secret...): its blob encrypted at rest."""

    __tablename__ = "credentials"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    type: Mapped[str] = mapped_column(String(255))
    encrypted_blob: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ApplicationCredentialRow(Base):
    """A user's application credential: a secret (argon2id hash) for one project and roles."""

    __tablename__ = "application_credentials"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(64))
    role_ids: Mapped[list[Any]] = mapped_column(default=list)
    unrestricted: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)


class CatalogRegionRow(Base):
    """A region an admin added to the service catalog (the configured region is built in)."""

    __tablename__ = "catalog_regions"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    parent_region_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CatalogServiceRow(Base):
    """A service an admin added to the catalog (pocketstack's own four are built in)."""

    __tablename__ = "catalog_services"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CatalogEndpointRow(Base):
    __tablename__ = "catalog_endpoints"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    interface: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(Text)
    region_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PolicyBlobRow(Base):
    """A Keystone policy document stored for other services (Keystone never evaluates it)."""

    __tablename__ = "policy_blobs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(255))
    blob: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RoleInferenceRow(Base):
    """An implied role: whoever holds the prior role holds the implied one too."""

    __tablename__ = "role_inferences"
    prior_role_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    )
    implied_role_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    )


class GroupRow(Base):
    """A Keystone group of users, owned by a domain."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    domain_id: Mapped[str] = mapped_column(String(64), ForeignKey("domains.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class GroupMembershipRow(Base):
    __tablename__ = "group_memberships"
    group_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class RoleAssignmentRow(Base):
    """A role of a user or a group (exactly one of the two is set) on a project or on a
    domain (exactly one of the two is set)."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "group_id", "project_id", "domain_id", "role_id", "inherited"),
        Index("ix_role_assignments_user", "user_id"),
        Index("ix_role_assignments_group", "group_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    group_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("groups.id", ondelete="CASCADE"), nullable=True
    )
    project_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("projects.id", ondelete="CASCADE"), nullable=True
    )
    domain_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    role_id: Mapped[str] = mapped_column(String(64), ForeignKey("roles.id", ondelete="CASCADE"))
    # OS-INHERIT: the role is held on the projects below the target, not on the target.
    inherited: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class RevocationRow(Base):
    """Keystone-style revocation event: tokens matching every set field, issued before, are dead."""

    __tablename__ = "revocations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    project_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    audit_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    issued_before: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()


class TrustRow(Base):
    """An OS-TRUST trust: the trustor delegates roles on a project to the trustee. A trust
    whose uses ran out stays (remaining_uses 0) so its tokens' bodies can still name it."""

    __tablename__ = "trusts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    trustor_user_id: Mapped[str] = mapped_column(String(64), index=True)
    trustee_user_id: Mapped[str] = mapped_column(String(64), index=True)
    project_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    impersonation: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    remaining_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    redelegation_count: Mapped[int] = mapped_column(Integer, default=0)
    redelegated_trust_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    role_ids: Mapped[list[Any]] = mapped_column(default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RegisteredLimitRow(Base):
    """A unified limit's default for every project: per service, region and resource."""

    __tablename__ = "registered_limits"
    __table_args__ = (UniqueConstraint("service_id", "region_id", "resource_name"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64))
    region_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    resource_name: Mapped[str] = mapped_column(String(255))
    default_limit: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)


class LimitRow(Base):
    """A unified limit overriding a registered one for one project or domain."""

    __tablename__ = "limits"
    __table_args__ = (
        UniqueConstraint("project_id", "domain_id", "service_id", "region_id", "resource_name"),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    domain_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    service_id: Mapped[str] = mapped_column(String(64))
    region_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    resource_name: Mapped[str] = mapped_column(String(255))
    resource_limit: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)


class EndpointGroupRow(Base):
    """An OS-EP-FILTER endpoint group: the catalog endpoints its filters match."""

    __tablename__ = "endpoint_groups"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ProjectEndpointRow(Base):
    """OS-EP-FILTER: an endpoint (or, with endpoint_group_id, an endpoint group) a project's
    catalog is limited to. Exactly one of the two ids is set."""

    __tablename__ = "project_endpoints"
    __table_args__ = (UniqueConstraint("project_id", "endpoint_id", "endpoint_group_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    endpoint_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    endpoint_group_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class DomainConfigRow(Base):
    """A domain's specific configuration: {group: {option: value}} of whitelisted options
    (the sensitive ones are kept but never shown)."""

    __tablename__ = "domain_configs"
    domain_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OAuthConsumerRow(Base):
    """An OS-OAUTH1 consumer; its secret encrypted at rest."""

    __tablename__ = "oauth_consumers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    encrypted_secret: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OAuthTokenRow(Base):
    """An OS-OAUTH1 request token (kind "request": authorized by a user with roles, then
    exchanged once) or access token (kind "access"); its secret encrypted at rest."""

    __tablename__ = "oauth_tokens"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    consumer_id: Mapped[str] = mapped_column(String(64), index=True)
    encrypted_secret: Mapped[str] = mapped_column(Text)
    project_id: Mapped[str] = mapped_column(String(64))
    authorizing_user_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    role_ids: Mapped[list[Any]] = mapped_column(default=list)
    verifier: Mapped[str | None] = mapped_column(String(64), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)


class FederationRecordRow(Base):
    """An OS-FEDERATION record, kept as Keystone validates it: an identity provider, a mapping,
    a protocol (id "<idp_id>/<protocol_id>") or a service provider."""

    __tablename__ = "federation_records"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SecretRow(Base):
    """Shared secrets every API process needs, such as the Fernet token keys."""

    __tablename__ = "secrets"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- Compute -----------------------------------------------------------------------------------


class FlavorRow(Base):
    __tablename__ = "flavors"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    ram: Mapped[int] = mapped_column(Integer)
    vcpus: Mapped[int] = mapped_column(Integer)
    disk: Mapped[int] = mapped_column(Integer)
    ephemeral: Mapped[int] = mapped_column(Integer, default=0)
    swap: Mapped[int] = mapped_column(Integer, default=0)
    rxtx_factor: Mapped[float] = mapped_column(Float, default=1.0)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    extra_specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column()


class FlavorAccessRow(Base):
    __tablename__ = "flavor_access"
    flavor_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("flavors.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class KeypairRow(Base):
    __tablename__ = "keypairs"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(16), default="ssh")
    public_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column()


class QuotaRow(Base):
    __tablename__ = "quotas"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class UserQuotaRow(Base):
    """A per-user override inside a project (os-quota-sets?user_id=...)."""

    __tablename__ = "user_quotas"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class QuotaClassRow(Base):
    """os-quota-class-sets: the "default" class overrides the configured default limits."""

    __tablename__ = "quota_classes"
    class_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class HostRow(Base):
    """A compute host: its agent registers capacity and heartbeats here."""

    __tablename__ = "hosts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The host's nova-compute service (os-services from 2.53) and its compute node
    # (os-hypervisors from 2.53) each have a uuid of their own, as in Nova.
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid4()))
    node_uuid: Mapped[str] = mapped_column(String(36), unique=True,
                                           default=lambda: str(uuid4()))
    name: Mapped[str] = mapped_column(String(255), unique=True)
    availability_zone: Mapped[str] = mapped_column(String(255), default="nova")
    driver: Mapped[str] = mapped_column(String(32), default="fake")
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    disk_gb: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    forced_down: Mapped[bool] = mapped_column(Boolean, default=False)
    heartbeat_at: Mapped[datetime] = mapped_column()
    started_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    # os-hosts: maintenance mode keeps new servers off the host; a shutdown stops its guests
    # (their ids kept for the startup that restarts them) and shows its service down.
    maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    powered_off: Mapped[bool] = mapped_column(Boolean, default=False)
    stopped_by_host: Mapped[list[Any]] = mapped_column(default=list)


class AggregateRow(Base):
    """A host aggregate (os-aggregates); its availability_zone metadata makes it a zone."""

    __tablename__ = "aggregates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class AggregateHostRow(Base):
    __tablename__ = "aggregate_hosts"
    aggregate_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("aggregates.id", ondelete="CASCADE"), primary_key=True
    )
    host: Mapped[str] = mapped_column(String(255), primary_key=True)


class ServerGroupRow(Base):
    """os-server-groups: a policy (affinity, anti-affinity, soft-*) over its member servers."""

    __tablename__ = "server_groups"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    policy: Mapped[str] = mapped_column(String(32))
    # From microversion 2.64: {"max_server_per_host": N} for anti-affinity.
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column()


class ServerGroupMemberRow(Base):
    __tablename__ = "server_group_members"
    group_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("server_groups.id", ondelete="CASCADE"), primary_key=True
    )
    server_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class ServerRow(Base):
    __tablename__ = "servers"
    __table_args__ = (
        Index("ix_servers_project_created", "project_id", "deleted", "created_at", "id"),
        Index("ix_servers_host", "host", "deleted", "task_state"),
        # What a host's servers take (the scheduler sums these without reading the rows).
        Index("ix_servers_host_usage", "host", "deleted", "vcpus", "memory_mb", "disk_gb"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    hostname: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    image_id: Mapped[str] = mapped_column(String(36), default="")
    flavor_id: Mapped[str] = mapped_column(String(255))
    # The flavor as it was at boot (name, ram, vcpus, disk, ephemeral, swap, extra_specs).
    flavor: Mapped[dict[str, Any]] = mapped_column()
    # While a resize or migration waits for confirmation: the flavor before and after it.
    old_flavor: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    new_flavor: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # What `flavor` takes from quota and host (vcpus, RAM, root + ephemeral + swap in whole
    # GB), kept with it so that usage is summed in SQL; NULL: read `flavor` instead.
    vcpus: Mapped[int | None] = mapped_column(Integer, nullable=True)
    memory_mb: Mapped[int | None] = mapped_column(Integer, nullable=True)
    disk_gb: Mapped[int | None] = mapped_column(Integer, nullable=True)
    vm_state: Mapped[str] = mapped_column(String(32))
    task_state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    power_state: Mapped[int] = mapped_column(Integer, default=0)
    # The action the agent should carry out (with its arguments), set with task_state.
    pending: Mapped[Pending | None] = mapped_column(PendingJSON, nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    node: Mapped[str | None] = mapped_column(String(255), nullable=True)
    availability_zone: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The zone the server is kept in when it is scheduled again (Nova's request spec zone):
    # the one asked for at create, changed by unshelve (2.77, 2.91); None: any zone.
    pinned_availability_zone: Mapped[str | None] = mapped_column(String(255), nullable=True)
    key_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    key_data: Mapped[str | None] = mapped_column(Text, nullable=True)
    user_data: Mapped[str | None] = mapped_column(Text, nullable=True)
    config_drive: Mapped[str] = mapped_column(String(255), default="")
    # Personality files as asked: [{"path": ..., "contents": base64}], for the config drive.
    personality: Mapped[list[Any]] = mapped_column(default=list)
    # resetNetwork / injectNetworkInfo asked (the action's name): the agent rebuilds the
    # guest's config drive with its network information, then clears it.
    network_refresh: Mapped[str | None] = mapped_column(String(32), nullable=True)
    disk_config: Mapped[str] = mapped_column(String(16), default="MANUAL")
    access_ipv4: Mapped[str] = mapped_column(String(64), default="")
    access_ipv6: Mapped[str] = mapped_column(String(64), default="")
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    security_groups: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    admin_password: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What the guest posted for os-server-password (encrypted with its key, base64); "" if none.
    encrypted_password: Mapped[str] = mapped_column(Text, default="")
    # The hypervisor's counters for the guest (libvirt's names), as the agent last read them.
    diagnostics: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    reservation_id: Mapped[str] = mapped_column(String(64), default="")
    launch_index: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    locked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    scheduler_hints: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    trusted_image_certificates: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    fault: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    console_log: Mapped[str] = mapped_column(Text, default="")
    # The guest's remote consoles as its agent last saw them ({protocol: {path, host, port}},
    # from a driver that has any; None: the driver has none of its own).
    consoles: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    launched_at: Mapped[datetime | None] = mapped_column(nullable=True)
    terminated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    # Soft delete: deleted rows stay for changes-since and os-instance-actions.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # os-extended-volumes:volumes_attached, kept with the attachments ([{id,
    # delete_on_termination}] in attach order), so that server views read no other table.
    volumes_attached: Mapped[list[Any]] = mapped_column(JSON, default=list)


class ConsoleAuthTokenRow(Base):
    """A remote console's access token (Nova's console_auth_tokens): only its SHA-256 is kept;
    it opens the console page of its server until `expires`."""

    __tablename__ = "console_auth_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    console_type: Mapped[str] = mapped_column(String(32))
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    tls_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    internal_access_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    access_url_base: Mapped[str] = mapped_column(String(255))
    expires: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()


class ConsoleRow(Base):
    """A console of a server made through the 2013 os-consoles extension (Nova's XVP
    consoles): its type, where it listens and its password."""

    __tablename__ = "consoles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    console_type: Mapped[str] = mapped_column(String(32))
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    password: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()


class InstanceActionRow(Base):
    __tablename__ = "instance_actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    server_id: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    start_time: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class InstanceActionEventRow(Base):
    __tablename__ = "instance_action_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("instance_actions.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(64))
    result: Mapped[str | None] = mapped_column(String(32), nullable=True)
    traceback: Mapped[str | None] = mapped_column(Text, nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    start_time: Mapped[datetime] = mapped_column()
    finish_time: Mapped[datetime | None] = mapped_column(nullable=True)
    # A failed event's fault message (Nova's event details, shown from 2.84).
    details: Mapped[str | None] = mapped_column(Text, nullable=True)


class MigrationRow(Base):
    """A server's move (Nova's migrations): a resize, cold or live migration or evacuation,
    from its source to its destination host, with the status it has reached."""

    __tablename__ = "migrations"
    __table_args__ = (Index("ix_migrations_server", "server_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    server_id: Mapped[str] = mapped_column(String(36))
    # "migration", "resize", "live-migration" or "evacuation".
    migration_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    source_compute: Mapped[str | None] = mapped_column(String(255), nullable=True)
    source_node: Mapped[str | None] = mapped_column(String(255), nullable=True)
    dest_compute: Mapped[str | None] = mapped_column(String(255), nullable=True)
    dest_node: Mapped[str | None] = mapped_column(String(255), nullable=True)
    dest_host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    old_flavor_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    new_flavor_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Who asked for the move.
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    project_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class VirtualInterfaceRow(Base):
    """A port attached to a server through Nova (Nova's virtual_interfaces): its device tag
    and whether the port was the caller's (kept, unbound, on detach) or made for the server."""

    __tablename__ = "virtual_interfaces"
    port_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    server_id: Mapped[str] = mapped_column(String(36), index=True)
    tag: Mapped[str | None] = mapped_column(String(255), nullable=True)
    preserve_on_delete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column()


# --- Image -------------------------------------------------------------------------------------


class ImageRow(Base):
    __tablename__ = "images"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(32), default="queued")
    visibility: Mapped[str] = mapped_column(String(16), default="shared")
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    container_format: Mapped[str | None] = mapped_column(String(32), nullable=True)
    disk_format: Mapped[str | None] = mapped_column(String(32), nullable=True)
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    virtual_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    checksum: Mapped[str | None] = mapped_column(String(32), nullable=True)
    os_hash_algo: Mapped[str | None] = mapped_column(String(64), nullable=True)
    os_hash_value: Mapped[str | None] = mapped_column(String(128), nullable=True)
    min_disk: Mapped[int] = mapped_column(Integer, default=0)
    min_ram: Mapped[int] = mapped_column(Integer, default=0)
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    os_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # Custom properties: flat string keys, as Glance v2 shows them.
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    # Where the data lives under the data directory (relative), once uploaded.
    location: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The configured stores holding the data besides `location`'s (empty: the default store).
    stores: Mapped[list[Any]] = mapped_column(default=list)


class ImageMemberRow(Base):
    __tablename__ = "image_members"
    image_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


# --- Network -----------------------------------------------------------------------------------


class NetworkRow(Base):
    __tablename__ = "networks"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    # auto-allocated-topology: the external network projects are joined to by default.
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    mtu: Mapped[int] = mapped_column(Integer, default=1500)
    description: Mapped[str] = mapped_column(Text, default="")
    # The default of its new ports' port_security_enabled.
    port_security_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    availability_zone_hints: Mapped[list[Any]] = mapped_column(default=list)
    revision_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class SubnetRow(Base):
    __tablename__ = "subnets"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    network_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("networks.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255), default="")
    cidr: Mapped[str] = mapped_column(String(64))
    ip_version: Mapped[int] = mapped_column(Integer, default=4)
    gateway_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    enable_dhcp: Mapped[bool] = mapped_column(Boolean, default=True)
    allocation_pools: Mapped[list[Any]] = mapped_column(default=list)
    dns_nameservers: Mapped[list[Any]] = mapped_column(default=list)
    host_routes: Mapped[list[Any]] = mapped_column(default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    revision_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class PortRow(Base):
    __tablename__ = "ports"
    __table_args__ = (Index("ix_ports_network_mac", "network_id", "mac_address"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    network_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("networks.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255), default="")
    device_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    device_owner: Mapped[str] = mapped_column(String(255), default="")
    mac_address: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="DOWN")
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    security_groups: Mapped[list[Any]] = mapped_column(default=list)
    port_security_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # [{"ip_address": address or CIDR, "mac_address": MAC or None (the port's own)}]
    allowed_address_pairs: Mapped[list[Any]] = mapped_column(default=list)
    # binding: the host the port is bound to ("" while unbound); set by admins
    binding_host_id: Mapped[str] = mapped_column(String(255), default="")
    revision_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class FixedIpRow(Base):
    """One allocated address; unique per subnet so two ports never share one."""

    __tablename__ = "fixed_ips"
    __table_args__ = (UniqueConstraint("subnet_id", "ip_address"),
                      # The latest allocation of a subnet (ipam's next-address fast path).
                      Index("ix_fixed_ips_subnet_id", "subnet_id", "id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    port_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("ports.id", ondelete="CASCADE"), index=True
    )
    subnet_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subnets.id", ondelete="CASCADE")
    )
    ip_address: Mapped[str] = mapped_column(String(64))


class FloatingIpRow(Base):
    """A Neutron floating IP: an address of an external network, maybe bound to a port."""

    __tablename__ = "floating_ips"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    floating_ip_address: Mapped[str] = mapped_column(String(64), unique=True)
    floating_network_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("networks.id", ondelete="CASCADE"))
    port_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    fixed_ip_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The router joining the port's subnet to the floating network, once associated.
    router_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")
    description: Mapped[str] = mapped_column(Text, default="")
    revision_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class RouterRow(Base):
    """A Neutron router (records only): its interfaces and gateway are ports whose device_id
    is the router's id (device_owner network:router_interface / network:router_gateway)."""

    __tablename__ = "routers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    gw_port_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    enable_snat: Mapped[bool] = mapped_column(Boolean, default=True)
    # extraroute: [{"destination": cidr, "nexthop": address}, ...]
    routes: Mapped[list[Any]] = mapped_column(default=list)
    revision_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class AutoAllocatedTopologyRow(Base):
    """auto-allocated-topology: the network and router made for one project."""

    __tablename__ = "auto_allocated_topologies"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    network_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("networks.id", ondelete="CASCADE"))
    router_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class SecurityGroupRow(Base):
    __tablename__ = "security_groups"
    __table_args__ = (Index("ix_security_groups_project", "project_id", "name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    revision_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class SecurityGroupRuleRow(Base):
    __tablename__ = "security_group_rules"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    security_group_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("security_groups.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(16), default="ingress")
    ethertype: Mapped[str] = mapped_column(String(8), default="IPv4")
    protocol: Mapped[str | None] = mapped_column(String(16), nullable=True)
    port_range_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    port_range_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    remote_ip_prefix: Mapped[str | None] = mapped_column(String(64), nullable=True)
    remote_group_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime | None] = mapped_column(nullable=True)


class DefaultSecurityGroupRuleRow(Base):
    """A rule template (Neutron's security-groups-default-rules): copied into each new default
    group and/or each other new group; remote_group_id "PARENT" names the new group itself."""

    __tablename__ = "default_security_group_rules"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    direction: Mapped[str] = mapped_column(String(16), default="ingress")
    ethertype: Mapped[str] = mapped_column(String(8), default="IPv4")
    protocol: Mapped[str | None] = mapped_column(String(40), nullable=True)
    port_range_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    port_range_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    remote_ip_prefix: Mapped[str | None] = mapped_column(String(255), nullable=True)
    remote_group_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    used_in_default_sg: Mapped[bool] = mapped_column(Boolean, default=False)
    used_in_non_default_sg: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column()


class NetworkQuotaRow(Base):
    """A project's own limit of one network resource (Neutron's quotas; Nova's are QuotaRow)."""

    __tablename__ = "network_quotas"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class ResourceTagRow(Base):
    """One tag of a network resource (Neutron's standard-attr-tag): resource ids are UUIDs,
    unique across the tagged tables, so the id alone names the resource."""

    __tablename__ = "resource_tags"
    __table_args__ = (Index("ix_resource_tags_tag", "tag", "resource_id"),)
    resource_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tag: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(32))


class AgentBuildRow(Base):
    """os-agents: a guest agent build (records only) for one hypervisor, os and architecture."""

    __tablename__ = "agent_builds"
    __table_args__ = (UniqueConstraint("hypervisor", "os", "architecture"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hypervisor: Mapped[str] = mapped_column(String(255))
    os: Mapped[str] = mapped_column(String(255))
    architecture: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(255))
    md5hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column()


class CloudpipeRow(Base):
    """os-cloudpipe: one project's VPN record (data only: nothing routes traffic)."""

    __tablename__ = "cloudpipes"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(36))
    internal_ip: Mapped[str] = mapped_column(String(64))
    public_ip: Mapped[str] = mapped_column(String(64))
    public_port: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column()


# --- nova-network's records over the network ones (the legacy compute network extensions) -----


class NovaNetworkRow(Base):
    """What os-networks keeps of a network beyond the network API's columns: the host it is
    associated with (os-networks-associate) and nova-network's own fields (bridge, vlan, ...)."""

    __tablename__ = "nova_networks"
    network_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FixedIpReservationRow(Base):
    """os-fixed-ips reserve: an address kept out of allocation. A free address is held by a
    placeholder port (`port_id`), so that no allocation can take it."""

    __tablename__ = "fixed_ip_reservations"
    subnet_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subnets.id", ondelete="CASCADE"), primary_key=True)
    ip_address: Mapped[str] = mapped_column(String(64), primary_key=True)
    port_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column()


class BulkFloatingIpRow(Base):
    """os-floating-ips-bulk: one address of a pool (an external network's subnet), as
    nova-network's floating_ips rows; whether the bulk create made its subnet or network."""

    __tablename__ = "bulk_floating_ips"
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    network_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    subnet_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subnets.id", ondelete="CASCADE"), index=True)
    interface: Mapped[str] = mapped_column(String(255))
    made_subnet: Mapped[bool] = mapped_column(Boolean, default=False)
    made_network: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column()


class DnsDomainRow(Base):
    """os-floating-ip-dns: a DNS domain, private to an availability zone or public for a
    project (None: every project)."""

    __tablename__ = "dns_domains"
    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    project_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    availability_zone: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column()


class DnsEntryRow(Base):
    """os-floating-ip-dns: one name of a domain and the address it resolves to."""

    __tablename__ = "dns_entries"
    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column()


# --- Block storage -----------------------------------------------------------------------------


class VolumeTypeRow(Base):
    """A volume type (Cinder's `__DEFAULT__` is made at bootstrap) and its extra specs."""

    __tablename__ = "volume_types"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    extra_specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # os-volume-type-access: the projects that may use a private type.
    access_projects: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column()
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The QoS specs associated with the type (qos-specs associate).
    qos_specs_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class VolumeRow(Base):
    """A block storage volume; its data is a sparse file under the data directory."""

    __tablename__ = "volumes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), default="creating")
    attach_status: Mapped[str] = mapped_column(String(32), default="detached")
    availability_zone: Mapped[str] = mapped_column(String(255), default="nova")
    bootable: Mapped[bool] = mapped_column(Boolean, default=False)
    multiattach: Mapped[bool] = mapped_column(Boolean, default=False)
    volume_type_id: Mapped[str] = mapped_column(String(36))
    snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    source_volid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    image_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    # os-volume_image_metadata: the image's properties a volume made from it carries.
    image_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Where the data lives under the data directory (relative).
    location: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The generic volume group the volume belongs to (3.13).
    group_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


class VolumeSnapshotRow(Base):
    """A snapshot of a volume: a copy of its data file taken when the snapshot was made."""

    __tablename__ = "volume_snapshots"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), default="creating")
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    location: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The group snapshot the snapshot was taken as part of (3.14).
    group_snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True,
                                                           index=True)
    # Cinder's progress as os-update_snapshot_status sets it ("80%"); None: from the status.
    progress: Mapped[str | None] = mapped_column(String(255), nullable=True, default=None)


class VolumeQuotaRow(Base):
    """A project's block storage quota limit for one resource (absent: the default)."""

    __tablename__ = "volume_quotas"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class RateLimitLevelRow(Base):
    """One user's level of one rate limit of the legacy API (Nova's sliding "water level"):
    it rises by unit/value per request and drains one per second since `last_request`."""

    __tablename__ = "rate_limit_levels"
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # A digest of the limit's verb, regex, value and unit: a changed limit starts afresh.
    limit_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    water_level: Mapped[float] = mapped_column(Float)
    # Seconds since the epoch.
    last_request: Mapped[float] = mapped_column(Float)
    accepted: Mapped[bool] = mapped_column(Boolean, default=True)


class TaskLogRow(Base):
    """One run of a host's periodic task for one period (Nova's task_log): the instance
    usage audit records here which hosts ran for a period and how many instances they saw."""

    __tablename__ = "task_logs"
    __table_args__ = (UniqueConstraint("task_name", "host", "period_beginning", "period_ending"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_name: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255))
    period_beginning: Mapped[datetime] = mapped_column()
    period_ending: Mapped[datetime] = mapped_column()
    # RUNNING or DONE.
    state: Mapped[str] = mapped_column(String(255))
    task_items: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class VolumeAttachmentRow(Base):
    """A volume's attachment (Cinder's attachment record and Nova's block device mapping in
    one): to a server (`server_id`), or reserved through the attachments API without one."""

    __tablename__ = "volume_attachments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    server_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    project_id: Mapped[str] = mapped_column(String(64))
    # Nova's block device mapping uuid (2.89 bdm_uuid).
    bdm_id: Mapped[str] = mapped_column(String(36))
    device: Mapped[str | None] = mapped_column(String(255), nullable=True)
    tag: Mapped[str | None] = mapped_column(String(60), nullable=True)
    delete_on_termination: Mapped[bool] = mapped_column(Boolean, default=False)
    # 0 for a server's root volume (boot from volume), else None.
    boot_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Cinder's attach_status of the attachment: reserved, attaching, attached.
    status: Mapped[str] = mapped_column(String(32), default="reserved")
    mode: Mapped[str] = mapped_column(String(8), default="rw")
    connector: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    attached_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)
# --- Image metadata definitions (Glance's metadefs) ---------------------------------------------


class MetadefNamespaceRow(Base):
    """A metadata definitions namespace: the objects, properties and tags below it, and the
    resource types it applies to."""

    __tablename__ = "metadef_namespaces"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    namespace: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    visibility: Mapped[str] = mapped_column(String(32), default="private")
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    owner: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class MetadefObjectRow(Base):
    __tablename__ = "metadef_objects"
    __table_args__ = (UniqueConstraint("namespace_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    namespace_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("metadef_namespaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    required: Mapped[list[Any]] = mapped_column(default=list)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class MetadefPropertyRow(Base):
    __tablename__ = "metadef_properties"
    __table_args__ = (UniqueConstraint("namespace_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    namespace_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("metadef_namespaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    schema: Mapped[dict[str, Any]] = mapped_column("json_schema", default=dict)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class MetadefTagRow(Base):
    __tablename__ = "metadef_tags"
    __table_args__ = (UniqueConstraint("namespace_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    namespace_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("metadef_namespaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class MetadefResourceTypeRow(Base):
    __tablename__ = "metadef_resource_types"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class MetadefAssociationRow(Base):
    """A namespace associated with a resource type, with the prefix its properties take there."""

    __tablename__ = "metadef_namespace_resource_types"
    namespace_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("metadef_namespaces.id", ondelete="CASCADE"), primary_key=True)
    resource_type_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("metadef_resource_types.id", ondelete="CASCADE"), primary_key=True)
    prefix: Mapped[str | None] = mapped_column(String(80), nullable=True)
    properties_target: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class ImageTaskRow(Base):
    """A Glance task (an image import): its input, state and result."""

    __tablename__ = "image_tasks"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(30), default="pending")
    owner: Mapped[str] = mapped_column(String(64), index=True)
    image_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    input: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class ImageCacheRow(Base):
    """An image in the cache (`state` cached) or queued to be cached."""

    __tablename__ = "image_cache"
    image_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    last_accessed: Mapped[datetime] = mapped_column()
    last_modified: Mapped[datetime] = mapped_column()


class VolumeBackupRow(Base):
    """A backup of a volume (or of one of its snapshots): a copy of its data file; an
    incremental one names the backup it follows (`parent_id`)."""

    __tablename__ = "volume_backups"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    parent_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    container: Mapped[str | None] = mapped_column(String(255), nullable=True)
    availability_zone: Mapped[str | None] = mapped_column(String(255), nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), default="creating")
    fail_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_incremental: Mapped[bool] = mapped_column(Boolean, default=False)
    object_count: Mapped[int] = mapped_column(Integer, default=0)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    # What a restore gives the volume back besides its data: its metadata, image metadata
    # and bootable flag at the time of the backup.
    volume_state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    location: Mapped[str] = mapped_column(Text)
    data_timestamp: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class VolumeTransferRow(Base):
    """A pending transfer of a volume to another project: only the salted hash of its
    auth key is kept."""

    __tablename__ = "volume_transfers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    source_project_id: Mapped[str] = mapped_column(String(64), index=True)
    destination_project_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    salt: Mapped[str] = mapped_column(String(64))
    crypt_hash: Mapped[str] = mapped_column(String(255))
    no_snapshots: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column()
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class VolumeMessageRow(Base):
    """A user message of the block storage service: why an asynchronous request failed."""

    __tablename__ = "volume_messages"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    request_id: Mapped[str] = mapped_column(String(255))
    resource_type: Mapped[str | None] = mapped_column(String(36), nullable=True)
    resource_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    event_id: Mapped[str] = mapped_column(String(255))
    message_level: Mapped[str] = mapped_column(String(255), default="ERROR")
    user_message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class VolumeServiceRow(Base):
    """An admin's setting for one block storage service (host, binary): disabled with a
    reason, or frozen; absent means enabled and not frozen."""

    __tablename__ = "volume_services"
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    binary: Mapped[str] = mapped_column(String(64), primary_key=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column()


class PlacementNameRow(Base):
    """A custom trait or custom resource class a Placement client created (kind: trait or
    resource_class); the standard ones are in services/placement.py."""

    __tablename__ = "placement_names"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column()


class VolumeGroupTypeRow(Base):
    """A generic volume group type (Cinder's group_types) and its group specs."""

    __tablename__ = "volume_group_types"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    group_specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column()
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class VolumeGroupRow(Base):
    """A generic volume group: volumes (VolumeRow.group_id) of the listed volume types."""

    __tablename__ = "volume_groups"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    group_type_id: Mapped[str] = mapped_column(String(36))
    volume_type_ids: Mapped[list[Any]] = mapped_column(default=list)
    availability_zone: Mapped[str] = mapped_column(String(255), default="nova")
    status: Mapped[str] = mapped_column(String(32), default="available")
    group_snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    source_group_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class VolumeGroupSnapshotRow(Base):
    """A snapshot of a group: one snapshot of each of its volumes
    (VolumeSnapshotRow.group_snapshot_id)."""

    __tablename__ = "volume_group_snapshots"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    group_id: Mapped[str] = mapped_column(String(36), index=True)
    group_type_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(32), default="available")
    created_at: Mapped[datetime] = mapped_column()
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class VolumeQosSpecRow(Base):
    """A set of QoS specs (key/value pairs for a consumer) volume types may be associated
    with (VolumeTypeRow.qos_specs_id)."""

    __tablename__ = "volume_qos_specs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    consumer: Mapped[str] = mapped_column(String(32), default="back-end")
    specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column()
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class VolumeTypeEncryptionRow(Base):
    """The encryption of a volume type's volumes (one per type)."""

    __tablename__ = "volume_type_encryption"
    volume_type_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    encryption_id: Mapped[str] = mapped_column(String(36))
    provider: Mapped[str] = mapped_column(String(255))
    cipher: Mapped[str | None] = mapped_column(String(255), nullable=True)
    key_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    control_location: Mapped[str] = mapped_column(String(32), default="front-end")
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class VolumeWorkRow(Base):
    """Long volume work the API recorded for the volume worker (agent/volume_worker.py), in the
    transaction that left its volume, backup or image in a transitional state: a copy of
    `source` to `target`; deleted in the transaction that commits the final states."""

    __tablename__ = "volume_work"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # create (a volume from an image, snapshot or volume), backup, restore, upload.
    kind: Mapped[str] = mapped_column(String(16))
    project_id: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(64))
    volume_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    backup_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    image_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # Locations under the data directory; `source_store` is "volume" or "image".
    source: Mapped[str] = mapped_column(Text)
    source_store: Mapped[str] = mapped_column(String(16), default="volume")
    target: Mapped[str | None] = mapped_column(Text, nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    # The volume's status to give back when the work is done (backup, upload).
    previous_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # upload: the qemu-img output format.
    disk_format: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The host whose agent took the work (None: nobody yet).
    claimed_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column()
