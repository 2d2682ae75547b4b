"""Virtual MFA devices: creation, enabling, and one-time code checks (RFC 6238 TOTP).

A code is accepted for the current 30-second step or one step either side (clock drift),
and never twice: each device remembers the highest step it accepted, and the update that
raises it is conditional, so two concurrent requests with one code cannot both pass.
"""

from __future__ import annotations

import hmac
import io
import threading
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import pyotp
import segno
from sqlalchemy import Connection, Row, delete, func, insert, or_, select, update

from karashi.identity import ids
from karashi.identity.errors import (
    AccessDenied, DeleteConflict, EntityAlreadyExists, InvalidAuthenticationCode, LimitExceeded,
    NoSuchEntity, ValidationError,
)
from karashi.identity.names import check_name, check_path
from karashi.identity.users import User, require_user
from karashi.store import Store, as_utc
from karashi.store.schema import mfa_devices, users

STEP_SECONDS = 30
#: Wrong codes a device takes within FAILURE_WINDOW seconds before it takes none.
MAX_FAILURES = 5
FAILURE_WINDOW = 300
DRIFT_STEPS = 1
#: How far back EnableMFADevice looks for the two consecutive codes.
ENABLE_WINDOW_STEPS = 10
#: How far either side of now ResyncMFADevice looks for them: ten minutes.
RESYNC_WINDOW_STEPS = 20
ASSIGNMENT_STATUSES = ("Assigned", "Unassigned", "Any")


@dataclass(frozen=True)
class VirtualDevice:
    serial: str
    seed_base32: str
    qr_png: bytes

    def __repr__(self) -> str:
        return f"VirtualDevice(serial={self.serial!r}, seed=<redacted>)"


@dataclass(frozen=True)
class DeviceInfo:
    serial: str
    user_name: str | None
    user: User | None
    enabled_at: datetime | None


def check_code(label: str, code: str | None) -> str:
    """A TOTP code must be exactly six digits (AWS: ``[\\d]*``, length 6)."""
    if code is None or len(code) != 6 or not code.isascii() or not code.isdigit():
        shown = "null" if code is None else f"'{code}'"
        raise ValidationError(f"1 validation error detected: Value {shown} at '{label}' failed "
                              "to satisfy constraint: Member must be six digits "
                              "(regular expression pattern: [\\d]* with length 6)")
    return code


def _codes_equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def create_virtual_device(store: Store, account: str, name: str,
                          path: str | None = None) -> VirtualDevice:
    check_name("virtualMFADeviceName", name, 226)
    path = check_path(path)
    serial = ids.mfa_arn(account, name, path)
    seed = pyotp.random_base32(32)
    with store.engine.begin() as conn:
        if conn.execute(select(mfa_devices.c.serial).where(
                mfa_devices.c.account_id == account,
                func.lower(mfa_devices.c.name) == name.lower())).first():
            raise EntityAlreadyExists("MFADevice entity at the same path and name already "
                                      "exists.")
        conn.execute(insert(mfa_devices).values(
            serial=serial, account_id=account, name=name, path=path, created_at=store.now(),
            seed_sealed=store.sealer.seal(seed.encode(), serial)))
    uri = (f"otpauth://totp/Karashi:{quote(name)}@{account}?secret={seed}"
           "&issuer=Karashi&period=30&digits=6&algorithm=SHA1")
    png = io.BytesIO()
    segno.make(uri, error="m").save(png, kind="png", scale=6)
    return VirtualDevice(serial, seed, png.getvalue())


def _device(conn: Connection, account: str, serial: str) -> Row:  # type: ignore[type-arg]
    row = conn.execute(select(mfa_devices).where(mfa_devices.c.serial == serial)).first()
    if row is None or row.account_id != account:
        raise NoSuchEntity(f"VirtualMFADevice with serial number {serial} doesn't exist.")
    return row


def _assigned_device(conn: Connection, account: str, user_name: str, serial: str
                     ) -> tuple[User, Row]:  # type: ignore[type-arg]
    """The user and the device row, which must be assigned to that user."""
    user = require_user(conn, account, user_name)
    row = _device(conn, account, serial)
    if row.user_id != user.id:
        raise NoSuchEntity(f"MFA Device with serial number {serial} is not assigned to "
                           f"user {user.name}.")
    return user, row


def _totp(store: Store, row: Row) -> pyotp.TOTP:  # type: ignore[type-arg]
    seed = store.sealer.open(row.seed_sealed, row.serial).decode()
    return pyotp.TOTP(seed, interval=STEP_SECONDS)


def _consecutive_step(totp: pyotp.TOTP, code1: str, code2: str, first: int,
                      last: int) -> int | None:
    """The step of ``code2`` when ``code1`` and ``code2`` are the codes of two consecutive
    steps, the first of them in ``first..last`` (the latest such pair); else None."""
    for step in range(last, first - 1, -1):
        if (_codes_equal(code1, totp.at(step * STEP_SECONDS))
                and _codes_equal(code2, totp.at((step + 1) * STEP_SECONDS))):
            return step + 1
    return None


def enable_device(store: Store, account: str, user_name: str, serial: str,
                  code1: str, code2: str) -> None:
    """Assign the device to the user after two consecutive codes prove the seed is held."""
    check_code("authenticationCode1", code1)
    check_code("authenticationCode2", code2)
    with store.engine.begin() as conn:
        user = require_user(conn, account, user_name)
        row = _device(conn, account, serial)
        if row.user_id is not None:
            raise EntityAlreadyExists("MFA Device is already in use.")
        if conn.execute(select(mfa_devices.c.serial)
                        .where(mfa_devices.c.user_id == user.id)).first():
            raise LimitExceeded("Cannot exceed quota for MFADevicesPerUser: 1")
        now_step = int(store.clock()) // STEP_SECONDS
        step = _consecutive_step(_totp(store, row), code1, code2,
                                 now_step - ENABLE_WINDOW_STEPS, now_step)
        if step is None:
            raise InvalidAuthenticationCode("Authentication code for device is not valid.")
        conn.execute(update(mfa_devices).where(mfa_devices.c.serial == serial).values(
            user_id=user.id, enabled_at=store.now(), last_step=step))


def resync_device(store: Store, account: str, user_name: str, serial: str, code1: str,
                  code2: str) -> None:
    """Re-anchor the device's last accepted step on two consecutive codes (ResyncMFADevice).

    The codes may lie up to RESYNC_WINDOW_STEPS either side of now. The last accepted
    step becomes the second code's step, even when that is earlier than the step stored:
    a step recorded while the server's clock ran ahead would otherwise refuse every code
    until real time caught up. Holding the seed, proven by the two codes, is what allows
    that. Karashi keeps no per-device clock offset, so a device whose own clock drifts
    beyond one step still has its codes refused by GetSessionToken after a resync.
    """
    check_code("authenticationCode1", code1)
    check_code("authenticationCode2", code2)
    with store.engine.begin() as conn:
        user, row = _assigned_device(conn, account, user_name, serial)
        now_step = int(store.clock()) // STEP_SECONDS
        step = _consecutive_step(_totp(store, row), code1, code2,
                                 now_step - RESYNC_WINDOW_STEPS,
                                 now_step + RESYNC_WINDOW_STEPS - 1)
        if step is None:
            raise InvalidAuthenticationCode("Authentication code for device is not valid.")
        conn.execute(update(mfa_devices).where(
            mfa_devices.c.serial == serial, mfa_devices.c.user_id == user.id,
        ).values(last_step=step))


def list_virtual_devices(store: Store, account: str, status: str = "Any") -> list[DeviceInfo]:
    """The account's virtual devices by AssignmentStatus, ordered by serial number."""
    if status not in ASSIGNMENT_STATUSES:
        raise ValidationError(f"1 validation error detected: Value '{status}' at "
                              "'assignmentStatus' failed to satisfy constraint: Member must "
                              "satisfy enum value set: [Assigned, Unassigned, Any]")
    query = (select(mfa_devices, users.c.name.label("user_name"),
                    users.c.path.label("user_path"),
                    users.c.created_at.label("user_created_at"))
             .outerjoin(users, users.c.id == mfa_devices.c.user_id)
             .where(mfa_devices.c.account_id == account))
    if status == "Assigned":
        query = query.where(mfa_devices.c.user_id.is_not(None))
    elif status == "Unassigned":
        query = query.where(mfa_devices.c.user_id.is_(None))
    with store.engine.connect() as conn:
        rows = conn.execute(query.order_by(mfa_devices.c.serial)).all()
    devices = []
    for r in rows:
        user = None
        if r.user_id is not None:
            user = User(r.user_id, account, r.user_name, r.user_path,
                        as_utc(r.user_created_at))
        devices.append(DeviceInfo(r.serial, user.name if user else None, user,
                                  as_utc(r.enabled_at) if r.enabled_at else None))
    return devices


def get_user_device(store: Store, account: str, user: User, serial: str) -> DeviceInfo:
    """The device ``serial`` assigned to ``user`` (GetMFADevice), else NoSuchEntity."""
    with store.engine.connect() as conn:
        row = conn.execute(select(mfa_devices).where(
            mfa_devices.c.serial == serial, mfa_devices.c.account_id == account)).first()
    if row is None or row.user_id != user.id:
        raise NoSuchEntity(f"MFA Device with serial number {serial} is not assigned to "
                           f"user {user.name}.")
    return DeviceInfo(row.serial, user.name, user,
                      as_utc(row.enabled_at) if row.enabled_at else None)


def list_user_devices(store: Store, account: str, user: User) -> list[DeviceInfo]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(mfa_devices).where(
            mfa_devices.c.account_id == account, mfa_devices.c.user_id == user.id)).all()
    return [DeviceInfo(r.serial, user.name, user, as_utc(r.enabled_at)) for r in rows]


def deactivate_device(store: Store, account: str, user_name: str, serial: str) -> None:
    with store.engine.begin() as conn:
        _, row = _assigned_device(conn, account, user_name, serial)
        conn.execute(update(mfa_devices).where(mfa_devices.c.serial == serial).values(
            user_id=None, enabled_at=None))


def delete_virtual_device(store: Store, account: str, serial: str) -> None:
    with store.engine.begin() as conn:
        row = _device(conn, account, serial)
        if row.user_id is not None:
            raise DeleteConflict("MFA Device is still in use.")
        conn.execute(delete(mfa_devices).where(mfa_devices.c.serial == serial))


def serial_for(conn: Connection, account: str, user: User, given: str,
               accept_user_arn: bool) -> str:
    """The device a GetSessionToken SerialNumber names, enabled for ``user``.

    Karashi also takes the user's own ARN when the user has exactly one enabled device,
    because the article tells people to copy "the ARN of this user"; AWS refuses it, and
    so does the ``aws`` compatibility mode (``accept_user_arn=False``).
    """
    if accept_user_arn and given == user.arn:
        rows = conn.execute(select(mfa_devices.c.serial).where(
            mfa_devices.c.user_id == user.id, mfa_devices.c.enabled_at.is_not(None))).all()
        if len(rows) == 1:
            return str(rows[0].serial)
    row = conn.execute(select(mfa_devices).where(mfa_devices.c.serial == given)).first()
    if row is None or row.user_id != user.id or row.enabled_at is None:
        raise AccessDenied("MultiFactorAuthentication failed, unable to validate MFA code. "
                           "Please verify your MFA serial number is valid and associated with "
                           "this user.")
    return given


class FailedCodes:
    """Recent wrong codes per device, to stop guessing.

    Six digits are few: at hundreds of guesses a second a stolen long-term key would
    find a valid code within the hour. After MAX_FAILURES wrong codes within
    FAILURE_WINDOW seconds, a device takes no code, right or wrong, until the oldest
    failure leaves the window. Kept in this process's memory: on several nodes each
    counts its own failures (a shortcoming named in docs/architecture.md).
    """

    def __init__(self) -> None:
        self._seen: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, serial: str, now: float) -> list[float]:
        recent = [t for t in self._seen.get(serial, []) if now - t < FAILURE_WINDOW]
        if recent:
            self._seen[serial] = recent
        else:
            self._seen.pop(serial, None)
        return recent

    def check(self, serial: str, now: float) -> None:
        with self._lock:
            recent = self._recent(serial, now)
        if len(recent) >= MAX_FAILURES:
            wait = int(FAILURE_WINDOW - (now - recent[0])) + 1
            raise AccessDenied("MultiFactorAuthentication failed: too many wrong codes for "
                               f"this MFA device. Try again in {wait} seconds.")

    def add(self, serial: str, now: float) -> None:
        with self._lock:
            recent = self._recent(serial, now)
            recent.append(now)
            self._seen[serial] = recent

    def clear(self, serial: str) -> None:
        with self._lock:
            self._seen.pop(serial, None)


failed_codes = FailedCodes()


def verify_code(store: Store, conn: Connection, serial: str, code: str) -> None:
    """Accept ``code`` for the device once, within one step of drift, or raise AccessDenied."""
    now = store.clock()
    failed_codes.check(serial, now)
    row = conn.execute(select(mfa_devices).where(mfa_devices.c.serial == serial)).first()
    assert row is not None
    totp = _totp(store, row)
    now_step = int(now) // STEP_SECONDS
    matched = [step for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1)
               if _codes_equal(code, totp.at(step * STEP_SECONDS))]
    if not matched:
        failed_codes.add(serial, now)
        raise AccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass "
                           "code.")
    step = matched[-1]
    claimed = conn.execute(update(mfa_devices).where(
        mfa_devices.c.serial == serial,
        or_(mfa_devices.c.last_step.is_(None), mfa_devices.c.last_step < step),
    ).values(last_step=step)).rowcount
    if not claimed:
        raise AccessDenied("MultiFactorAuthentication failed: this MFA code has already been "
                           "used. Wait for the next code.")
    failed_codes.clear(serial)
