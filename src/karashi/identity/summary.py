"""Account-wide views of IAM: GetAccountSummary's counts and quotas, and the snapshot
GetAccountAuthorizationDetails returns (every user, group, role and managed policy with
their relationships), each read in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select
from sqlalchemy.sql.elements import ColumnElement

from karashi.identity import groups as group_store
from karashi.identity import inline, policies, roles as role_store
from karashi.identity.groups import Group, _group
from karashi.identity.policies import ManagedPolicy, PolicyVersion
from karashi.identity.roles import Role, _role
from karashi.identity.users import MAX_KEYS_PER_USER, User, _user
from karashi.store import Store
from karashi.store.schema import (
    access_keys, group_policy_attachments, groups, managed_policies, mfa_devices,
    role_policy_attachments, roles, user_policy_attachments, users,
)

#: The quotas GetAccountSummary reports: AWS's defaults ("IAM and AWS STS quotas").
QUOTAS = {
    "UsersQuota": 5000,
    "GroupsQuota": group_store.GROUPS_PER_ACCOUNT,
    "RolesQuota": role_store.ROLES_PER_ACCOUNT,
    "PoliciesQuota": 1500,
    "PolicySizeQuota": policies.MAX_MANAGED_POLICY_SIZE,
    "PolicyVersionsInUseQuota": 10_000,
    "VersionsPerPolicyQuota": policies.MAX_VERSIONS,
    "UserPolicySizeQuota": inline.AGGREGATE_LIMITS["user"],
    "GroupPolicySizeQuota": inline.AGGREGATE_LIMITS["group"],
    "RolePolicySizeQuota": inline.AGGREGATE_LIMITS["role"],
    "AssumeRolePolicySizeQuota": role_store.MAX_TRUST_POLICY_SIZE,
    "GroupsPerUserQuota": group_store.GROUPS_PER_USER,
    "AttachedPoliciesPerUserQuota": policies.MAX_ATTACHED,
    "AttachedPoliciesPerGroupQuota": policies.MAX_ATTACHED,
    "AttachedPoliciesPerRoleQuota": policies.MAX_ATTACHED,
    "AccessKeysPerUserQuota": MAX_KEYS_PER_USER,
    "SigningCertificatesPerUserQuota": 2,
    "ServerCertificatesQuota": 20,
    "InstanceProfilesQuota": 1000,
}


def _count(conn: Connection, table: object, *where: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(table)  # type: ignore[arg-type]
    return int(conn.execute(query.where(*where)).scalar_one())


def account_summary(store: Store, account: str) -> dict[str, int]:
    """GetAccountSummary's SummaryMap: entity counts and the account's quotas."""
    with store.engine.connect() as conn:
        in_use = sum(
            _count(conn, table.join(owner, owner.c.id == column),
                   owner.c.account_id == account)
            for table, column, owner in (
                (user_policy_attachments, user_policy_attachments.c.user_id, users),
                (group_policy_attachments, group_policy_attachments.c.group_id, groups),
                (role_policy_attachments, role_policy_attachments.c.role_id, roles)))
        counts = {
            "Users": _count(conn, users, users.c.account_id == account),
            "Groups": _count(conn, groups, groups.c.account_id == account),
            "Roles": _count(conn, roles, roles.c.account_id == account),
            "Policies": _count(conn, managed_policies,
                               managed_policies.c.account_id == account),
            "PolicyVersionsInUse": in_use,
            "MFADevices": _count(conn, mfa_devices, mfa_devices.c.account_id == account),
            "MFADevicesInUse": _count(conn, mfa_devices, mfa_devices.c.account_id == account,
                                      mfa_devices.c.enabled_at.is_not(None)),
            "AccountAccessKeysPresent": min(1, _count(
                conn, access_keys, access_keys.c.account_id == account,
                access_keys.c.user_id.is_(None))),
            # Karashi assigns MFA devices to IAM users, never to an account's root user.
            "AccountMFAEnabled": 0,
            "AccountPasswordPresent": 0,
            "AccountSigningCertificatesPresent": 0,
            "ServerCertificates": 0,
            "InstanceProfiles": 0,
            "Providers": 0,
            "GlobalEndpointTokenVersion": 1,
        }
    return {**counts, **QUOTAS}


@dataclass(frozen=True)
class UserDetail:
    user: User
    inline: list[tuple[str, str]]
    groups: list[str]
    attached: list[tuple[str, str]]


@dataclass(frozen=True)
class GroupDetail:
    group: Group
    inline: list[tuple[str, str]]
    attached: list[tuple[str, str]]


@dataclass(frozen=True)
class RoleDetail:
    role: Role
    inline: list[tuple[str, str]]
    attached: list[tuple[str, str]]


@dataclass(frozen=True)
class AuthorizationDetails:
    users: list[UserDetail]
    groups: list[GroupDetail]
    roles: list[RoleDetail]
    policies: list[tuple[ManagedPolicy, list[PolicyVersion]]]


FILTERS = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")


def authorization_details(store: Store, account: str,
                          wanted: frozenset[str] = frozenset(FILTERS)
                          ) -> AuthorizationDetails:
    """Every entity of the kinds in ``wanted`` with its policies, as one snapshot.

    As in IAM, AWS-managed policies appear only when the account has attached them.
    """
    with store.engine.connect() as conn:
        inline_of = inline.policies_in_account(conn, account)
        attached_of = policies.attachments_in_account(conn, account)
        found = AuthorizationDetails([], [], [], [])
        if "User" in wanted:
            member_of = group_store.memberships(conn, account)
            rows = conn.execute(select(users).where(users.c.account_id == account)
                                .order_by(users.c.name)).all()
            found.users.extend(
                UserDetail(u, inline_of.get(("user", u.id), []), member_of.get(u.id, []),
                           attached_of.get(("user", u.id), []))
                for u in map(_user, rows))
        if "Group" in wanted:
            rows = conn.execute(select(groups).where(groups.c.account_id == account)
                                .order_by(groups.c.name)).all()
            found.groups.extend(
                GroupDetail(g, inline_of.get(("group", g.id), []),
                            attached_of.get(("group", g.id), []))
                for g in map(_group, rows))
        if "Role" in wanted:
            rows = conn.execute(select(roles).where(roles.c.account_id == account)
                                .order_by(roles.c.name)).all()
            found.roles.extend(
                RoleDetail(r, inline_of.get(("role", r.id), []),
                           attached_of.get(("role", r.id), []))
                for r in map(_role, rows))
        found.policies.extend(policies.policies_with_versions(
            conn, account, local="LocalManagedPolicy" in wanted,
            aws="AWSManagedPolicy" in wanted))
    return found
