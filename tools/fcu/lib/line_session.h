/* SPDX-License-Identifier: Apache-2.0 */
/* The factory line's by_device session (session.c): line_provision hands a by_device device to
 * line_by_device once the device is claimed, and records what it reports. */
#ifndef FCU_LINE_SESSION_H
#define FCU_LINE_SESSION_H

#include "line.h"
#include "registry.h"

/* Runs the two-message session with the device of `job` under session id `sid`: message 1 (key
 * pair and CSR), the CSR checked and the certificate issued, message 2 (the certificate and the
 * configuration). Fills rep (exit, outcome, statuses, messages, certificate fingerprint, serial
 * and enrollment ID, error) as line_provision does for one message; the caller records it.
 * *t_link and *t_dev receive the seconds on the link and at the device over both messages.
 * With a registry (`reg` may be NULL) the attempt is written ahead before each message: the SID
 * and two messages before message 1, the issued certificate before message 2. */
void line_by_device(fcu_ctx_t *ctx, registry_t *reg, const line_opts_t *o,
                    const line_job_t *job, const char *sid, line_report_t *rep, double *t_link,
                    double *t_dev);

#endif /* FCU_LINE_SESSION_H */
