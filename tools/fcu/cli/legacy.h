/* SPDX-License-Identifier: Apache-2.0 */
/* The bridge of the factory-line commands (inject, batch, registry) that still run on libfcu's
 * insides (fcu_ctx_t, line.h, registry.h) instead of the public API: the context made from the
 * front's global options, the line commands' options, and the old option helpers. Everything
 * that includes this header is marked cli-pending in tools/fcu/LAYERS; moving a command onto
 * <fcu/fcu.h> removes its include of this header. */
#ifndef FCU_CLI_LEGACY_H
#define FCU_CLI_LEGACY_H

#include "cli.h"
#include "line.h"

/* libfcu's context with the front's global options applied; free with fcu_ctx_free. */
void fcu_legacy_ctx(const fcu_cli_t *cli, fcu_ctx_t *ctx);
/* Runs a command on a context made from the front's options (fcu_cli_inject and the others). */
int fcu_legacy_run(int (*run)(fcu_ctx_t *, int, char **), fcu_cli_t *cli, int argc,
                   char **argv);
/* The front's option helpers on the context and device request of libfcu's insides. */
int fcu_common_option(fcu_ctx_t *ctx, int opt, const char *arg);
int fcu_device_option(fcu_device_req_t *req, int opt, const char *arg);

extern const char line_options_help[];
/* Applies a line option. 1 handled, 0 not a line option, -1 bad value (message printed). */
int line_option(line_opts_t *o, int opt, const char *arg, const char *prog);

/* The commands, on the context. */
int fcu_cmd_inject(fcu_ctx_t *ctx, int argc, char **argv);
int fcu_cmd_batch(fcu_ctx_t *ctx, int argc, char **argv);

#endif /* FCU_CLI_LEGACY_H */
