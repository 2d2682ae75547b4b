"""Account aliases through the IAM API against a real server."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from conftest import client
from e2e.awscli import AwsCli
from iam_support import code_of, error_of, new_account
from server import Server


def alias_name() -> str:
    return f"team-{secrets.token_hex(4)}"


@pytest.fixture(scope="module")
def unchecked(server: Server) -> Any:
    """The root IAM client of an account of its own, without boto3's own validation."""
    _, made = new_account(server)
    return client(server, "iam", made["access_key_id"], made["secret_access_key"],
                  parameter_validation=False)


def test_alias_lifecycle(server: Server) -> None:
    """CreateAccountAlias, ListAccountAliases and DeleteAccountAlias; a second alias for
    the same account is LimitExceeded, another account's alias EntityAlreadyExists, and a
    deleted alias is free again (IAM API Reference: CreateAccountAlias, DeleteAccountAlias,
    ListAccountAliases, "you can have only one")."""
    iam, _ = new_account(server)
    other, _ = new_account(server)
    assert iam.list_account_aliases()["AccountAliases"] == []
    alias = alias_name()
    iam.create_account_alias(AccountAlias=alias)
    listed = iam.list_account_aliases()
    assert listed["AccountAliases"] == [alias] and listed["IsTruncated"] is False

    error = error_of(iam.create_account_alias, AccountAlias=alias_name())
    assert error["Code"] == "LimitExceeded" and "AccountAliasesPerAccount" in error["Message"]
    assert code_of(iam.create_account_alias, AccountAlias=alias) == "EntityAlreadyExists"
    assert code_of(other.create_account_alias, AccountAlias=alias) == "EntityAlreadyExists"
    assert code_of(other.delete_account_alias, AccountAlias=alias) == "NoSuchEntity"

    iam.delete_account_alias(AccountAlias=alias)
    assert iam.list_account_aliases()["AccountAliases"] == []
    assert code_of(iam.delete_account_alias, AccountAlias=alias) == "NoSuchEntity"
    other.create_account_alias(AccountAlias=alias)
    assert other.list_account_aliases()["AccountAliases"] == [alias]


@pytest.mark.parametrize("alias", [
    "ab", "x" * 64, "-team", "team-", "te--am", "Team", "team_a", "team.a", "123456789012"])
def test_invalid_aliases(unchecked: Any, alias: str) -> None:
    """An alias must be 3-63 lowercase letters, digits and single hyphens, start and end
    with a letter or digit, and not be twelve digits (IAM API Reference:
    CreateAccountAlias, AccountAlias; IAM User Guide: IAM and AWS STS quotas)."""
    assert code_of(unchecked.create_account_alias, AccountAlias=alias) == "ValidationError"
    assert unchecked.list_account_aliases()["AccountAliases"] == []


def test_aliases_with_the_aws_cli(server: Server, tmp_path: Path) -> None:
    """`aws iam create-account-alias`, `list-account-aliases` and `delete-account-alias`
    work with the real AWS CLI (AWS CLI Command Reference: iam create-account-alias)."""
    _, made = new_account(server)
    cli = AwsCli(tmp_path, server.endpoint)
    cli.configure("admin", made["access_key_id"], made["secret_access_key"])
    alias = alias_name()
    cli.run("iam", "create-account-alias", "--account-alias", alias, "--profile", "admin")
    listed = cli.json("iam", "list-account-aliases", "--profile", "admin")
    assert listed["AccountAliases"] == [alias]
    cli.run("iam", "delete-account-alias", "--account-alias", alias, "--profile", "admin")
    assert cli.json("iam", "list-account-aliases", "--profile", "admin")[
        "AccountAliases"] == []
