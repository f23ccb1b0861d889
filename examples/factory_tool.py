#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A factory tool of the ecosystem's demo shape, written on the Python API (FactoryToolApi):

    factory_tool.py inject --endpoint-name EP --serial-number SN tcp --ip IP --port PORT
    factory_tool.py setup

It prepares the device's configuration with libfcu, sends it over TCP in a request frame
(fcu.framing), reads the device's response frame and lets the API judge the answer; when the
answer asks for a next message (keys generated on the device), it sends that too, on the same
connection. The FCU home is $FCU_HOME_DIR (or --home). Exit status: 0 the device reports
success, 1 validation failed or the device refused, 2 usage or transport error."""
import argparse
import socket
import sys

from fcu import FactoryToolApi, framing


def main(argv=None):
    p = argparse.ArgumentParser(prog="factory_tool.py")
    p.add_argument("--home", help="FCU home folder (default: $FCU_HOME_DIR)")
    p.add_argument("--config", help="configuration file (default: <home>/config/fcu.yml)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="create the FCU CA")
    inj = sub.add_parser("inject", help="provision one device")
    inj.add_argument("--endpoint-name", required=True)
    inj.add_argument("--serial-number", required=True)
    inj.add_argument("--device-keys", help="folder of externally supplied device keys")
    inj.add_argument("--timeout", type=float, default=60.0)
    tr = inj.add_subparsers(dest="transport", required=True)
    tcp = tr.add_parser("tcp", help="the device listens on TCP")
    tcp.add_argument("--ip", required=True)
    tcp.add_argument("--port", type=int, required=True)
    a = p.parse_args(argv)

    api = FactoryToolApi(a.home, a.config)
    if a.command == "setup":
        st = api.setup()
        for e in st.error_info:
            print(f"error {e.code} [{e.parameter}]: {e.message}", file=sys.stderr)
        print(f"setup status {st.status}: certificate {st.ca_details.certificate_file}")
        return 0 if st.status == 0 else 1

    req = api.prepare_device_configuration(a.endpoint_name, a.serial_number, a.device_keys)
    for w in req.warning_list:
        print(f"warning {w.code} [{w.parameter}]: {w.message}")
    if req.status != 0:
        for e in req.error_list:
            print(f"error {e.code} [{e.parameter}]: {e.message}", file=sys.stderr)
        return 1
    if req.enrollment_id:
        print(f"enrollment id: {req.enrollment_id}")
    message, ctx = req.config_data, req.fcu_operation_context
    try:
        with socket.create_connection((a.ip, a.port), timeout=a.timeout) as s:
            while True:
                status, payload = framing.exchange(s, message, a.timeout)
                if status != 0:
                    print(f"transport status {status} from the device", file=sys.stderr)
                    return 2
                st = api.process_device_response(payload, ctx)
                if st.config_data is None:
                    break
                message = st.config_data
    except (OSError, framing.FramingError) as e:
        print(f"transport error: {e}", file=sys.stderr)
        return 2
    for w in st.warnings:
        print(f"device warning: {w!r}")
    print(f"ReturnStatus {st.status}: {st.message.strip()!r}")
    if st.enrollment_id and not req.enrollment_id:
        print(f"enrollment id: {st.enrollment_id}")
    return 0 if st.status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
