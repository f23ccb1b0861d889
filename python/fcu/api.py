# SPDX-License-Identifier: Apache-2.0
"""FactoryToolApi: the ecosystem's factory tool API, over libfcu.

    from fcu import FactoryToolApi
    api = FactoryToolApi()                      # FCU home: $FCU_HOME_DIR, else the current folder
    if api.get_setup_status().status != 0:
        api.setup()
    req = api.prepare_device_configuration("ep-0001", "SN-0001")
    # send req.config_data to the device (fcu.framing), read its answer's payload, then:
    st = api.process_device_response(answer, req.fcu_operation_context)
    while st.config_data is not None:           # keys generated on the device: a next message
        ...

Every `status` is an integer, 0 for success."""
import ctypes
import json
from dataclasses import dataclass, field
from typing import List, Optional

from . import _lib

# get_setup_status().status values
SETUP_DONE, SETUP_NOT_DONE, SETUP_CSR_PENDING, SETUP_INVALID = 0, 1, 2, 3


@dataclass
class ErrorInfo:
    code: int
    message: str
    parameter: str = ""


@dataclass
class WarningInfo:
    code: int
    message: str
    parameter: str = ""


@dataclass
class CaDetails:
    keystore_dir: str
    certificate_file: str
    csr_file: str
    private_key_file: str


@dataclass
class SetupStatus:
    status: int
    ca_details: CaDetails
    error_info: List[ErrorInfo] = field(default_factory=list)
    warning_info: List[WarningInfo] = field(default_factory=list)


@dataclass
class ValidationResult:
    status: int
    error_info: List[ErrorInfo] = field(default_factory=list)
    warning_info: List[WarningInfo] = field(default_factory=list)


class FcuOperationContext:
    """A device session waiting for the device's answer. Opaque; pass it back as given."""

    def __init__(self, owner, pointer):
        self._owner = owner  # keeps the C object that holds the operation alive
        self._pointer = pointer


@dataclass
class DeviceConfigurationRequest:
    status: int
    config_data: Optional[bytes]
    warning_list: List[WarningInfo]
    error_list: List[ErrorInfo]
    enrollment_id: str
    fingerprint: str
    fcu_operation_context: Optional[FcuOperationContext] = None


@dataclass
class DeviceResponseStatus:
    status: int
    message: str
    warnings: List[str]
    config_data: Optional[bytes] = None
    enrollment_id: str = ""
    error_list: List[ErrorInfo] = field(default_factory=list)


def _issues(iss):
    errs = [ErrorInfo(iss.errors[i].code, _lib.text(iss.errors[i].message),
                      _lib.text(iss.errors[i].parameter)) for i in range(iss.error_count)]
    warns = [WarningInfo(iss.warnings[i].code, _lib.text(iss.warnings[i].message),
                         _lib.text(iss.warnings[i].parameter)) for i in range(iss.warning_count)]
    return errs, warns


class _CObject:
    """Frees a C object returned by libfcu when Python is done with it."""

    def __init__(self, ptr, free):
        self.ptr = ptr
        self._free = free

    def __del__(self):
        if self.ptr is not None and self._free is not None:
            self._free(self.ptr)
            self.ptr = None


class FactoryToolApi:
    """The factory tool on one FCU home (and configuration file)."""

    def __init__(self, home_dir=None, config_file=None, now=None):
        self._l = _lib.lib()
        h = ctypes.c_void_p()
        rc = self._l.fcu_tool_open(_lib.enc(home_dir), _lib.enc(config_file), ctypes.byref(h))
        if rc != _lib.OK:
            raise OSError(f"libfcu: cannot open the tool (status {rc})")
        self._h = h
        if now is not None:
            self._l.fcu_tool_set_time(self._h, int(now))

    def close(self):
        if getattr(self, "_h", None):
            self._l.fcu_tool_close(self._h)
            self._h = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @staticmethod
    def version():
        return _lib.text(_lib.lib().fcu_tool_version())

    def setup(self, ca_key_uri=None, force=False):
        """Creates the FCU CA (key and certificate, or CSR). Returns the SetupStatus after it."""
        iss = _lib.Issues()
        rc = self._l.fcu_tool_setup(self._h, _lib.enc(ca_key_uri), 1 if force else 0,
                                    ctypes.byref(iss))
        errs, warns = _issues(iss)
        self._l.fcu_tool_issues_free(ctypes.byref(iss))
        st = self.get_setup_status()
        if rc != _lib.OK:
            st.status = rc if st.status == SETUP_DONE else st.status
            st.error_info = errs + st.error_info
        st.warning_info = warns + st.warning_info
        return st

    def get_setup_status(self):
        p = ctypes.POINTER(_lib.SetupStatus)()
        rc = self._l.fcu_tool_get_setup_status(self._h, ctypes.byref(p))
        if rc != _lib.OK:
            raise OSError(f"libfcu: setup status unavailable ({rc})")
        try:
            s = p.contents
            errs, warns = _issues(s.issues)
            return SetupStatus(s.status,
                               CaDetails(_lib.text(s.keystore_dir), _lib.text(s.certificate_file),
                                         _lib.text(s.csr_file), _lib.text(s.private_key_file)),
                               errs, warns)
        finally:
            self._l.fcu_tool_setup_status_free(p)

    def validate(self, endpoint_name=None, serial_number=None, device_keys_location=None):
        """Every check of the configuration and the CA (and of one device, when named)."""
        iss = _lib.Issues()
        rc = self._l.fcu_tool_validate(self._h, _lib.enc(endpoint_name), _lib.enc(serial_number),
                                       _lib.enc(device_keys_location), ctypes.byref(iss))
        errs, warns = _issues(iss)
        self._l.fcu_tool_issues_free(ctypes.byref(iss))
        return ValidationResult(rc, errs, warns)

    def prepare_device_configuration(self, endpoint_name, serial_number,
                                     device_keys_location=None):
        """The first message for one device: DeviceConfigurationRequest.config_data."""
        p = ctypes.POINTER(_lib.DeviceConfig)()
        rc = self._l.fcu_tool_prepare(self._h, _lib.enc(endpoint_name), _lib.enc(serial_number),
                                      _lib.enc(device_keys_location), ctypes.byref(p))
        if not p:
            raise ValueError(f"libfcu: prepare failed ({rc})")
        owner = _CObject(p, self._l.fcu_tool_device_config_free)
        d = p.contents
        errs, warns = _issues(d.issues)
        data = ctypes.string_at(d.config_data, d.config_len) if d.config_data else None
        op = FcuOperationContext(owner, d.operation) if d.operation else None
        return DeviceConfigurationRequest(rc, data, warns, errs, _lib.text(d.enrollment_id),
                                          _lib.text(d.fingerprint), op)

    def process_device_response(self, response_bytes, fcu_operation_context=None):
        """Reads the device's answer (the CBOR response payload, without framing)."""
        buf = bytes(response_bytes)
        op = fcu_operation_context._pointer if fcu_operation_context is not None else None
        p = ctypes.POINTER(_lib.DeviceResponse)()
        rc = self._l.fcu_tool_process_response(self._h, buf, len(buf), op, ctypes.byref(p))
        if not p:
            raise ValueError(f"libfcu: process_device_response failed ({rc})")
        try:
            r = p.contents
            errs, _w = _issues(r.issues)
            warnings = [_lib.text(r.warnings[i]) for i in range(r.warning_count)]
            data = ctypes.string_at(r.config_data, r.config_len) if r.config_data else None
            status = int(r.status) if rc == _lib.OK else (int(r.status) if r.status != -1 else rc)
            return DeviceResponseStatus(status, _lib.text(r.message) or "", warnings, data,
                                        _lib.text(r.enrollment_id) or "", errs)
        finally:
            self._l.fcu_tool_device_response_free(p)

    def registry_export(self, registry=None):
        """The provisioned devices (the rows of `fcu registry export --json`) as a list."""
        out = ctypes.c_void_p()
        rc = self._l.fcu_tool_registry_export_json(self._h, _lib.enc(registry), ctypes.byref(out))
        if rc != _lib.OK:
            raise OSError(f"libfcu: registry export failed ({rc})")
        try:
            return json.loads(ctypes.string_at(out.value).decode())
        finally:
            self._l.fcu_tool_free(out)
