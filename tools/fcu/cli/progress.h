/* SPDX-License-Identifier: Apache-2.0 */
/* Progress display of `fcu batch`, shared by its worker threads: on a terminal a one-line bar
 * redrawn in place (counts, rate, time left) with failures printed above it; otherwise (a log
 * file, a pipe, CI) one plain line per finished device, so the output stays greppable. */
#ifndef FCU_PROGRESS_H
#define FCU_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct progress {
    FILE *out;       /* borrowed */
    bool tty;        /* draw the bar */
    size_t total, done, ok, failed, in_flight;
    double t0;       /* start, monotonic seconds */
    double last_draw;
    bool drawn;      /* a bar is on screen (must be cleared before printing a line) */
    pthread_mutex_t lock;
} progress_t;

/* Starts a display of `total` devices on `out`. tty: 1 bar, 0 plain lines, -1 decide with
 * isatty(fileno(out)). */
void progress_init(progress_t *p, FILE *out, size_t total, int tty);

/* A device goes in flight. */
void progress_start(progress_t *p);

/* A device is done; `line` (may be NULL) is printed: always in plain mode, and on a terminal
 * only for failures (successes just move the bar). */
void progress_done(progress_t *p, bool ok, const char *line);

/* A message that is not about one device (e.g. "interrupted"), printed above the bar. */
void progress_note(progress_t *p, const char *line);

/* Devices per second since the start. */
double progress_rate(progress_t *p);

/* Draws the final bar (terminal) and ends its line. Then the object may be dropped. */
void progress_finish(progress_t *p);

/* The bar text for the given counts into buf (exposed for tests). */
void progress_format(char *buf, size_t size, size_t total, size_t done, size_t ok,
                     size_t failed, size_t in_flight, double rate, int width);

#endif /* FCU_PROGRESS_H */
