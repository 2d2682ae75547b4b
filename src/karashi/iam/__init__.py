"""IAM query API (Version 2010-05-08): the actions Karashi serves and what each needs.

Every call is authorized as ``iam:<Action>`` on the IAM resource it touches, following
"Actions, resources, and condition keys for AWS Identity and Access Management" in the
Service Authorization Reference. Each handler module lists its own actions; this table
joins them.
"""

from __future__ import annotations

from karashi.iam import (
    account, aliases, groups, inline, login, mfa, policies, roles, simulate, users,
)
from karashi.iam.resources import IamAction

ACTIONS: dict[str, IamAction] = {
    **users.ACTIONS,
    **login.ACTIONS,
    **policies.ACTIONS,
    **inline.ACTIONS,
    **groups.ACTIONS,
    **roles.ACTIONS,
    **mfa.ACTIONS,
    **account.ACTIONS,
    **aliases.ACTIONS,
    **simulate.ACTIONS,
}
