"""IAM handlers for the account's alias."""

from __future__ import annotations

from karashi.http import xml
from karashi.iam import resources
from karashi.iam.call import IamCall, page
from karashi.iam.resources import IamAction
from karashi.identity import aliases


def create_account_alias(call: IamCall) -> None:
    aliases.create_alias(call.store, call.account, call.require("AccountAlias"))


def delete_account_alias(call: IamCall) -> None:
    aliases.delete_alias(call.store, call.account, call.require("AccountAlias"))


def list_account_aliases(call: IamCall) -> list[xml.Node]:
    chosen, paging = page(call, aliases.list_aliases(call.store, call.account))
    return [("AccountAliases", [("member", alias) for alias in chosen]), *paging]


# The Service Authorization Reference names no resource type for these: "*".
ACTIONS = {
    "CreateAccountAlias": IamAction(create_account_alias, resources.any_resource),
    "DeleteAccountAlias": IamAction(delete_account_alias, resources.any_resource),
    "ListAccountAliases": IamAction(list_account_aliases, resources.any_resource),
}
