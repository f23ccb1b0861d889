# SPDX-License-Identifier: Apache-2.0
"""Fixtures of the Python API tests: a temporary FCU home with server CAs and configurations
for every key mode, the fcc-device program, and a device served on loopback. ctest passes the
build's paths in FCU_LIBRARY, FCC_DEVICE and FCU_TOOL; PYTHONPATH points at python/."""
import os
import shutil
import subprocess
import tempfile
import time

import pytest

FCC_DEVICE = os.environ.get("FCC_DEVICE", "fcc-device")
FCU_TOOL = os.environ.get("FCU_TOOL", "fcu")
NOW = 1893456000  # 2030-01-01, the device clock and the tool's "now"

COMMON = """time-sync: true
verify-on-device: true
certificate-authority:
  common-name: Python API Test CA
  organization-name: PyTest
  validity-years: 40
device-certificate:
  organization-name: PyTest
  validity-years: {years}
device-info:
  manufacturer-name: PyTest Inc
  model-number: PT-1
  device-type: sensor
  hardware-version: "1.0"
  memory-total-size: 512
  timezone: Europe/London
  utc-offset: "+00:00"
"""
AID_BS = "0164c1a4f39b2a6e1b7e8e8e00000001"
AID_LW = "0164c1a4f39b2a6e1b7e8e8e00000002"
CONFIGS = {
    "bs": f"""use-bootstrap: true
first-to-claim: false
bootstrap-server-uri: "coaps://bootstrap.example.com:5684?aid={AID_BS}"
bootstrap-server-ca-certificate-file: bootstrap-ca.der
device-key-generation-mode: by_tool
""" + COMMON.format(years=20),
    "ftc": """use-bootstrap: true
first-to-claim: true
bootstrap-server-uri-first-to-claim: "coaps://bootstrap.example.com:5684"
bootstrap-server-ca-certificate-file: bootstrap-ca.der
device-key-generation-mode: by_tool
""" + COMMON.format(years=20),
    "lwm2m": f"""use-bootstrap: false
lwm2m-server-uri: "coaps://lwm2m.example.com:5684?aid={AID_LW}"
lwm2m-server-ca-certificate-file: lwm2m-ca.der
device-key-generation-mode: by_tool
""" + COMMON.format(years=36),
    "bydev": f"""use-bootstrap: true
first-to-claim: false
bootstrap-server-uri: "coaps://bootstrap.example.com:5684?aid={AID_BS}"
bootstrap-server-ca-certificate-file: bootstrap-ca.der
device-key-generation-mode: by_device
""" + COMMON.format(years=20),
    "ext": f"""use-bootstrap: true
first-to-claim: false
bootstrap-server-uri: "coaps://bootstrap.example.com:5684?aid={AID_BS}"
bootstrap-server-ca-certificate-file: bootstrap-ca.der
device-key-generation-mode: externally_supplied
""" + COMMON.format(years=36),
}


def run(*args, **kw):
    return subprocess.run(list(args), check=True, capture_output=True, **kw)


def server_ca(path, cn, tmp):
    key = os.path.join(tmp, cn.replace(" ", "_") + ".key")
    pem = os.path.join(tmp, cn.replace(" ", "_") + ".pem")
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", key, "-out", pem, "-subj", f"/CN={cn}", "-days", "7300", "-sha256")
    run("openssl", "x509", "-in", pem, "-outform", "der", "-out", path)


@pytest.fixture
def home():
    """An FCU home with configurations bs/ftc/lwm2m/ext.yml (fcu.yml = bs), no CA yet."""
    d = tempfile.mkdtemp(prefix="fcu-py-")
    cfg = os.path.join(d, "config")
    os.makedirs(cfg)
    server_ca(os.path.join(cfg, "bootstrap-ca.der"), "Py Bootstrap CA", d)
    server_ca(os.path.join(cfg, "lwm2m-ca.der"), "Py LwM2M CA", d)
    for name, text in CONFIGS.items():
        with open(os.path.join(cfg, name + ".yml"), "w") as f:
            f.write(text)
    shutil.copy(os.path.join(cfg, "bs.yml"), os.path.join(cfg, "fcu.yml"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def apply(bundle, tmp, name="dev"):
    """Applies a bundle with `fcc-device apply`; returns (exit code, response payload)."""
    b = os.path.join(tmp, name + ".cbor")
    r = os.path.join(tmp, name + ".resp")
    with open(b, "wb") as f:
        f.write(bundle)
    p = subprocess.run([FCC_DEVICE, "--store", os.path.join(tmp, name + ".img"), "--time",
                        str(NOW), "apply", b, "--response", r], capture_output=True)
    with open(r, "rb") as f:
        return p.returncode, f.read()


class Device:
    """fcc-device serving TCP on loopback (one session)."""

    def __init__(self, tmp, name):
        self.img = os.path.join(tmp, name + ".img")
        self.p = subprocess.Popen([FCC_DEVICE, "--store", self.img, "--time", str(NOW), "serve",
                                   "--tcp", "127.0.0.1:0", "--once"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        assert line.startswith("listening on "), line + self.p.stderr.read()
        self.port = int(line.strip().rsplit(":", 1)[1])

    def stop(self):
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


@pytest.fixture
def device(tmp_path):
    devs = []

    def start(name="dev"):
        d = Device(str(tmp_path), name)
        devs.append(d)
        return d
    yield start
    for d in devs:
        if d.p.poll() is None:
            d.p.kill()
            d.p.wait()
