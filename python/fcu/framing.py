# SPDX-License-Identifier: Apache-2.0
"""The factory link's framing (SPEC.md section 1), for scripts that talk to a device over their
own socket or serial port.

Request (tool -> device): b"mbedprov" | u32 LE length | payload | SHA-256(payload).
Response (device -> tool): b"mbedprov" | u32 LE status | and, when status is 0:
u32 LE length | payload | SHA-256(payload).

    frame = fcu.framing.encode(config_data)          # a request frame
    status, payload, used = fcu.framing.decode(buf)  # a response frame (or IncompleteFrame)
"""
import hashlib
import struct

TOKEN = b"mbedprov"
MAX_PAYLOAD = 16 * 1024 * 1024


class FramingError(ValueError):
    """The bytes are not a valid frame (wrong token, digest mismatch, length out of range)."""


class IncompleteFrame(FramingError):
    """More bytes are needed; `needed` says at least how many in all."""

    def __init__(self, needed):
        super().__init__(f"incomplete frame: at least {needed} bytes needed")
        self.needed = needed


def encode(payload):
    """A request frame carrying `payload` (the CBOR bundle)."""
    payload = bytes(payload)
    if not payload:
        raise FramingError("empty payload (the device refuses length 0)")
    if len(payload) > 0xFFFFFFFF:
        raise FramingError("payload longer than a u32 length")
    return TOKEN + struct.pack("<I", len(payload)) + payload + hashlib.sha256(payload).digest()


def encode_response(status, payload=b""):
    """A response frame (what a device sends): status, and the payload when status is 0."""
    if status != 0:
        return TOKEN + struct.pack("<I", status)
    payload = bytes(payload)
    return (TOKEN + struct.pack("<II", 0, len(payload)) + payload +
            hashlib.sha256(payload).digest())


def decode(buf, max_payload=MAX_PAYLOAD):
    """Decodes the response frame at the start of `buf`.

    Returns (status, payload, used): the transport status (0 success), the payload (None when
    status is not 0) and the number of bytes the frame took. Raises IncompleteFrame when `buf`
    holds only part of a frame, FramingError when it is not a frame."""
    buf = bytes(buf)
    if len(buf) < 12:
        if not TOKEN.startswith(buf[:8]):
            raise FramingError("not a frame: the token 'mbedprov' is missing")
        raise IncompleteFrame(12)
    if buf[:8] != TOKEN:
        raise FramingError("not a frame: the token 'mbedprov' is missing")
    (status,) = struct.unpack_from("<I", buf, 8)
    if status != 0:
        return status, None, 12
    if len(buf) < 16:
        raise IncompleteFrame(16)
    (length,) = struct.unpack_from("<I", buf, 12)
    if length > max_payload:
        raise FramingError(f"payload length {length} above the limit {max_payload}")
    end = 16 + length + 32
    if len(buf) < end:
        raise IncompleteFrame(end)
    payload = buf[16:16 + length]
    if hashlib.sha256(payload).digest() != buf[16 + length:end]:
        raise FramingError("the payload's SHA-256 does not match the frame's digest")
    return 0, payload, end


def decode_request(buf, max_payload=MAX_PAYLOAD):
    """Decodes a request frame (what a device receives): returns (payload, used)."""
    buf = bytes(buf)
    if len(buf) < 12:
        raise IncompleteFrame(12)
    if buf[:8] != TOKEN:
        raise FramingError("not a frame: the token 'mbedprov' is missing")
    (length,) = struct.unpack_from("<I", buf, 8)
    if length == 0 or length > max_payload:
        raise FramingError(f"payload length {length} out of range")
    end = 12 + length + 32
    if len(buf) < end:
        raise IncompleteFrame(end)
    payload = buf[12:12 + length]
    if hashlib.sha256(payload).digest() != buf[12 + length:end]:
        raise FramingError("the payload's SHA-256 does not match the frame's digest")
    return payload, end


def exchange(sock, payload, timeout=30.0):
    """Sends `payload` in a request frame on a connected socket and returns the response frame's
    (status, payload)."""
    sock.settimeout(timeout)
    sock.sendall(encode(payload))
    buf = b""
    while True:
        try:
            status, body, _used = decode(buf)
            return status, body
        except IncompleteFrame as e:
            chunk = sock.recv(max(4096, e.needed - len(buf)))
            if not chunk:
                raise ConnectionError("the device closed the connection inside a frame")
            buf += chunk
