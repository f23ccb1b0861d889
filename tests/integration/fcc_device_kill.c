/* SPDX-License-Identifier: Apache-2.0 */
/* Kill test of the store image's creation (issue 11): `fcc-device apply` on an image that does
 * not exist yet is killed with SIGKILL at seeded random instants of its run, many times; after
 * each kill the next commands must find either no image or a complete one: `list` exits 0 (a
 * missing image is created), `apply` of the same bundle exits 0 or 1 (never 2, the "not an
 * image" / usage status). The instants are drawn over the length of
 * one uninterrupted apply measured first, skewed towards its start where the image is created.
 * Prints how many kills landed before the process ended. No timing is asserted.
 * Usage: fcc_device_kill FCC_DEVICE BUNDLE WORKDIR [RUNS [SEED]] */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *dev, *bundle;
static char image[4096];

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Starts `fcc-device --store IMAGE --store-size 64K --time 1893456000 CMD [ARG]` with its
 * output to /dev/null. */
static pid_t start(const char *cmd, const char *arg)
{
    pid_t pid = fork();
    if (pid == 0) {
        FILE *n = freopen("/dev/null", "w", stdout);
        (void)n;
        n = freopen("/dev/null", "w", stderr);
        (void)n;
        if (arg != NULL)
            execl(dev, dev, "--store", image, "--store-size", "64K", "--time", "1893456000", cmd,
                  arg, (char *)NULL);
        else
            execl(dev, dev, "--store", image, "--store-size", "64K", "--time", "1893456000", cmd,
                  (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int wait_rc(pid_t pid, int *sig)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    *sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run(const char *cmd, const char *arg)
{
    int sig;
    return wait_rc(start(cmd, arg), &sig);
}

/* Removes the image and any temporary file a killed creation left beside it. */
static void clean(const char *dir)
{
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "rm -f '%s'/dev.img*", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot clean %s\n", dir);
}

int main(int argc, char **argv)
{
    int runs, failures = 0, killed = 0, finished = 0, no_image = 0, i;
    int64_t dur, t0;
    struct stat stt;

    if (argc < 4) {
        fprintf(stderr, "usage: %s FCC_DEVICE BUNDLE WORKDIR [RUNS [SEED]]\n", argv[0]);
        return 2;
    }
    dev = argv[1];
    bundle = argv[2];
    runs = argc > 4 ? atoi(argv[4]) : 100;
    rng_state = argc > 5 ? strtoull(argv[5], NULL, 0) : 0x2545f4914f6cdd1dull;
    if (rng_state == 0)
        rng_state = 1;
    snprintf(image, sizeof(image), "%s/dev.img", argv[3]);

    /* One uninterrupted first apply: how long the instants range over. */
    clean(argv[3]);
    t0 = now_ns();
    if (run("apply", bundle) != 0) {
        fprintf(stderr, "the bundle does not apply on a fresh image\n");
        return 2;
    }
    dur = now_ns() - t0;

    for (i = 0; i < runs; i++) {
        uint64_t r = rnd() % 1000000;
        /* Skewed towards the start: (r/1e6)^2 of the run's length. */
        int64_t delay = (int64_t)((double)dur * ((double)r / 1e6) * ((double)r / 1e6));
        struct timespec ts = {(time_t)(delay / 1000000000), (long)(delay % 1000000000)};
        int sig = 0, rc;
        pid_t pid;

        clean(argv[3]);
        pid = start("apply", bundle);
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        rc = wait_rc(pid, &sig);
        if (sig == SIGKILL)
            killed++;
        else
            finished++;
        (void)rc;
        if (stat(image, &stt) != 0)
            no_image++;
        if ((rc = run("list", NULL)) != 0) {
            fprintf(stderr, "run %d (killed after %lld ns): list exits %d\n", i,
                    (long long)delay, rc);
            failures++;
            continue;
        }
        rc = run("apply", bundle);
        if (rc != 0 && rc != 1) {
            fprintf(stderr, "run %d (killed after %lld ns): apply exits %d\n", i,
                    (long long)delay, rc);
            failures++;
            continue;
        }
    }
    clean(argv[3]);
    printf("kill test: %d runs, %d killed (%d left no image), %d finished first, "
           "%d failures (one apply: %.1f ms)\n",
           runs, killed, no_image, finished, failures, (double)dur / 1e6);
    return failures == 0 ? 0 : 1;
}
