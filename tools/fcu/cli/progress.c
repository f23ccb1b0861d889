/* SPDX-License-Identifier: Apache-2.0 */
/* Progress display of `fcu batch` (see progress.h). All output goes through one mutex so lines
 * of different worker threads never interleave. */
#include "progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_format(char *buf, size_t size, size_t total, size_t done, size_t ok,
                     size_t failed, size_t in_flight, double rate, int width)
{
    char bar[64];
    if (width > (int)sizeof(bar) - 1)
        width = (int)sizeof(bar) - 1;
    int fill = total ? (int)((double)done * width / (double)total) : width;
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    char eta[32] = "";
    if (rate > 0 && done < total)
        snprintf(eta, sizeof(eta), "  ETA %.0fs", (double)(total - done) / rate);
    snprintf(buf, size, "[%s] %zu/%zu  ok %zu  failed %zu  in flight %zu  %.1f dev/s%s", bar,
             done, total, ok, failed, in_flight, rate, eta);
}

void progress_init(progress_t *p, FILE *out, size_t total, int tty)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->total = total;
    p->tty = tty < 0 ? isatty(fileno(out)) != 0 : tty != 0;
    p->t0 = mono();
    pthread_mutex_init(&p->lock, NULL);
}

static double rate_locked(const progress_t *p)
{
    double el = mono() - p->t0;
    return el > 0 ? (double)p->done / el : 0.0;
}

double progress_rate(progress_t *p)
{
    pthread_mutex_lock(&p->lock);
    double r = rate_locked(p);
    pthread_mutex_unlock(&p->lock);
    return r;
}

static void draw_locked(progress_t *p, bool force)
{
    if (!p->tty)
        return;
    double t = mono();
    if (!force && p->drawn && t - p->last_draw < 0.1)
        return;
    char line[256];
    progress_format(line, sizeof(line), p->total, p->done, p->ok, p->failed, p->in_flight,
                    rate_locked(p), 30);
    fprintf(p->out, "\r\033[K%s", line);
    fflush(p->out);
    p->drawn = true;
    p->last_draw = t;
}

static void line_locked(progress_t *p, const char *line)
{
    if (p->tty && p->drawn)
        fputs("\r\033[K", p->out);
    fprintf(p->out, "%s\n", line);
    p->drawn = false;
    fflush(p->out);
}

void progress_start(progress_t *p)
{
    pthread_mutex_lock(&p->lock);
    p->in_flight++;
    draw_locked(p, false);
    pthread_mutex_unlock(&p->lock);
}

void progress_done(progress_t *p, bool ok, const char *line)
{
    pthread_mutex_lock(&p->lock);
    if (p->in_flight > 0)
        p->in_flight--;
    p->done++;
    if (ok)
        p->ok++;
    else
        p->failed++;
    if (line != NULL && (!p->tty || !ok))
        line_locked(p, line);
    draw_locked(p, !ok);
    pthread_mutex_unlock(&p->lock);
}

void progress_note(progress_t *p, const char *line)
{
    pthread_mutex_lock(&p->lock);
    line_locked(p, line);
    draw_locked(p, true);
    pthread_mutex_unlock(&p->lock);
}

void progress_finish(progress_t *p)
{
    pthread_mutex_lock(&p->lock);
    if (p->tty) {
        draw_locked(p, true);
        fputc('\n', p->out);
        fflush(p->out);
    }
    pthread_mutex_unlock(&p->lock);
    pthread_mutex_destroy(&p->lock);
}
