# SPDX-License-Identifier: Apache-2.0
"""A minimal PEP 517 build backend for the pure-Python package `fcu`.

pip builds packages in an isolated environment and would download setuptools for it; a factory
PC often has no network. This backend uses only the standard library: it zips the package's
modules into a wheel (PEP 427) with its metadata and RECORD, and makes an sdist of the same
files. It knows exactly one package: the folder `fcu/` next to pyproject.toml."""
import base64
import hashlib
import io
import os
import tarfile
import zipfile

NAME = "fcu"
VERSION = "0.1.0"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METADATA = f"""Metadata-Version: 2.1
Name: {NAME}
Version: {VERSION}
Summary: Factory provisioning tool API (FactoryToolApi) over libfcu
License: Apache-2.0
Requires-Python: >=3.9
"""
WHEEL = """Wheel-Version: 1.0
Generator: fcu_build_backend
Root-Is-Purelib: true
Tag: py3-none-any
"""


def _package_files():
    out = []
    for root, _dirs, files in os.walk(os.path.join(HERE, NAME)):
        for f in sorted(files):
            if f.endswith(".py"):
                full = os.path.join(root, f)
                out.append((full, os.path.relpath(full, HERE).replace(os.sep, "/")))
    return sorted(out, key=lambda x: x[1])


def _digest(data):
    d = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={d}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    dist = os.path.join(metadata_directory, f"{NAME}-{VERSION}.dist-info")
    os.makedirs(dist, exist_ok=True)
    with open(os.path.join(dist, "METADATA"), "w") as f:
        f.write(METADATA)
    with open(os.path.join(dist, "WHEEL"), "w") as f:
        f.write(WHEEL)
    return os.path.basename(dist)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    dist = f"{NAME}-{VERSION}.dist-info"
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for full, arc in _package_files():
            with open(full, "rb") as f:
                data = f.read()
            z.writestr(arc, data)
            record.append(f"{arc},{_digest(data)},{len(data)}")
        for fname, text in (("METADATA", METADATA), ("WHEEL", WHEEL)):
            data = text.encode()
            z.writestr(f"{dist}/{fname}", data)
            record.append(f"{dist}/{fname},{_digest(data)},{len(data)}")
        record.append(f"{dist}/RECORD,,")
        z.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")
    return name


def build_sdist(sdist_directory, config_settings=None):
    base = f"{NAME}-{VERSION}"
    name = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        for rel in ["pyproject.toml", "_build/fcu_build_backend.py"]:
            t.add(os.path.join(HERE, rel), arcname=f"{base}/{rel}")
        for full, arc in _package_files():
            t.add(full, arcname=f"{base}/{arc}")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        data = METADATA.encode()
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return name
