#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Generates the bundle-handler vectors (tests/vectors/bundle/): one CBOR bundle file per step
and the manifest cases.txt that says, for each case, which bundles are applied in turn to a
fresh device and what each must answer (ReturnStatus, InfoMessage, WarningInfo, SID, CSRs) and
leave in the store. The C runner tests/vectors/test_bundle_vectors.c applies them. The
certificates and keys come from tests/data/verify (fixed dates around the device time
2030-01-01) and tests/data/kcm. Run with Debian's python (cbor2):

    /usr/bin/python3 scripts/gen-bundle-vectors.py

The output is deterministic: rerunning it rewrites the same bytes.

Manifest format (one directive a line, text after the keyword is taken verbatim, with \\n and
\\\\ escapes):
    case NAME                 start a case on a fresh device (time 2030-01-01T00:00:00Z)
    step FILE                 apply bundle FILE
    status N / info TEXT / warn TEXT|- / sid TEXT|- / keepalive 0|1
    csrs N                    number of CSRs in the response (0: no Csrs key)
    csr I NAME SUBJECT        CSR I is for key NAME (stored, and its public key is in the CSR)
                              and has this subject (mbedTLS dn_gets form)
    time EPOCH                device time after the step
    items N                   exact number of user items in the store after the step
    item TYPE NAME HEX|=|*SIZE|*|u32:N|u64:N|i64:N
                              one stored factory item (TYPE priv pub cert config); = empty;
                              *SIZE: that size, any content; *: present; u32:N, u64:N, i64:N:
                              an integer ConfigParams item, N stored as 4 or 8 bytes in the
                              device's byte order (the runner encodes N for its host)
    chain NAME HEX,HEX,...    a stored chain, leaf first
    internal WHICH HEX|-|*    entropy rot disabled caid: exact, absent, or present
    end
"""
import hashlib
import os
import struct
import sys

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import serialization

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "tests", "vectors", "bundle")
VERIFY = os.path.join(ROOT, "tests", "data", "verify")
KCMD = os.path.join(ROOT, "tests", "data", "kcm")
DEV_TIME = 1893456000  # 2030-01-01T00:00:00Z, inside every certificate of tests/data/verify


def rd(folder, name):
    with open(os.path.join(folder, name), "rb") as f:
        return f.read()


LEAF = rd(VERIFY, "leaf.der")
LEAF_OTHERKEY = rd(VERIFY, "leaf_otherkey.der")
INT = rd(VERIFY, "int.der")
ROOT_CA = rd(VERIFY, "root.der")
KEY = rd(VERIFY, "key_leaf.der")
SERVER_CA = rd(VERIFY, "server_ca.der")
UPDATE = rd(VERIFY, "update.der")
C = [rd(VERIFY, "c%d.der" % i) for i in range(1, 6)]
PUB = rd(KCMD, "pub_p256.der")
KEY_P384 = rd(KCMD, "key_p384.der")
KEY_PEM = rd(KCMD, "key_p256.pem")


def ca_id(der):
    cert = x509.load_der_x509_certificate(der)
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).digest()


class HostInt(bytes):
    """A stored integer item (a ConfigParams integer): the device stores it in its own byte
    order (SPEC.md section 2), so the manifest spells it as the number (`u32:N`, `u64:N`,
    `i64:N`) and the runner encodes it for the host it runs on. The bytes are the little-endian
    encoding, what the manifest's hex form held before."""

    def __new__(cls, kind, fmt, v):
        obj = super().__new__(cls, struct.pack(fmt, v))
        obj.spec = "%s:%d" % (kind, v)
        return obj


def u64(v):
    return HostInt("u64", "<Q", v)


def i64(v):
    return HostInt("i64", "<q", v)


def u32(v):
    return HostInt("u32", "<I", v)


def esc(s):
    """Manifest escape: backslash, newline, and every byte outside printable ASCII as \\xHH (a
    name is reported byte for byte, so a text may hold any byte)."""
    raw = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    out = []
    for c in raw:
        if c == 0x5c:
            out.append("\\\\")
        elif c == 0x0a:
            out.append("\\n")
        elif c < 0x20 or c > 0x7e:
            out.append("\\x%02x" % c)
        else:
            out.append(chr(c))
    return "".join(out)


GENERAL = "General error:"
SUCCESS = "The Factory process succeeded\n"

cases = []  # (name, [step dicts])
files = {}


def enc(obj):
    return cbor2.dumps(obj)


class Case:
    def __init__(self, name, strict=False, clock=None, blocks=None):
        self.name = name
        self.steps = []
        self.strict = strict  # the device in strict mode
        self.clock = clock    # "none": a device without a clock (time 0 until CurrentTime)
        self.blocks = blocks  # erase blocks of the device's flash (default 64)
        cases.append(self)

    def step(self, bundle, status, info=None, warn=None, sid=None, keepalive=0, csrs=None,
             store=None, internal=None, time=None):
        """bundle: dict (encoded with cbor2) or raw bytes. store: dict (type, name) -> bytes or
        ('*', size) or ('chain', [der...]); None: nothing checked."""
        raw = bundle if isinstance(bundle, (bytes, bytearray)) else enc(bundle)
        fname = "%s.%d.cbor" % (self.name, len(self.steps) + 1)
        files[fname] = bytes(raw)
        if info is None:
            info = SUCCESS if status == 0 else GENERAL
        # The SID is echoed whenever the bundle's structure was read and the SID is valid.
        if sid is None and isinstance(bundle, dict) and isinstance(bundle.get("SID"), str):
            sid = bundle["SID"]
        # The handler reports keep-alive only for a bundle that succeeded.
        if isinstance(bundle, dict) and bundle.get("KpAlvSess") == 1 and status == 0:
            keepalive = 1
        self.steps.append(dict(file=fname, status=status, info=info, warn=warn, sid=sid,
                               keepalive=keepalive, csrs=csrs or [], store=store,
                               internal=internal or {}, time=time))
        return self


def B(**kw):
    """A bundle map with SchemeVersion first and Verify:0 unless given."""
    m = {"SchemeVersion": "0.0.1"}
    if "Verify" not in kw:
        m["Verify"] = 0
    for k, v in kw.items():
        if v is not None:
            m[k] = v
    return m


def cfg(name, data):
    return {"Name": name, "Data": data}


def cert(name, data, **kw):
    d = {"Name": name, "Format": "der", "Data": data}
    d.update(kw)
    return d


def key(name, data, typ="ECCPrivate", **kw):
    d = {"Name": name, "Type": typ, "Format": "der", "Data": data}
    d.update(kw)
    return d


def chain(name, ders, **kw):
    d = {"Name": name, "Format": "der", "DataArray": ders}
    d.update(kw)
    return d


EMPTY = {}

# ---- full bootstrap configuration (verification passes) ----------------------------------
URI = "coaps://bootstrap.example.com:5684?aid=acc0123"
FULL_PARAMS = [
    cfg("mbed.UseBootstrap", 1),
    cfg("mbed.EndpointName", "ep-1"),
    cfg("mbed.Manufacturer", "Example"),
    cfg("mbed.ModelNumber", "M-1"),
    cfg("mbed.DeviceType", "sensor"),
    cfg("mbed.HardwareVersion", "1.0"),
    cfg("mbed.SerialNumber", "SN-0001"),
    cfg("mbed.MemoryTotalKB", 512),
    cfg("mbed.Timezone", "Europe/London"),
    cfg("mbed.UTCOffset", "+00:00"),
    cfg("mbed.BootstrapServerURI", URI),
    cfg("mbed.ClassId", bytes(range(16))),
    cfg("mbed.VendorId", bytes(range(16, 32))),
    cfg("mbed.CurrentTime", DEV_TIME + 3600),
]
FULL_STORE = {
    ("config", "mbed.UseBootstrap"): u32(1),
    ("config", "mbed.EndpointName"): b"ep-1",
    ("config", "mbed.Manufacturer"): b"Example",
    ("config", "mbed.ModelNumber"): b"M-1",
    ("config", "mbed.DeviceType"): b"sensor",
    ("config", "mbed.HardwareVersion"): b"1.0",
    ("config", "mbed.SerialNumber"): b"SN-0001",
    ("config", "mbed.MemoryTotalKB"): u32(512),
    ("config", "mbed.Timezone"): b"Europe/London",
    ("config", "mbed.UTCOffset"): b"+00:00",
    ("config", "mbed.BootstrapServerURI"): URI.encode(),
    ("config", "mbed.ClassId"): bytes(range(16)),
    ("config", "mbed.VendorId"): bytes(range(16, 32)),
    ("priv", "mbed.BootstrapDevicePrivateKey"): KEY,
    ("cert", "mbed.BootstrapDeviceCert"): ("chain", [LEAF, INT]),
    ("cert", "mbed.BootstrapServerCACert"): SERVER_CA,
    ("cert", "mbed.UpdateAuthCert"): UPDATE,
}


def full(params=None, verify=1, **kw):
    return B(Verify=verify,
             Keys=[key("mbed.BootstrapDevicePrivateKey", KEY)],
             Certificates=[cert("mbed.BootstrapServerCACert", SERVER_CA),
                           cert("mbed.UpdateAuthCert", UPDATE)],
             CertificateChains=[chain("mbed.BootstrapDeviceCert", [LEAF, INT])],
             ConfigParams=FULL_PARAMS if params is None else params, **kw)


def without(params, name):
    return [p for p in params if p["Name"] != name]


def store_without(name):
    return {k: v for k, v in FULL_STORE.items() if k[1] != name}


# ---- success paths ------------------------------------------------------------------------
Case("ok_minimal").step(B(), 0, store={})
Case("ok_scheme_bytes").step({"SchemeVersion": b"0.0.1", "Verify": 0}, 0, store={})
Case("ok_sid_echo").step(B(SID="session-42"), 0, sid="session-42")
Case("ok_sid_max").step(B(SID="s" * 64), 0, sid="s" * 64)
Case("ok_full_bootstrap").step(full(), 0, store=FULL_STORE,
                               internal={"caid": ca_id(SERVER_CA), "disabled": None},
                               time=DEV_TIME + 3600)
Case("ok_full_verify_off").step(full(verify=0), 0, store=FULL_STORE,
                                internal={"caid": ca_id(SERVER_CA)})
Case("ok_keepalive_no_caid").step(full(verify=0, KpAlvSess=1), 0, keepalive=1,
                                  store=FULL_STORE, internal={"caid": None}) \
    .step(B(SID="end"), 0, store=FULL_STORE, internal={"caid": ca_id(SERVER_CA)})
Case("ok_caid_kept").step(B(Certificates=[cert("mbed.BootstrapServerCACert", SERVER_CA)]), 0,
                          internal={"caid": ca_id(SERVER_CA)}) \
    .step(B(ConfigParams=[cfg("x", 1)]), 0, internal={"caid": ca_id(SERVER_CA)})
Case("ok_no_ca_no_caid").step(B(ConfigParams=[cfg("a", "b")]), 0, internal={"caid": None})
Case("ok_keys").step(B(Keys=[key("k.priv", KEY), key("k.pub", PUB, "ECCPublic"),
                             {"Name": "k.noformat", "Type": "ECCPrivate", "Data": KEY}]), 0,
                     store={("priv", "k.priv"): KEY, ("pub", "k.pub"): PUB,
                            ("priv", "k.noformat"): KEY})
Case("ok_same_name_other_type").step(
    B(Keys=[key("same", KEY), key("same", PUB, "ECCPublic")],
      Certificates=[cert("same", LEAF)], ConfigParams=[cfg("same", "v")]), 0,
    store={("priv", "same"): KEY, ("pub", "same"): PUB, ("cert", "same"): LEAF,
           ("config", "same"): b"v"})
Case("ok_chain5").step(B(CertificateChains=[chain("c", [C[4], C[3], C[2], C[1], C[0]])]), 0,
                       store={("cert", "c"): ("chain", [C[4], C[3], C[2], C[1], C[0]])})
Case("ok_chain1").step(B(CertificateChains=[chain("c", [LEAF])]), 0,
                       store={("cert", "c"): ("chain", [LEAF])})
Case("ok_prkn_cert").step(B(Keys=[key("dev", KEY)]), 0) \
    .step(B(Certificates=[cert("devcert", LEAF, PrKN="dev")]), 0,
          store={("priv", "dev"): KEY, ("cert", "devcert"): LEAF})
Case("ok_prkn_chain").step(
    B(Keys=[key("dev", KEY)], CertificateChains=[chain("dc", [LEAF, INT], PrKN="dev")]), 0,
    store={("priv", "dev"): KEY, ("cert", "dc"): ("chain", [LEAF, INT])})
Case("ok_params").step(B(ConfigParams=[
    cfg("p.uint", 5), cfg("p.big", 2**64 - 1), cfg("p.neg", -5), cfg("p.negmin", -2**63),
    cfg("p.bytes", b"\x00\x01\x02"), cfg("p.text", "hello"), cfg("p.empty", ""),
    cfg("p.emptyb", b""), cfg("p.bignum", cbor2.CBORTag(2, b"\x01\x00\x00\x00\x00\x00\x00\x00\x00")),
    cfg("mbed.UseBootstrap", 0), cfg("mbed.FirstToClaim", b"\x01\x00\x00\x00"),
    cfg("mbed.MemoryTotalKB", 2**32 - 1)]), 0,
    store={("config", "p.uint"): u64(5), ("config", "p.big"): u64(2**64 - 1),
           ("config", "p.neg"): i64(-5), ("config", "p.negmin"): i64(-2**63),
           ("config", "p.bytes"): b"\x00\x01\x02", ("config", "p.text"): b"hello",
           ("config", "p.empty"): b"", ("config", "p.emptyb"): b"",
           ("config", "p.bignum"): b"\x01" + bytes(8),
           ("config", "mbed.UseBootstrap"): u32(0),
           ("config", "mbed.FirstToClaim"): b"\x01\x00\x00\x00",
           ("config", "mbed.MemoryTotalKB"): u32(2**32 - 1)})
Case("ok_u32_bignum").step(B(ConfigParams=[
    cfg("mbed.MemoryTotalKB", cbor2.CBORTag(2, b"\x00\x00\x01\x00\x00")),
    cfg("mbed.UseBootstrap", cbor2.CBORTag(2, b""))]), 0,
    store={("config", "mbed.MemoryTotalKB"): u32(65536), ("config", "mbed.UseBootstrap"): u32(0)})
Case("ok_time").step(B(ConfigParams=[cfg("mbed.CurrentTime", 2000000000)]), 0, store={},
                     time=2000000000)
Case("ok_entropy_rot").step(B(Entropy=bytes(range(48)), ROT=bytes(range(100, 116)),
                              ConfigParams=[cfg("a", 1)]), 0,
                            store={("config", "a"): u64(1)},
                            internal={"entropy": bytes(range(48)),
                                      "rot": bytes(range(100, 116))})
Case("ok_disable").step(B(Disable=1, ConfigParams=[cfg("a", 1)]), 0,
                        store={("config", "a"): u64(1)}, internal={"disabled": b"\x01"})
Case("ok_empty_groups").step(B(Keys=[], Certificates=[], CertificateChains=[], ConfigParams=[]),
                             0, store={})
Case("ok_twelve_pairs").step(
    {"SchemeVersion": "0.0.1", "SID": "s", "KpAlvSess": 0, "Entropy": bytes(48),
     "ROT": bytes(16), "Keys": [], "Certificates": [], "CertificateChains": [],
     "ConfigParams": [], "CsrReqs": [], "Verify": 0, "Disable": 0}, 0, store={})

# ---- verification inside the transaction -------------------------------------------------
Case("verify_warning_kept").step(full(without(FULL_PARAMS, "mbed.Timezone")), 0,
                                 warn="Item not set:mbed.Timezone\n",
                                 store=store_without("mbed.Timezone"))
Case("verify_error_rolls_back").step(full(without(FULL_PARAMS, "mbed.EndpointName")), 25,
                                     info="Item does not exist:mbed.EndpointName", store={},
                                     internal={"caid": None}, time=DEV_TIME) \
    .step(full(), 0, store=FULL_STORE, internal={"caid": ca_id(SERVER_CA)})
Case("verify_uri_no_aid").step(
    full(without(FULL_PARAMS, "mbed.BootstrapServerURI")
         + [cfg("mbed.BootstrapServerURI", "coaps://bootstrap.example.com:5684")]), 28,
    info="URI format incorrect:mbed.BootstrapServerURI", store={})
Case("verify_default_on").step(
    {"SchemeVersion": "0.0.1", "ConfigParams": [cfg("a", 1)]}, 25,
    info="Item does not exist:mbed.UseBootstrap", store={},
    warn="Item not set:mbed.Timezone\nItem not set:mbed.UTCOffset\n")

def with_param(name, value):
    return without(FULL_PARAMS, name) + [cfg(name, value)]


def full_chain(ders, params=None):
    b = full(params)
    b["CertificateChains"] = [chain("mbed.BootstrapDeviceCert", ders)]
    return b


DEVCERT = "mbed.BootstrapDeviceCert"
Case("verify_expired").step(full_chain([rd(VERIFY, "leaf_expired.der"), INT]), 13,
                            info="Certificate expired:" + DEVCERT, store={})
Case("verify_cn_mismatch").step(full(with_param("mbed.EndpointName", "ep-2")), 14,
                                info="Certificate CN attribute invalid:" + DEVCERT, store={})
Case("verify_no_cn").step(full_chain([rd(VERIFY, "leaf_no_cn.der"), INT]), 11,
                          info=GENERAL + DEVCERT, store={})
Case("verify_eku_server").step(full_chain([rd(VERIFY, "leaf_servereku.der"), INT]), 10,
                               info="Certificate invalid:" + DEVCERT, store={})
Case("verify_endpoint_empty").step(full(with_param("mbed.EndpointName", "")), 26,
                                   info="Item empty:mbed.EndpointName", store={})
Case("verify_bootstrap_mode_2").step(full(with_param("mbed.UseBootstrap", 2)), 30,
                                     info="Bootstrap mode value incorrect:mbed.UseBootstrap",
                                     store={})
Case("verify_utc_offset").step(full(with_param("mbed.UTCOffset", "+0:00")), 33,
                               info="UTC offset incorrect:mbed.UTCOffset", store={})
Case("verify_ftc_aid").step(full(FULL_PARAMS + [cfg("mbed.FirstToClaim", 1)]), 29,
                            info="first to claim not allowed:mbed.BootstrapServerURI", store={})
Case("verify_key_mismatch").step(full_chain([LEAF_OTHERKEY, INT]), 34,
                                 info="Certificate public key validation failed:" + DEVCERT,
                                 store={})

# ---- structure and scheme -----------------------------------------------------------------
Case("err_not_map").step(enc(["SchemeVersion", "0.0.1"]), 20, store={})
Case("err_empty_input").step(b"", 20)
Case("err_indef_map").step(b"\xbf" + enc("SchemeVersion") + enc("0.0.1") + b"\xff", 20)
Case("err_trailing").step(enc(B()) + b"\x00", 20)
Case("err_two_items").step(enc(B()) + enc(B()), 20)
Case("err_13_pairs").step(
    b"\xad" + b"".join(enc(k) + enc(0) for k in
                       ["SchemeVersion", "SID", "KpAlvSess", "Entropy", "ROT", "Keys",
                        "Certificates", "CertificateChains", "ConfigParams", "CsrReqs", "Verify",
                        "Disable", "Extra"]), 20)
Case("err_dup_group").step(b"\xa3" + enc("SchemeVersion") + enc("0.0.1") + enc("Keys") + enc([])
                           + enc("Keys") + enc([]), 20, info=GENERAL + "Keys")
Case("err_int_key").step(b"\xa2" + enc("SchemeVersion") + enc("0.0.1") + enc(1) + enc(0), 20)
Case("err_bytes_key").step(b"\xa2" + enc("SchemeVersion") + enc("0.0.1") + enc(b"Keys") + enc([]),
                           20)
Case("err_scheme_missing").step({"Verify": 0}, 24)
Case("err_scheme_wrong").step({"SchemeVersion": "0.0.2", "Verify": 0}, 24)
Case("err_scheme_longer").step({"SchemeVersion": "0.0.1x", "Verify": 0}, 24)
Case("err_scheme_shorter").step({"SchemeVersion": "0.0.", "Verify": 0}, 24)
Case("err_scheme_int").step({"SchemeVersion": 1, "Verify": 0}, 24)
Case("err_scheme_before_group").step({"Foo": 1, "SchemeVersion": "1.0"}, 24)
Case("err_unknown_group").step(B(Foo=1), 23, info=GENERAL + "Foo")
Case("err_prefix_group").step(B(Key=[]), 23, info=GENERAL + "Key")
Case("err_longer_group").step(B(KeysX=[]), 23, info=GENERAL + "KeysX")
Case("err_empty_group_name").step(b"\xa2" + enc("SchemeVersion") + enc("0.0.1") + enc("")
                                  + enc(0), 23)
Case("err_case_group").step(B(keys=[]), 23, info=GENERAL + "keys")
Case("err_group_name_sanitized").step(
    b"\xa2" + enc("SchemeVersion") + enc("0.0.1") + enc("K\u00e9y\n") + enc(0), 23,
    info=GENERAL + "K\u00e9y\n")
Case("err_group_name_raw_bytes").step(
    b"\xa2" + enc("SchemeVersion") + enc("0.0.1") + b"\x67K\x00\x1b\x7f\xc3\xa9y" + enc(0), 23,
    info=b"General error:K\x00\x1b\x7f\xc3\xa9y")
Case("err_huge_bytes_32").step(b"\xa2" + enc("SchemeVersion") + enc("0.0.1") + enc("Entropy")
                               + b"\x5a\xff\xff\xff\xff" + bytes(8), 20)
Case("err_huge_bytes_64").step(b"\xa2" + enc("SchemeVersion") + enc("0.0.1") + enc("Entropy")
                               + b"\x5b" + b"\xff" * 8 + bytes(8), 20)
Case("err_huge_text_64").step(b"\xa2" + enc("SchemeVersion") + enc("0.0.1") + b"\x7b"
                              + b"\xff" * 8 + b"Keys", 20)
Case("err_huge_array_64").step(b"\xa2" + enc("SchemeVersion") + enc("0.0.1") + enc("Keys")
                               + b"\x9b" + b"\xff" * 8 + b"\xa0", 20)
Case("err_huge_map_32").step(b"\xba\xff\xff\xff\xff" + enc("SchemeVersion") + enc("0.0.1"), 20)
Case("err_deep_nesting").step(b"\xa2" + enc("SchemeVersion") + enc("0.0.1") + enc("Keys")
                              + b"\x81" * 40 + b"\x00", 20)
# Section 8 point 2: the group arrays may be indefinite-length; the top map and DataArray not.
Case("ok_indef_empty").step(b"\xa3" + enc("SchemeVersion") + enc("0.0.1") + enc("Verify") + enc(0)
                            + enc("Keys") + b"\x9f\xff", 0, store={})
Case("err_indef_inside").step(b"\xa2" + enc("SchemeVersion") + enc("0.0.1") + enc("Verify")
                              + b"\x9f\xff", 20, info=GENERAL + "Verify")
Case("err_reserved_byte").step(b"\xa2" + enc("SchemeVersion") + enc("0.0.1") + enc("Verify")
                               + b"\x1c", 20)

# ---- flags and session rules ------------------------------------------------------------------
# Section 8 point 3: KpAlvSess of the wrong kind is 35; Verify and Disable stay 20.
for flag in ("KpAlvSess", "Verify", "Disable"):
    for bad, label in ((2, "2"), (True, "bool"), ("1", "text"), (-1, "neg"), (False, "false")):
        Case("err_flag_%s_%s" % (flag, label)).step(
            {"SchemeVersion": "0.0.1", flag: bad}, 35 if flag == "KpAlvSess" else 20,
            info=GENERAL + flag, store={})
Case("err_disable_keepalive").step(B(Disable=1, KpAlvSess=1), 35, store={},
                                   internal={"disabled": None})
Case("err_sid_int").step(B(SID=5), 20, info=GENERAL + "SID")
# Section 8 point 1: a SID of any length the frame carries, echoed byte for byte.
Case("ok_sid_65").step(B(SID="s" * 65), 0, sid="s" * 65)
Case("ok_sid_long").step(B(SID="".join(chr(0x21 + i % 90) for i in range(700))), 0)
Case("ok_sid_5000").step(B(SID="x" * 5000, ConfigParams=[cfg("a", 1)]), 0, sid="x" * 5000)
Case("err_sid_long_error").step(B(SID="y" * 3000, Keys=[key("k", PUB)]), 18,
                                info="Private key parse failed:k", sid="y" * 3000, store={})
for label, raw in (("cont", b"a\x95b"), ("overlong", b"\xc0\xaf"), ("surrogate", b"\xed\xa0\x80"),
                   ("short", b"ab\xe2\x82"), ("above", b"\xf4\x90\x80\x80")):
    Case("err_sid_utf8_" + label).step(
        b"\xa3" + enc("SchemeVersion") + enc("0.0.1") + enc("Verify") + enc(0) + enc("SID")
        + bytes([0x60 + len(raw)]) + raw, 20, info=GENERAL + "SID")
Case("ok_sid_utf8").step(B(SID="s\u00e9ssion-\u20ac-\U0001f600"), 0,
                         sid="s\u00e9ssion-\u20ac-\U0001f600")

# ---- entropy and root of trust -------------------------------------------------------------------
# Section 8 point 4: wrong sizes are 3 naming the item; the write-once errors name it too.
Case("err_entropy_47").step(B(Entropy=bytes(47)), 3, info=GENERAL + "entropy",
                            internal={"entropy": None})
Case("err_entropy_49").step(B(Entropy=bytes(49)), 3, info=GENERAL + "entropy")
Case("err_entropy_0").step(B(Entropy=b"", ConfigParams=[cfg("a", 1)]), 3,
                           info=GENERAL + "entropy", store={}, internal={"entropy": None})
Case("err_entropy_text").step(B(Entropy="x" * 48), 20, info=GENERAL + "Entropy")
Case("err_entropy_twice").step(B(Entropy=bytes(48)), 0, internal={"entropy": bytes(48)}) \
    .step(B(Entropy=b"\x01" * 48, ConfigParams=[cfg("a", 1)]), 8, info="Entropy error:entropy",
          store={}, internal={"entropy": bytes(48)})
Case("err_rot_15").step(B(ROT=bytes(15)), 3, info=GENERAL + "rot", internal={"rot": None})
Case("err_rot_17").step(B(ROT=bytes(17), ConfigParams=[cfg("a", 1)]), 3, info=GENERAL + "rot",
                        store={}, internal={"rot": None})
Case("err_rot_int").step(B(ROT=16), 20, info=GENERAL + "ROT")
Case("err_rot_twice").step(B(ROT=bytes(16)), 0, internal={"rot": bytes(16)}) \
    .step(B(ROT=b"\x01" * 16), 7, info="Root of trust error:rot", internal={"rot": bytes(16)})
Case("err_rot_after_items").step(B(ConfigParams=[cfg("a", 1)]), 0) \
    .step(B(ROT=bytes(16)), 7, info="Root of trust error:rot", store={("config", "a"): u64(1)})

# ---- factory disabled ---------------------------------------------------------------------------
Case("err_factory_disabled").step(B(Disable=1), 0, internal={"disabled": b"\x01"}) \
    .step(B(SID="again", ConfigParams=[cfg("a", 1)]), 9, info="Factory disabled error:",
          store={}) \
    .step(B(Entropy=bytes(48)), 9, info="Factory disabled error:", internal={"entropy": None}) \
    .step(B(Disable=1), 9, info="Factory disabled error:")
# "refuse everything if factory-disabled": once the CBOR and the scheme are read, a disabled
# device answers 9 whatever else is wrong with the bundle (unknown group, flag values, session
# rules, group types, CSR rules); only a malformed bundle (20) or a wrong scheme (24) come first.
Case("err_factory_disabled_first").step(B(Disable=1), 0, internal={"disabled": b"\x01"}) \
    .step(B(SID="d", Foo=1), 9, info="Factory disabled error:", store={}) \
    .step(B(KpAlvSess=2), 9, info="Factory disabled error:") \
    .step(B(Disable=1, KpAlvSess=1), 9, info="Factory disabled error:") \
    .step(B(Keys={"Name": "k"}), 9, info="Factory disabled error:") \
    .step(B(SID="d", CsrReqs=[{"PrKN": "k%d" % i, "Subj": "CN=a", "MD": 1} for i in range(6)]),
          9, info="Factory disabled error:") \
    .step(B(CsrReqs=[{"PrKN": "k", "Subj": "CN=a", "MD": 1}]), 9,
          info="Factory disabled error:") \
    .step({"SchemeVersion": "0.0.2", "Verify": 0}, 24) \
    .step(enc(B()) + b"\x00", 20, store={}, internal={"disabled": b"\x01"})

# ---- Keys ------------------------------------------------------------------------------------------
Case("err_key_type_rsa").step(B(Keys=[key("k", KEY, "RSAPrivate")]), 37, info=GENERAL + "k",
                              store={})
Case("err_key_type_prefix").step(B(Keys=[key("k", KEY, "ECCPriv")]), 37, info=GENERAL + "k")
Case("err_key_format_pem").step(B(Keys=[key("k", KEY_PEM, Format="pem")]), 37,
                                info=GENERAL + "k")
Case("err_key_acl").step(B(Keys=[key("k", KEY, ACL="x")]), 37, info=GENERAL + "k")
Case("err_key_unknown_field").step(B(Keys=[key("k", KEY, Nam="x")]), 37, info=GENERAL + "k")
Case("err_key_no_name").step(B(Keys=[{"Type": "ECCPrivate", "Data": KEY}]), 20)
Case("err_key_no_type").step(B(Keys=[{"Name": "k", "Data": KEY}]), 20, info=GENERAL + "k")
Case("err_key_no_data").step(B(Keys=[{"Name": "k", "Type": "ECCPrivate"}]), 20,
                             info=GENERAL + "k")
Case("err_key_dup_field").step(
    b"\xa2" + enc("SchemeVersion") + enc("0.0.1") + enc("Keys") + b"\x81\xa3" + enc("Name")
    + enc("k") + enc("Name") + enc("j") + enc("Data") + enc(KEY), 20)
Case("err_key_garbage").step(B(Keys=[key("k", b"\x30\x03\x02\x01\x01")]), 18,
                             info="Private key parse failed:k", store={})
Case("err_key_p384").step(B(Keys=[key("k", KEY_P384)]), 18, info="Curve unsupported:k")
Case("err_key_empty").step(B(Keys=[key("k", b"")]), 16, info="Item data empty:k")
Case("err_key_name_invalid").step(B(Keys=[key("bad name", KEY)]), 16,
                                  info="File name invalid:bad name")
Case("err_key_name_long").step(B(Keys=[key("n" * 101, KEY)]), 16,
                               info="File name too long:" + "n" * 101)
Case("err_key_name_1000").step(B(Keys=[key("m" * 1000, KEY)]), 16,
                               info="File name too long:" + "m" * 1000, store={})
Case("err_key_pub_as_priv").step(B(Keys=[key("k", PUB)]), 18, info="Private key parse failed:k")
Case("err_item_not_map").step(B(Keys=["k"]), 20)
Case("err_group_not_array").step(B(Keys={"Name": "k"}), 20, info=GENERAL + "Keys")
# Section 8 point 7: no per-group item count; a full store is 16 with nothing stored.
Case("ok_group_65").step(B(ConfigParams=[cfg("p%d" % i, i) for i in range(65)]), 0,
                         store={("config", "p%d" % i): u64(i) for i in range(65)})
Case("ok_group_300").step(B(ConfigParams=[cfg("q%d" % i, i) for i in range(300)],
                            Keys=[key("k%d" % i, PUB, "ECCPublic") for i in range(70)]), 0,
                          store=dict([(("config", "q%d" % i), u64(i)) for i in range(300)] +
                                     [(("pub", "k%d" % i), PUB) for i in range(70)]))
Case("err_store_full", blocks=8).step(B(ConfigParams=[cfg("big%02d" % i, bytes([i]) * 2000)
                                                      for i in range(40)]), 16,
                                      info="Storage full:big09", store={})
Case("ok_group_limit").step(B(ConfigParams=[cfg("p%d" % i, i) for i in range(64)]), 0,
                            store={("config", "p%d" % i): u64(i) for i in range(64)})

# ---- Certificates and chains -------------------------------------------------------------------------
Case("err_cert_garbage").step(B(Certificates=[cert("c", b"\x30\x00")]), 18,
                              info="Certificate parse failed:c", store={})
Case("err_cert_format").step(B(Certificates=[cert("c", LEAF, Format="pem")]), 37,
                             info=GENERAL + "c")
Case("err_cert_unknown_field").step(B(Certificates=[cert("c", LEAF, Type="x")]), 37,
                                    info=GENERAL + "c")
Case("err_cert_empty").step(B(Certificates=[cert("c", b"")]), 16, info="Item data empty:c")
Case("err_prkn_mismatch").step(B(Keys=[key("dev", KEY)],
                                 Certificates=[cert("devcert", LEAF_OTHERKEY, PrKN="dev")]), 34,
                               info="Certificate public key validation failed:devcert", store={})
# Contract: a certificate with PrKN "must match, else 34"; a missing key is a failed match (34),
# worded with the store's text for the missing key, as the reference does.
Case("err_prkn_missing").step(B(Certificates=[cert("devcert", LEAF, PrKN="nokey")]), 34,
                              info="Item does not exist:nokey", store={})
Case("err_chain_prkn_missing").step(
    B(CertificateChains=[chain("dc", [LEAF, INT], PrKN="nokey")]), 34,
    info="Item does not exist:nokey", store={})
Case("err_prkn_public_only").step(B(Keys=[key("k", PUB, "ECCPublic")]), 0) \
    .step(B(Certificates=[cert("devcert", LEAF, PrKN="k")]), 34, info="Item does not exist:k",
          store={("pub", "k"): PUB})
Case("err_prkn_int").step(B(Certificates=[cert("devcert", LEAF, PrKN=1)]), 20,
                          info=GENERAL + "devcert")
Case("err_chain_prkn_mismatch").step(
    B(Keys=[key("dev", KEY)], CertificateChains=[chain("dc", [LEAF_OTHERKEY, INT], PrKN="dev")]),
    34, info="Certificate public key validation failed:dc", store={})
MAXLEN = "Maximum chain length supported is 5. Chain length of the item is invalid:"
Case("err_chain_6").step(B(CertificateChains=[chain("c", [C[4], C[3], C[2], C[1], C[0],
                                                           ROOT_CA])]), 16, info=MAXLEN + "c")
Case("err_chain_0").step(B(CertificateChains=[chain("c", [])]), 16, info=MAXLEN + "c")
Case("err_chain_order").step(B(CertificateChains=[chain("c", [INT, LEAF])]), 18,
                             info="Chain validation error:c", store={})
Case("err_chain_elem_text").step(B(CertificateChains=[chain("c", [LEAF, "x"])]), 20,
                                 info=GENERAL + "c", store={})
Case("err_chain_not_array").step(B(CertificateChains=[chain("c", LEAF)]), 20, info=GENERAL + "c")
Case("err_chain_data_field").step(B(CertificateChains=[cert("c", LEAF)]), 37, info=GENERAL + "c")

# ---- ConfigParams --------------------------------------------------------------------------------------
Case("err_param_format").step(B(ConfigParams=[{"Name": "p", "Format": "der", "Data": 1}]), 37,
                              info=GENERAL + "p")
Case("err_param_acl").step(B(ConfigParams=[{"Name": "p", "ACL": 1, "Data": 1}]), 37,
                           info=GENERAL + "p")
Case("err_param_no_data").step(B(ConfigParams=[{"Name": "p"}]), 20, info=GENERAL + "p")
Case("err_param_float").step(B(ConfigParams=[cfg("p", 1.5)]), 20, info=GENERAL + "p")
Case("err_param_bool").step(B(ConfigParams=[cfg("p", True)]), 20, info=GENERAL + "p")
Case("err_param_array").step(B(ConfigParams=[cfg("p", [1])]), 20, info=GENERAL + "p")
Case("err_param_tag3").step(B(ConfigParams=[cfg("p", cbor2.CBORTag(3, b"\x01"))]), 20,
                            info=GENERAL + "p")
Case("err_param_tag2_text").step(B(ConfigParams=[cfg("p", cbor2.CBORTag(2, "x"))]), 20,
                                 info=GENERAL + "p")
Case("err_param_neg_too_small").step(B(ConfigParams=[cfg("p", -2**64)]), 27,
                                     info="Item size is wrong:p")
for name in ("mbed.UseBootstrap", "mbed.FirstToClaim", "mbed.MemoryTotalKB"):
    short = name.split(".")[1]
    Case("err_u32_big_%s" % short).step(B(ConfigParams=[cfg(name, 2**32)]), 27,
                                        info="Item size is wrong:" + name, store={})
    Case("err_u32_neg_%s" % short).step(B(ConfigParams=[cfg(name, -1)]), 27,
                                        info="Item size is wrong:" + name)
    Case("err_u32_bytes3_%s" % short).step(B(ConfigParams=[cfg(name, b"\x01\x00\x00")]), 27,
                                           info="Item size is wrong:" + name)
    Case("err_u32_bignum_%s" % short).step(
        B(ConfigParams=[cfg(name, cbor2.CBORTag(2, b"\x01\x00\x00\x00\x00"))]), 27,
        info="Item size is wrong:" + name)
Case("err_time_text").step(B(ConfigParams=[cfg("mbed.CurrentTime", "2030")]), 20,
                           info=GENERAL + "mbed.CurrentTime", time=DEV_TIME)
Case("err_time_too_big").step(B(ConfigParams=[cfg("mbed.CurrentTime", 2**63)]), 27,
                              info="Item size is wrong:mbed.CurrentTime", time=DEV_TIME)
Case("err_time_restored").step(B(ConfigParams=[cfg("mbed.CurrentTime", 2000000000),
                                               cfg("bad name", 1)]), 16,
                               info="File name invalid:bad name", time=DEV_TIME, store={})
Case("err_time_twice").step(B(ConfigParams=[cfg("mbed.CurrentTime", 2000000000),
                                            cfg("mbed.CurrentTime", 2000000001)]), 17,
                            info="Data already exists:mbed.CurrentTime", time=DEV_TIME)

# ---- duplicates and atomicity ---------------------------------------------------------------------------
Case("err_dup_key_in_bundle").step(B(Keys=[key("k", KEY), key("k", KEY)]), 17,
                                   info="Data already exists:k", store={})
Case("err_dup_cert_chain").step(B(Certificates=[cert("c", LEAF)],
                                  CertificateChains=[chain("c", [LEAF, INT])]), 17,
                                info="Data already exists:c", store={})
Case("err_dup_param").step(B(ConfigParams=[cfg("p", 1), cfg("q", 2), cfg("p", 3)]), 17,
                           info="Data already exists:p", store={})
Case("err_dup_across_bundles").step(B(ConfigParams=[cfg("p", 1)]), 0) \
    .step(B(ConfigParams=[cfg("q", 2), cfg("p", 3)]), 17, info="Data already exists:p",
          store={("config", "p"): u64(1)})
Case("atomic_last_item_bad").step(
    B(Entropy=bytes(48), ROT=bytes(16), Keys=[key("k", KEY)],
      Certificates=[cert("c", SERVER_CA)], ConfigParams=[cfg("a", 1), cfg("b", "x"),
                                                         cfg("bad name", 2)]), 16,
    info="File name invalid:bad name", store={},
    internal={"entropy": None, "rot": None, "caid": None}) \
    .step(B(Entropy=bytes(48), ROT=bytes(16), Keys=[key("k", KEY)],
            Certificates=[cert("c", SERVER_CA)],
            ConfigParams=[cfg("a", 1), cfg("b", "x"), cfg("good.name", 2)]), 0,
          store={("priv", "k"): KEY, ("cert", "c"): SERVER_CA, ("config", "a"): u64(1),
                 ("config", "b"): b"x", ("config", "good.name"): u64(2)},
          internal={"entropy": bytes(48), "rot": bytes(16)})

# ---- CSR requests --------------------------------------------------------------------------------------------
SUBJ = "C=GB,O=Example,CN=ep-1"
SUBJ_DN = "C=GB, O=Example, CN=ep-1"


def csr(name, subj=SUBJ, md=1, **kw):
    d = {"PrKN": name, "Subj": subj, "MD": md}
    d.update(kw)
    return d


def CB(reqs, **kw):
    kw.setdefault("SID", "csr-session")
    kw.setdefault("KpAlvSess", 1)
    return B(CsrReqs=reqs, **kw)


Case("ok_csr_one").step(CB([csr("dev.key", Ext={"KU": 1, "EKU": 4})]), 0, keepalive=1,
                        csrs=[("dev.key", SUBJ_DN)], store={("priv", "dev.key"): ("*", 0)})
Case("ok_csr_pub").step(CB([csr("dev.key", SM={"Prv": "Device", "Pub": "Device"},
                                Ext={"KU": 15, "EKU": 0x31f})]), 0, keepalive=1,
                        csrs=[("dev.key", SUBJ_DN)],
                        store={("priv", "dev.key"): ("*", 0), ("pub", "dev.key"): ("*", 91)})
Case("ok_csr_five").step(CB([csr("k%d" % i, "CN=ep-%d" % i) for i in range(5)], KpAlvSess=0), 0,
                         csrs=[("k%d" % i, "CN=ep-%d" % i) for i in range(5)],
                         store={("priv", "k%d" % i): ("*", 0) for i in range(5)})
Case("err_csr_six").step(CB([csr("k%d" % i) for i in range(6)]), 36,
                         info="Too many CSR requests. Maximum CSR requests supported is 5",
                         store={})
Case("err_csr_no_sid").step(B(CsrReqs=[csr("k")]), 20, info=GENERAL + "CsrReqs")
Case("err_csr_verify_default").step(
    {"SchemeVersion": "0.0.1", "SID": "s", "CsrReqs": [csr("k")]}, 20,
    info=GENERAL + "CsrReqs")
Case("err_csr_verify_1").step(CB([csr("k")], Verify=1), 20, info=GENERAL + "CsrReqs")
Case("err_csr_disable").step(CB([csr("k")], KpAlvSess=0, Disable=1), 20,
                             info=GENERAL + "CsrReqs")
Case("err_csr_md").step(CB([csr("k", md=2)]), 37, info=GENERAL + "k", store={})
Case("err_csr_no_md").step(CB([{"PrKN": "k", "Subj": SUBJ}]), 20, info=GENERAL + "k")
Case("err_csr_no_subj").step(CB([{"PrKN": "k", "MD": 1}]), 20, info=GENERAL + "k")
Case("err_csr_no_prkn").step(CB([{"Subj": SUBJ, "MD": 1}]), 20)
Case("err_csr_unknown_field").step(CB([csr("k", Foo=1)]), 37, info=GENERAL + "k")
Case("err_csr_ku_bits").step(CB([csr("k", Ext={"KU": 16})]), 37, info=GENERAL + "k")
Case("err_csr_eku_bits").step(CB([csr("k", Ext={"EKU": 1 << 5})]), 37, info=GENERAL + "k")
Case("err_csr_ext_key").step(CB([csr("k", Ext={"BC": 1})]), 37, info=GENERAL + "k")
Case("err_csr_ext_type").step(CB([csr("k", Ext=[1])]), 20, info=GENERAL + "k")
Case("err_csr_sm_host").step(CB([csr("k", SM={"Prv": "Host"})]), 37, info=GENERAL + "k")
Case("err_csr_subject").step(CB([csr("k", "XX=bad")]), 20, info=GENERAL + "k", store={})
Case("err_csr_existing_key").step(B(Keys=[key("k", KEY)]), 0) \
    .step(CB([csr("j"), csr("k")]), 17, info="Data already exists:k", store={("priv", "k"): KEY})
Case("err_csr_name_utf8").step(CB([csr("dev.\u00f4ey")]), 16, info="File name invalid:dev.\u00f4ey",
                               store={})
Case("err_key_name_utf8").step(B(Keys=[key("k\u00e9", KEY)]), 16, info="File name invalid:k\u00e9",
                               store={})
Case("ok_csr_then_cert").step(CB([csr("dev.key")]), 0, keepalive=1,
                              csrs=[("dev.key", SUBJ_DN)]) \
    .step(B(SID="csr-session", Certificates=[cert("c", LEAF, PrKN="dev.key")]), 34,
          info="Certificate public key validation failed:c",
          store={("priv", "dev.key"): ("*", 0)})

# ---- wrong types for every field ---------------------------------------------------------------------------
WRONG = {"text": 7, "bytes": "t", "uint": "t", "array": 7, "map": 7}
FIELDS = {
    "Keys": (key("k", KEY), {"Name": "text", "Type": "text", "Format": "text", "Data": "bytes"}),
    "Certificates": (cert("c", LEAF, PrKN="k"),
                     {"Name": "text", "Format": "text", "Data": "bytes", "PrKN": "text"}),
    "CertificateChains": (chain("c", [LEAF, INT], PrKN="k"),
                          {"Name": "text", "Format": "text", "DataArray": "array",
                           "PrKN": "text"}),
    "ConfigParams": (cfg("p", 1), {"Name": "text", "Data": "any"}),
    "CsrReqs": (csr("k", Ext={"KU": 1, "EKU": 4}, SM={"Prv": "Device"}),
                {"PrKN": "text", "Subj": "text", "MD": "uint", "Ext": "map", "SM": "map"}),
}
for group, (item, kinds) in FIELDS.items():
    for field, kind in kinds.items():
        if kind == "any":
            bad = {"x": 1}
        else:
            bad = WRONG[kind]
        it = dict(item)
        it[field] = bad
        name_field = "PrKN" if group == "CsrReqs" else "Name"
        nm = it[name_field] if field != name_field else None
        info = GENERAL + (nm if isinstance(nm, str) else "")
        if group == "CsrReqs":
            b = CB([it])
        else:
            b = B(**{group: [it]})
        Case("err_type_%s_%s" % (group, field)).step(b, 20, info=info, store={})

# ---- issue 11: section 8 of the wire contract -------------------------------------------------
EXT = os.path.join(VERIFY, "ext")
CA_P384 = rd(EXT, "ca_p384.der")
CA_RSA = rd(EXT, "ca_rsa.der")
CA_SHA384 = rd(EXT, "ca_sha384.der")
LEAF_BY_P384 = rd(EXT, "leaf_by_p384.der")


def raw_map(pairs):
    """A definite top-level map from (key, already-encoded value) pairs."""
    return bytes([0xa0 + len(pairs)]) + b"".join(enc(k) + v for k, v in pairs)


def indef(items):
    """An indefinite-length array of the given objects."""
    return b"\x9f" + b"".join(enc(x) for x in items) + b"\xff"


# Point 2: every group array in indefinite form, items as usual.
Case("ok_indef_groups").step(raw_map([
    ("SchemeVersion", enc("0.0.1")), ("Verify", enc(0)),
    ("Keys", indef([key("k", KEY), key("p", PUB, "ECCPublic")])),
    ("Certificates", indef([cert("c", SERVER_CA)])),
    ("CertificateChains", indef([chain("ch", [LEAF, INT])])),
    ("ConfigParams", indef([cfg("a", 1), cfg("b", "x")]))]), 0,
    store={("priv", "k"): KEY, ("pub", "p"): PUB, ("cert", "c"): SERVER_CA,
           ("cert", "ch"): ("chain", [LEAF, INT]), ("config", "a"): u64(1),
           ("config", "b"): b"x"})
Case("ok_indef_csrs").step(raw_map([
    ("SchemeVersion", enc("0.0.1")), ("Verify", enc(0)), ("SID", enc("csr-session")),
    ("KpAlvSess", enc(1)), ("CsrReqs", indef([csr("dev.key")]))]), 0, keepalive=1,
    sid="csr-session", csrs=[("dev.key", SUBJ_DN)], store={("priv", "dev.key"): ("*", 0)})
Case("ok_indef_many").step(raw_map([
    ("SchemeVersion", enc("0.0.1")), ("Verify", enc(0)),
    ("ConfigParams", indef([cfg("n%d" % i, i) for i in range(100)]))]), 0,
    store={("config", "n%d" % i): u64(i) for i in range(100)})
Case("err_indef_dataarray").step(raw_map([
    ("SchemeVersion", enc("0.0.1")), ("Verify", enc(0)),
    ("CertificateChains", enc([{"Name": "ch", "Format": "der", "DataArray": 0}])[:-1]
     + b"\x9f" + enc(LEAF) + b"\xff")]), 20, info=GENERAL + "ch", store={})
Case("err_indef_no_break").step(raw_map([
    ("SchemeVersion", enc("0.0.1")), ("Verify", enc(0)),
    ("ConfigParams", b"\x9f" + enc(cfg("a", 1)))]), 20, store={})
Case("err_indef_break_in_item").step(raw_map([
    ("SchemeVersion", enc("0.0.1")), ("Verify", enc(0)),
    ("ConfigParams", b"\x9f\xa2" + enc("Name") + enc("a") + b"\xff\xff")]), 20, store={})
Case("err_indef_deep").step(raw_map([
    ("SchemeVersion", enc("0.0.1")), ("Verify", enc(0)),
    ("Keys", b"\x9f" * 40 + b"\xff" * 40)]), 20, store={})
Case("err_indef_element_not_map").step(raw_map([
    ("SchemeVersion", enc("0.0.1")), ("Verify", enc(0)),
    ("Keys", b"\x9f" + enc(1) + b"\xff")]), 20, store={})
Case("err_indef_top_map").step(b"\xbf" + enc("SchemeVersion") + enc("0.0.1") + enc("Verify")
                               + enc(0) + b"\xff", 20, store={})
Case("err_indef_fails_late").step(raw_map([
    ("SchemeVersion", enc("0.0.1")), ("Verify", enc(0)),
    ("ConfigParams", indef([cfg("a", 1), cfg("b", 2), {"Name": "c"}]))]), 20,
    info=GENERAL + "c", store={})

# Point 5: a CSR storage map must hold Prv.
Case("err_csr_sm_empty").step(CB([csr("k", SM={})]), 20, info=GENERAL + "k", store={})
Case("err_csr_sm_pub_only").step(CB([csr("k", SM={"Pub": "Device"})]), 20, info=GENERAL + "k",
                                 store={})
Case("ok_csr_sm_prv").step(CB([csr("dev.key", SM={"Prv": "Device"})]), 0, keepalive=1,
                           csrs=[("dev.key", SUBJ_DN)], store={("priv", "dev.key"): ("*", 0)})

# Point 8: server CA and chain certificates of other algorithms are stored (strict: 18).
for label, der in (("p384", CA_P384), ("rsa", CA_RSA), ("sha384", CA_SHA384)):
    Case("ok_ca_" + label).step(B(Certificates=[cert("mbed.LwM2MServerCACert", der)]), 0,
                                store={("cert", "mbed.LwM2MServerCACert"): der})
    Case("strict_ca_" + label, strict=True).step(
        B(Certificates=[cert("mbed.LwM2MServerCACert", der)]), 18,
        info="Curve unsupported:mbed.LwM2MServerCACert", store={})
Case("ok_chain_p384").step(B(CertificateChains=[chain("mbed.UpdateAuthCert",
                                                      [LEAF_BY_P384, CA_P384])]), 0,
                           store={("cert", "mbed.UpdateAuthCert"): ("chain", [LEAF_BY_P384,
                                                                               CA_P384])})
Case("strict_chain_p384", strict=True).step(
    B(CertificateChains=[chain("mbed.UpdateAuthCert", [LEAF_BY_P384, CA_P384])]), 18,
    info="Curve unsupported:mbed.UpdateAuthCert", store={})
Case("strict_ca_p256_ok", strict=True).step(
    B(Certificates=[cert("mbed.LwM2MServerCACert", SERVER_CA)],
      CertificateChains=[chain("ch", [LEAF, INT])]), 0,
    store={("cert", "mbed.LwM2MServerCACert"): SERVER_CA, ("cert", "ch"): ("chain", [LEAF, INT])})
# The device key and certificate stay P-256: a P-384 device certificate is the key mismatch 34
# in both modes.
for strict in (False, True):
    Case("verify_devcert_p384" + ("_strict" if strict else ""), strict=strict).step(
        full_chain([rd(VERIFY, "leaf_p384.der"), INT]), 34,
        info="Certificate public key validation failed:" + DEVCERT, store={})

# Point 11: bytes after a certificate's DER are refused with the store's text, in a single
# certificate and in a chain element.
Case("err_cert_trailing_byte").step(B(Certificates=[cert("c", SERVER_CA + b"\x00")]), 18,
                                    info="Certificate parse failed:c", store={})
Case("err_chain_trailing_byte").step(B(CertificateChains=[chain("ch", [LEAF, INT + b"\x30"])]),
                                     18, info="Certificate parse failed:ch", store={})

# An unknown critical extension: the device cannot parse the certificate (both modes).
Case("err_cert_unknown_critical").step(
    B(Certificates=[cert("mbed.LwM2MServerCACert", rd(EXT, "ca_unknown_crit.der"))]), 18,
    info="Certificate parse failed:mbed.LwM2MServerCACert", store={})

# Point 9: the CA-identifier step records any parsable CA and is otherwise silent.
Case("ok_caid_p384").step(B(Certificates=[cert("mbed.BootstrapServerCACert", CA_P384)]), 0,
                          internal={"caid": ca_id(CA_P384)})
Case("ok_caid_rsa").step(B(Certificates=[cert("mbed.BootstrapServerCACert", CA_RSA)]), 0,
                         internal={"caid": ca_id(CA_RSA)})
Case("ok_caid_no_usebootstrap").step(
    B(Certificates=[cert("mbed.BootstrapServerCACert", SERVER_CA)],
      ConfigParams=[cfg("mbed.EndpointName", "ep-1")]), 0, internal={"caid": ca_id(SERVER_CA)})
Case("ok_caid_recorded_other_ca").step(
    B(Certificates=[cert("mbed.BootstrapServerCACert", SERVER_CA)]), 0,
    internal={"caid": ca_id(SERVER_CA)}) \
    .step(B(Certificates=[cert("mbed.LwM2MServerCACert", CA_P384)]), 0,
          internal={"caid": ca_id(SERVER_CA)})

# Point 10: a device without a clock (time 0, no mbed.CurrentTime) verifies with warnings;
# a bundle's mbed.CurrentTime then sets its time.
NOCLOCK_WARN = ("Item not set:mbed.CurrentTime\n"
                "Certificate validity cannot be checked:" + DEVCERT + "\n"
                "Certificate validity cannot be checked:" + DEVCERT + "\n"
                "Certificate validity cannot be checked:mbed.UpdateAuthCert\n")
Case("ok_no_clock", clock="none").step(full(without(FULL_PARAMS, "mbed.CurrentTime")), 0,
                                       warn=NOCLOCK_WARN, time=0)
Case("ok_no_clock_set", clock="none").step(B(ConfigParams=[cfg("mbed.CurrentTime", DEV_TIME)]),
                                           0, time=DEV_TIME)


def write():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".cbor") or f == "cases.txt":
            os.remove(os.path.join(OUT, f))
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    lines = ["# Generated by scripts/gen-bundle-vectors.py; do not edit. Format: see the script.",
             "# %d cases, %d bundles." % (len(cases), len(files))]
    tcode = {"priv": "priv", "pub": "pub", "cert": "cert", "config": "config"}
    for c in cases:
        lines.append("case " + c.name)
        if c.blocks is not None:
            lines.append("flash %d" % c.blocks)
        if c.clock is not None:
            lines.append("clock " + c.clock)
        if c.strict:
            lines.append("strict 1")
        for s in c.steps:
            lines.append("step " + s["file"])
            lines.append("status %d" % s["status"])
            lines.append("info " + esc(s["info"]))
            lines.append("warn " + ("-" if s["warn"] is None else esc(s["warn"])))
            lines.append("sid " + ("-" if s["sid"] is None else esc(s["sid"])))
            lines.append("keepalive %d" % s["keepalive"])
            lines.append("csrs %d" % len(s["csrs"]))
            for i, (name, subj) in enumerate(s["csrs"]):
                lines.append("csr %d %s %s" % (i, name, subj))
            if s["time"] is not None:
                lines.append("time %d" % s["time"])
            if s["store"] is not None:
                lines.append("items %d" % len(s["store"]))
                for (t, name), v in sorted(s["store"].items()):
                    if isinstance(v, tuple) and v[0] == "chain":
                        lines.append("chain %s %s" % (name, ",".join(d.hex() for d in v[1])))
                    elif isinstance(v, tuple) and v[0] == "*":
                        lines.append("item %s %s *%s" % (tcode[t], name, v[1] or ""))
                    elif isinstance(v, HostInt):
                        lines.append("item %s %s %s" % (tcode[t], name, v.spec))
                    else:
                        lines.append("item %s %s %s" % (tcode[t], name, v.hex() or "="))
            for which, v in sorted(s["internal"].items()):
                lines.append("internal %s %s" % (which, "-" if v is None else v.hex()))
        lines.append("end")
    with open(os.path.join(OUT, "cases.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %d cases, %d bundles to %s" % (len(cases), len(files), OUT))


if __name__ == "__main__":
    write()
    sys.exit(0)
