"""IAM handlers for virtual MFA devices."""

from __future__ import annotations

import base64

from karashi.http import xml
from karashi.iam import resources
from karashi.iam.call import IamCall, page
from karashi.iam.resources import IamAction
from karashi.iam.users import user_node
from karashi.identity import mfa, users


def create_virtual_mfa_device(call: IamCall) -> list[xml.Node]:
    device = mfa.create_virtual_device(call.store, call.account,
                                       call.require("VirtualMFADeviceName"), call.get("Path"))
    # Both are blobs on the wire: base64 of the Base32 text and of the PNG bytes.
    return [("VirtualMFADevice", [
        ("SerialNumber", device.serial),
        ("Base32StringSeed", base64.b64encode(device.seed_base32.encode()).decode()),
        ("QRCodePNG", base64.b64encode(device.qr_png).decode()),
    ])]


def enable_mfa_device(call: IamCall) -> None:
    mfa.enable_device(call.store, call.account, call.require("UserName"),
                      call.require("SerialNumber"), call.require("AuthenticationCode1"),
                      call.require("AuthenticationCode2"))


def list_mfa_devices(call: IamCall) -> list[xml.Node]:
    user = users.get_user(call.store, call.account, call.user_name())
    devices = mfa.list_user_devices(call.store, call.account, user)
    chosen, paging = page(call, devices)
    members: list[xml.Node] = [
        ("member", [("UserName", d.user_name), ("SerialNumber", d.serial),
                    ("EnableDate", d.enabled_at)]) for d in chosen]
    return [("MFADevices", members), *paging]


def deactivate_mfa_device(call: IamCall) -> None:
    mfa.deactivate_device(call.store, call.account, call.user_name(),
                          call.require("SerialNumber"))


def delete_virtual_mfa_device(call: IamCall) -> None:
    mfa.delete_virtual_device(call.store, call.account, call.require("SerialNumber"))


def resync_mfa_device(call: IamCall) -> None:
    mfa.resync_device(call.store, call.account, call.require("UserName"),
                      call.require("SerialNumber"), call.require("AuthenticationCode1"),
                      call.require("AuthenticationCode2"))


def list_virtual_mfa_devices(call: IamCall) -> list[xml.Node]:
    devices = mfa.list_virtual_devices(call.store, call.account,
                                       call.get("AssignmentStatus") or "Any")
    chosen, paging = page(call, devices)
    members: list[xml.Node] = []
    for device in chosen:
        nodes: list[xml.Node] = [("SerialNumber", device.serial)]
        if device.user is not None:
            nodes += [("User", user_node(device.user)), ("EnableDate", device.enabled_at)]
        members.append(("member", nodes))
    return [("VirtualMFADevices", members), *paging]


def get_mfa_device(call: IamCall) -> list[xml.Node]:
    # IAM serves GetMFADevice for FIDO security keys only; Karashi has virtual devices
    # alone and answers for those, in the same shape.
    user = users.get_user(call.store, call.account, call.user_name())
    device = mfa.get_user_device(call.store, call.account, user, call.require("SerialNumber"))
    return [("UserName", device.user_name), ("SerialNumber", device.serial),
            ("EnableDate", device.enabled_at)]


ACTIONS = {
    "CreateVirtualMFADevice": IamAction(create_virtual_mfa_device, resources.new_mfa),
    "EnableMFADevice": IamAction(enable_mfa_device, resources.user),
    "ListMFADevices": IamAction(list_mfa_devices, resources.user),
    "DeactivateMFADevice": IamAction(deactivate_mfa_device, resources.user),
    "DeleteVirtualMFADevice": IamAction(delete_virtual_mfa_device, resources.serial),
    "ResyncMFADevice": IamAction(resync_mfa_device, resources.user),
    "ListVirtualMFADevices": IamAction(list_virtual_mfa_devices, resources.any_resource),
    "GetMFADevice": IamAction(get_mfa_device, resources.user),
}
