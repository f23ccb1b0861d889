# SPDX-License-Identifier: Apache-2.0
"""The Python API (FactoryToolApi over libfcu): setup and its status, validation errors with
their codes, preparing a device in every key mode, reading device responses of every kind,
framing, and the demo factory tool provisioning fcc-device over TCP."""
import os
import socket
import subprocess
import sys

import cbor2
import pytest

import fcu
from fcu import FactoryToolApi, framing
from conftest import AID_BS, AID_LW, NOW, apply, run

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "factory_tool.py")


def api(home, config=None):
    return FactoryToolApi(home, os.path.join(home, "config", config) if config else None, now=NOW)


def test_import_and_version():
    assert fcu.FactoryToolApi is FactoryToolApi
    assert FactoryToolApi.version().startswith("libfcu ")


def test_setup_status_before_and_after(home):
    a = api(home)
    st = a.get_setup_status()
    assert st.status == fcu.SETUP_NOT_DONE
    assert st.ca_details.keystore_dir == os.path.join(home, "keystore")
    assert st.ca_details.certificate_file.endswith("/keystore/fcu.crt")
    assert st.ca_details.csr_file.endswith("/keystore/fcu.csr")
    assert st.ca_details.private_key_file.endswith("/keystore/fcu_private_key.pem")
    assert [e.code for e in st.error_info] == [210]
    st = a.setup()
    assert st.status == 0, st.error_info
    assert os.path.isfile(st.ca_details.certificate_file)
    assert os.stat(st.ca_details.private_key_file).st_mode & 0o077 == 0
    assert a.get_setup_status().status == fcu.SETUP_DONE
    # a second setup refuses to replace the CA, force does
    again = a.setup()
    assert again.status != 0 and any("--force" in e.message for e in again.error_info)
    assert a.setup(force=True).status == 0


def test_setup_honours_fcu_home_dir(home, monkeypatch):
    monkeypatch.setenv("FCU_HOME_DIR", home)
    a = FactoryToolApi(now=NOW)
    assert a.get_setup_status().ca_details.keystore_dir == os.path.join(home, "keystore")


def test_intermediate_csr_pending(home):
    cfg = os.path.join(home, "config", "inter.yml")
    with open(os.path.join(home, "config", "bs.yml")) as f:
        text = f.read()
    with open(cfg, "w") as f:
        f.write("setup-ca-as-intermediate: true\n" + text)
    a = FactoryToolApi(home, cfg, now=NOW)
    assert a.setup().status == fcu.SETUP_CSR_PENDING
    st = a.get_setup_status()
    assert st.status == fcu.SETUP_CSR_PENDING and os.path.isfile(st.ca_details.csr_file)


def test_validate_errors_with_codes(home):
    a = api(home)
    a.setup()
    assert a.validate().status == 0
    bad = os.path.join(home, "config", "bad.yml")
    with open(os.path.join(home, "config", "bs.yml")) as f:
        text = f.read()
    with open(bad, "w") as f:
        f.write(text.replace(f"?aid={AID_BS}", "") + "no-such-key: 1\n")
    r = FactoryToolApi(home, bad, now=NOW).validate()
    assert r.status == 1
    codes = {e.code for e in r.error_info}
    assert 303 in codes and 192 in codes, r.error_info
    aid = [e for e in r.error_info if e.code == 303][0]
    assert aid.parameter == "bootstrap-server-uri"
    # a device that cannot be valid: an empty endpoint name
    r = a.validate(endpoint_name="", serial_number="SN-1")
    assert r.status == 1 and 101 in {e.code for e in r.error_info}


def decode(bundle):
    return cbor2.loads(bundle)


def test_prepare_by_tool_bootstrap(home, tmp_path):
    a = api(home)
    a.setup()
    req = a.prepare_device_configuration("py-ep-1", "SN-PY-1")
    assert req.status == 0 and req.error_list == []
    assert req.fcu_operation_context is None and req.enrollment_id == ""
    b = decode(req.config_data)
    names = {c["Name"] for c in b["ConfigParams"]}
    assert {"mbed.EndpointName", "mbed.SerialNumber", "mbed.BootstrapServerURI"} <= names
    rc, resp = apply(req.config_data, str(tmp_path))
    assert rc == 0
    st = a.process_device_response(resp)
    assert st.status == 0 and st.message == "The Factory process succeeded\n"
    assert "Item not set:mbed.UpdateAuthCert" in st.warnings
    assert st.config_data is None


def test_prepare_first_to_claim_enrollment_id(home, tmp_path):
    a = api(home, "ftc.yml")
    a.setup()
    req = a.prepare_device_configuration("py-ftc-1", "SN-FTC-1")
    assert req.status == 0
    assert req.enrollment_id.startswith("A-") and len(req.enrollment_id) == 2 + 32 * 3 - 1
    assert req.enrollment_id[2:] == req.fingerprint
    rc, resp = apply(req.config_data, str(tmp_path))
    assert rc == 0 and a.process_device_response(resp).status == 0


def test_prepare_lwm2m(home, tmp_path):
    a = api(home, "lwm2m.yml")
    a.setup()
    req = a.prepare_device_configuration("py-lw-1", "SN-LW-1")
    assert req.status == 0, req.error_list
    b = decode(req.config_data)
    assert any(c["Name"] == "mbed.LwM2MServerURI" for c in b["ConfigParams"])
    rc, resp = apply(req.config_data, str(tmp_path))
    assert rc == 0 and a.process_device_response(resp).status == 0


def test_prepare_externally_supplied(home, tmp_path):
    a = api(home, "ext.yml")
    a.setup()
    keys = tmp_path / "keys"
    keys.mkdir()
    ks = os.path.join(home, "keystore")
    run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(keys / "k.pem"))
    run("openssl", "pkey", "-in", str(keys / "k.pem"), "-outform", "der", "-out",
        str(keys / "BootstrapDevicePrivateKey.der"))
    (keys / "ext.cnf").write_text("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                                  "extendedKeyUsage=clientAuth\n")
    run("openssl", "req", "-new", "-key", str(keys / "k.pem"), "-subj",
        f"/O=PyTest/OU={AID_BS}/CN=py-ext-1", "-out", str(keys / "d.csr"))
    run("openssl", "x509", "-req", "-in", str(keys / "d.csr"), "-CA", os.path.join(ks, "fcu.crt"),
        "-CAkey", os.path.join(ks, "fcu_private_key.pem"), "-CAcreateserial", "-days", "13500",
        "-sha256", "-extfile", str(keys / "ext.cnf"), "-outform", "der", "-out",
        str(keys / "BootstrapDeviceCert.der"))
    for f in ("k.pem", "d.csr", "ext.cnf"):
        (keys / f).unlink()
    req = a.prepare_device_configuration("py-ext-1", "SN-EXT-1", str(keys))
    assert req.status == 0, req.error_list
    b = decode(req.config_data)
    key = [k for k in b["Keys"] if k["Name"] == "mbed.BootstrapDevicePrivateKey"][0]
    assert key["Data"] == (keys / "BootstrapDevicePrivateKey.der").read_bytes()
    rc, resp = apply(req.config_data, str(tmp_path))
    assert rc == 0 and a.process_device_response(resp).status == 0
    # the same keys for another endpoint: the certificate's CN does not match
    bad = a.prepare_device_configuration("py-ext-2", "SN-EXT-2", str(keys))
    assert bad.status == 1 and bad.config_data is None
    assert 319 in {e.code for e in bad.error_list}


def test_process_error_response(home, tmp_path):
    a = api(home)
    a.setup()
    req = a.prepare_device_configuration("py-err-1", "SN-ERR-1")
    assert apply(req.config_data, str(tmp_path))[0] == 0
    # the same device again: the device refuses (its items exist), with a message
    rc, resp = apply(req.config_data, str(tmp_path))
    assert rc == 1
    st = a.process_device_response(resp)
    assert st.status == 17 and st.message.startswith("Data already exists:")


def test_process_warning_lines_and_large_status(home):
    a = api(home)
    resp = cbor2.dumps({"SchemeVersion": "0.0.1", "ReturnStatus": 0,
                        "InfoMessage": "The Factory process succeeded\n",
                        "WarningInfo": "Item not set:mbed.Timezone\nCertificate is self signed:x\n"})
    st = a.process_device_response(resp)
    assert st.status == 0 and st.warnings == ["Item not set:mbed.Timezone",
                                              "Certificate is self signed:x"]
    big = cbor2.dumps({"SchemeVersion": "0.0.1", "ReturnStatus": 2 ** 32,
                       "InfoMessage": "General error:"})
    assert a.process_device_response(big).status == 2 ** 32


def test_process_garbage(home):
    st = api(home).process_device_response(b"\xff\x00garbage")
    assert st.status != 0 and st.error_list and st.error_list[0].code == 100


def test_framing_round_trip_and_errors():
    payload = b"\xa1\x63SID\x61x" * 50
    frame = framing.encode(payload)
    assert frame[:8] == b"mbedprov" and int.from_bytes(frame[8:12], "little") == len(payload)
    assert framing.decode_request(frame) == (payload, len(frame))
    resp = framing.encode_response(0, payload)
    assert framing.decode(resp + b"tail") == (0, payload, len(resp))
    assert framing.decode(framing.encode_response(8)) == (8, None, 12)
    with pytest.raises(framing.IncompleteFrame):
        framing.decode(resp[:20])
    broken = bytearray(resp)
    broken[20] ^= 1
    with pytest.raises(framing.FramingError):
        framing.decode(bytes(broken))
    with pytest.raises(framing.FramingError):
        framing.encode(b"")


def test_exchange_with_a_served_device(home, device):
    a = api(home)
    a.setup()
    dev = device("served")
    req = a.prepare_device_configuration("py-tcp-1", "SN-TCP-1")
    with socket.create_connection(("127.0.0.1", dev.port), timeout=30) as s:
        status, payload = framing.exchange(s, req.config_data)
    dev.stop()
    assert status == 0
    assert a.process_device_response(payload).status == 0


def test_factory_tool_example_provisions(home, device):
    FactoryToolApi(home).setup()  # the example runs on the real clock
    dev = device("example")
    env = dict(os.environ, FCU_HOME_DIR=home)
    p = subprocess.run([sys.executable, EXAMPLE, "inject", "--endpoint-name", "py-demo-1",
                        "--serial-number", "SN-DEMO-1", "tcp", "--ip", "127.0.0.1", "--port",
                        str(dev.port)], env=env, capture_output=True, text=True, timeout=120)
    dev.stop()
    assert p.returncode == 0, p.stdout + p.stderr
    assert "ReturnStatus 0" in p.stdout
    out = subprocess.run([os.environ.get("FCC_DEVICE", "fcc-device"), "--store", dev.img,
                          "--time", str(NOW), "get", "mbed.EndpointName"],
                         capture_output=True, text=True)
    assert "py-demo-1" in out.stdout


def test_by_device_round_trip(home, device):
    """Keys generated on the device: message 1 asks for a CSR, the answer yields message 2."""
    a = api(home, "bydev.yml")
    a.setup()
    dev = device("bydev")
    req = a.prepare_device_configuration("py-bd-1", "SN-BD-1")
    assert req.status == 0, req.error_list
    assert req.fcu_operation_context is not None
    m1 = decode(req.config_data)
    assert m1["KpAlvSess"] == 1 and m1["Verify"] == 0 and len(m1["CsrReqs"]) == 1
    assert "Keys" not in m1  # no private key leaves the tool
    with socket.create_connection(("127.0.0.1", dev.port), timeout=30) as s:
        status, payload = framing.exchange(s, req.config_data)
        assert status == 0
        st = a.process_device_response(payload, req.fcu_operation_context)
        assert st.status == 0 and st.config_data is not None, st.error_list
        m2 = decode(st.config_data)
        assert m2["KpAlvSess"] == 0
        leaf = [c for c in m2.get("Certificates", []) + m2.get("CertificateChains", [])
                if c["Name"] == "mbed.BootstrapDeviceCert"][0]
        assert leaf["PrKN"] == "mbed.BootstrapDevicePrivateKey"
        status, payload = framing.exchange(s, st.config_data)
        assert status == 0
        final = a.process_device_response(payload, req.fcu_operation_context)
    dev.stop()
    assert final.status == 0 and final.config_data is None, final
    assert final.message == "The Factory process succeeded\n"


def test_by_device_answer_of_another_session(home):
    a = api(home, "bydev.yml")
    a.setup()
    req = a.prepare_device_configuration("py-bd-2", "SN-BD-2")
    other = cbor2.dumps({"SchemeVersion": "0.0.1", "SID": "someone-else", "ReturnStatus": 0,
                         "InfoMessage": "The Factory process succeeded\n"})
    st = a.process_device_response(other, req.fcu_operation_context)
    assert st.config_data is None and any(e.parameter == "SID" for e in st.error_list)


def test_registry_export_empty(home):
    a = api(home)
    assert a.registry_export(os.path.join(home, "registry.sqlite3")) == []
