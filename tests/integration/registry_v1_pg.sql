-- SPDX-License-Identifier: Apache-2.0
-- A provisioning registry of schema version 1, exactly as fcu created it before issue 20
-- (tools/fcu/registry_pg.c then), with one provisioned device and one attempt left in progress by
-- a station that died. registry_pg.sh loads it and checks that today's fcu migrates it on open.
CREATE TABLE registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO registry_meta(key, value) VALUES ('schema_version', '1');
CREATE TABLE attempts ( id BIGSERIAL PRIMARY KEY, station TEXT NOT NULL, started_at TEXT NOT NULL,
 finished_at TEXT, endpoint_name TEXT NOT NULL, serial_number TEXT NOT NULL, mode TEXT,
 transport TEXT, cert_serial TEXT, cert_sha256 TEXT, enrollment_id TEXT, outcome TEXT NOT NULL,
 device_status INTEGER, transport_status INTEGER, info_message TEXT, warnings TEXT, error TEXT);
CREATE INDEX attempts_endpoint ON attempts(endpoint_name);
CREATE INDEX attempts_serial ON attempts(serial_number);
CREATE TABLE claims ( kind TEXT NOT NULL CHECK (kind IN ('endpoint', 'serial')), value TEXT NOT NULL,
 attempt_id BIGINT NOT NULL REFERENCES attempts(id), previous_attempt_id BIGINT REFERENCES attempts(id),
 state TEXT NOT NULL CHECK (state IN ('pending', 'provisioned')), PRIMARY KEY (kind, value));
CREATE INDEX claims_attempt ON claims(attempt_id);
INSERT INTO attempts(station, started_at, finished_at, endpoint_name, serial_number, mode, transport,
  cert_serial, cert_sha256, enrollment_id, outcome, device_status, transport_status, info_message)
VALUES ('line1', '2026-11-25T23:30:34.152Z', '2026-11-25T23:30:34.301Z', 'old-ep-1', 'OLD-SN-1',
  'bootstrap', 'tcp:127.0.0.1:7001', '51BBBF6BF252D079',
  'DA:67:50:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:07:01',
  NULL, 'success', 0, 0, E'The Factory process succeeded\n');
INSERT INTO attempts(station, started_at, endpoint_name, serial_number, mode, transport, outcome)
VALUES ('line2', '2026-11-25T23:31:00.000Z', 'old-ep-2', 'OLD-SN-2', 'bootstrap',
  'tcp:127.0.0.1:7002', 'in_progress');
INSERT INTO claims VALUES ('endpoint', 'old-ep-1', 1, NULL, 'provisioned'),
  ('serial', 'OLD-SN-1', 1, NULL, 'provisioned'), ('endpoint', 'old-ep-2', 2, NULL, 'pending'),
  ('serial', 'OLD-SN-2', 2, NULL, 'pending');
