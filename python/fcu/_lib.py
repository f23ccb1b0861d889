# SPDX-License-Identifier: Apache-2.0
"""ctypes bindings of libfcu (include/fcu/fcu.h). Loaded once, on first use.

The library is found at the path in $FCU_LIBRARY when that is set, else through the dynamic
linker's search path (LD_LIBRARY_PATH, the ld.so cache), as libfcu.so.0 or libfcu.so."""
import ctypes
import ctypes.util
import os

OK, INVALID, USAGE, REFUSED = 0, 1, 2, 3


class Issue(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("is_warning", ctypes.c_int),
                ("parameter", ctypes.c_char_p), ("message", ctypes.c_char_p)]


class Issues(ctypes.Structure):
    _fields_ = [("errors", ctypes.POINTER(Issue)), ("error_count", ctypes.c_size_t),
                ("warnings", ctypes.POINTER(Issue)), ("warning_count", ctypes.c_size_t)]


class SetupStatus(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("keystore_dir", ctypes.c_char_p),
                ("certificate_file", ctypes.c_char_p), ("csr_file", ctypes.c_char_p),
                ("private_key_file", ctypes.c_char_p), ("issues", Issues)]


class DeviceConfig(ctypes.Structure):
    _fields_ = [("config_data", ctypes.POINTER(ctypes.c_uint8)), ("config_len", ctypes.c_size_t),
                ("enrollment_id", ctypes.c_char_p), ("fingerprint", ctypes.c_char_p),
                ("operation", ctypes.c_void_p), ("issues", Issues)]


class DeviceResponse(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int64), ("message", ctypes.c_char_p),
                ("warnings", ctypes.POINTER(ctypes.c_char_p)), ("warning_count", ctypes.c_size_t),
                ("config_data", ctypes.POINTER(ctypes.c_uint8)), ("config_len", ctypes.c_size_t),
                ("enrollment_id", ctypes.c_char_p), ("issues", Issues)]


_lib = None


def _load():
    path = os.environ.get("FCU_LIBRARY")
    if path:
        return ctypes.CDLL(path)
    errors = []
    for name in ("libfcu.so.0", "libfcu.so", ctypes.util.find_library("fcu")):
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            errors.append(str(e))
    raise OSError("libfcu not found: set FCU_LIBRARY to its path or add its folder to "
                  "LD_LIBRARY_PATH (" + "; ".join(errors) + ")")


def lib():
    """The loaded library with its prototypes declared."""
    global _lib
    if _lib is not None:
        return _lib
    l = _load()
    P = ctypes.POINTER
    vp, cp, ci, sz = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_size_t
    protos = {
        "fcu_tool_open": (ci, [cp, cp, P(vp)]),
        "fcu_tool_close": (None, [vp]),
        "fcu_tool_set_time": (None, [vp, ctypes.c_int64]),
        "fcu_tool_version": (cp, []),
        "fcu_tool_setup": (ci, [vp, cp, ci, P(Issues)]),
        "fcu_tool_get_setup_status": (ci, [vp, P(P(SetupStatus))]),
        "fcu_tool_setup_status_free": (None, [P(SetupStatus)]),
        "fcu_tool_validate": (ci, [vp, cp, cp, cp, P(Issues)]),
        "fcu_tool_issues_free": (None, [P(Issues)]),
        "fcu_tool_prepare": (ci, [vp, cp, cp, cp, P(P(DeviceConfig))]),
        "fcu_tool_device_config_free": (None, [P(DeviceConfig)]),
        "fcu_tool_process_response": (ci, [vp, cp, sz, vp, P(P(DeviceResponse))]),
        "fcu_tool_device_response_free": (None, [P(DeviceResponse)]),
        "fcu_tool_registry_export_json": (ci, [vp, cp, P(ctypes.c_void_p)]),
        "fcu_tool_free": (None, [vp]),
    }
    for name, (res, args) in protos.items():
        f = getattr(l, name)
        f.restype = res
        f.argtypes = args
    _lib = l
    return l


def text(b):
    return b.decode("utf-8", "replace") if b is not None else None


def enc(s):
    if s is None:
        return None
    return os.fsencode(s) if not isinstance(s, bytes) else s
