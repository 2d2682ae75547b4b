"""IAM handlers for console passwords: login profiles and the account password policy."""

from __future__ import annotations

from typing import Any

from karashi.http import xml
from karashi.iam import resources
from karashi.iam.call import IamCall
from karashi.iam.resources import IamAction
from karashi.identity import login
from karashi.identity.errors import ValidationError
from karashi.identity.login import LoginProfile, PasswordPolicy


def _label(name: str) -> str:
    return name[0].lower() + name[1:]


def flag(call: IamCall, name: str) -> bool | None:
    """A boolean parameter as the query API spells it; None when absent."""
    value = call.get(name)
    if value is None or value == "":
        return None
    if value.lower() not in ("true", "false"):
        raise ValidationError(f"1 validation error detected: Value '{value}' at "
                              f"'{_label(name)}' failed to satisfy constraint: Member must "
                              "be true or false")
    return value.lower() == "true"


def number(call: IamCall, name: str, low: int, high: int) -> int | None:
    """An integer parameter within ``low..high``; None when absent."""
    value = call.get(name)
    if value is None or value == "":
        return None
    try:
        parsed = int(value)
    except ValueError:
        raise ValidationError(f"1 validation error detected: Value '{value}' at "
                              f"'{_label(name)}' failed to satisfy constraint: Member must "
                              "be an integer") from None
    if parsed < low:
        raise ValidationError(f"1 validation error detected: Value '{parsed}' at "
                              f"'{_label(name)}' failed to satisfy constraint: Member must "
                              f"have value greater than or equal to {low}")
    if parsed > high:
        raise ValidationError(f"1 validation error detected: Value '{parsed}' at "
                              f"'{_label(name)}' failed to satisfy constraint: Member must "
                              f"have value less than or equal to {high}")
    return parsed


def profile_node(profile: LoginProfile) -> list[xml.Node]:
    return [("UserName", profile.user_name), ("CreateDate", profile.created_at),
            ("PasswordResetRequired", profile.reset_required)]


def create_login_profile(call: IamCall) -> list[xml.Node]:
    profile = login.create_login_profile(call.store, call.account, call.user_name(),
                                         call.require("Password"),
                                         flag(call, "PasswordResetRequired") or False)
    return [("LoginProfile", profile_node(profile))]


def get_login_profile(call: IamCall) -> list[xml.Node]:
    profile = login.get_login_profile(call.store, call.account, call.user_name())
    return [("LoginProfile", profile_node(profile))]


def update_login_profile(call: IamCall) -> None:
    login.update_login_profile(call.store, call.account, call.user_name(),
                               call.get("Password"), flag(call, "PasswordResetRequired"))


def delete_login_profile(call: IamCall) -> None:
    login.delete_login_profile(call.store, call.account, call.user_name())


def change_password(call: IamCall) -> None:
    login.change_password(call.store, call.account, call.caller.user,
                          call.require("OldPassword"), call.require("NewPassword"))


def update_account_password_policy(call: IamCall) -> None:
    # No partial update: every parameter left out takes its default again.
    given: dict[str, Any] = {
        "minimum_length": number(call, "MinimumPasswordLength", 6, 128),
        "require_symbols": flag(call, "RequireSymbols"),
        "require_numbers": flag(call, "RequireNumbers"),
        "require_uppercase": flag(call, "RequireUppercaseCharacters"),
        "require_lowercase": flag(call, "RequireLowercaseCharacters"),
        "allow_users_to_change": flag(call, "AllowUsersToChangePassword"),
        "max_age_days": number(call, "MaxPasswordAge", 1, 1095),
        "reuse_prevention": number(call, "PasswordReusePrevention", 1, 24),
        "hard_expiry": flag(call, "HardExpiry"),
    }
    policy = PasswordPolicy(**{k: v for k, v in given.items() if v is not None})
    login.update_password_policy(call.store, call.account, policy)


def get_account_password_policy(call: IamCall) -> list[xml.Node]:
    policy = login.get_password_policy(call.store, call.account)
    nodes: list[xml.Node] = [
        ("MinimumPasswordLength", policy.minimum_length),
        ("RequireSymbols", policy.require_symbols),
        ("RequireNumbers", policy.require_numbers),
        ("RequireUppercaseCharacters", policy.require_uppercase),
        ("RequireLowercaseCharacters", policy.require_lowercase),
        ("AllowUsersToChangePassword", policy.allow_users_to_change),
        ("ExpirePasswords", policy.expire_passwords),
    ]
    if policy.max_age_days:
        nodes.append(("MaxPasswordAge", policy.max_age_days))
    if policy.reuse_prevention:
        nodes.append(("PasswordReusePrevention", policy.reuse_prevention))
    nodes.append(("HardExpiry", policy.hard_expiry))
    return [("PasswordPolicy", nodes)]


def delete_account_password_policy(call: IamCall) -> None:
    login.delete_password_policy(call.store, call.account)


# ChangePassword is authorized on the caller's own user ARN, which is what the
# IAMUserChangePassword managed policy grants (user/${aws:username}).
ACTIONS = {
    "CreateLoginProfile": IamAction(create_login_profile, resources.user),
    "GetLoginProfile": IamAction(get_login_profile, resources.user),
    "UpdateLoginProfile": IamAction(update_login_profile, resources.user),
    "DeleteLoginProfile": IamAction(delete_login_profile, resources.user),
    "ChangePassword": IamAction(change_password, resources.user),
    "UpdateAccountPasswordPolicy": IamAction(update_account_password_policy,
                                             resources.any_resource),
    "GetAccountPasswordPolicy": IamAction(get_account_password_policy,
                                          resources.any_resource),
    "DeleteAccountPasswordPolicy": IamAction(delete_account_password_policy,
                                             resources.any_resource),
}
