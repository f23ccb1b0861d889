/* SPDX-License-Identifier: Apache-2.0 */
/* The device list of `fcu batch`: a CSV file with one device a row (endpoint name, serial
 * number, transport address, optional device-keys folder). Comma separated, fields may be
 * double-quoted ("" inside quotes is a quote), blank lines and lines starting with '#' are
 * skipped, and a first row whose first field is "endpoint_name" or "endpoint" is a header.
 * Errors name the file and line. Format described in docs/fcu-batch.md. */
#ifndef FCU_CSV_H
#define FCU_CSV_H

#include <stddef.h>

typedef struct csv_device {
    char *endpoint_name;
    char *serial_number;
    char *address;     /* "tcp:HOST:PORT" or "serial:PATH[@BAUD]" (checked by the caller) */
    char *device_keys; /* NULL when the column is empty or absent; relative paths are made
                          relative to the CSV file's folder */
    int line;          /* line number in the file, for messages */
} csv_device_t;

typedef struct csv_devices {
    csv_device_t *v;
    size_t n;
} csv_devices_t;

/* Splits one line (without its newline) into at most `max` fields, unquoting them in place in
 * `line`. Returns the number of fields, or -1 for an unterminated quote or too many fields. */
int csv_split(char *line, char **fields, int max);

/* Loads every device of `path`. A row with fewer than 3 or more than 4 fields, an empty
 * endpoint/serial/address, or an endpoint name or serial number that appears twice is an error.
 * Returns 0 (out filled, free with csv_devices_free) or -1 with `err` saying where and why. */
int csv_devices_load(const char *path, csv_devices_t *out, char *err, size_t errlen);

void csv_devices_free(csv_devices_t *d);

#endif /* FCU_CSV_H */
