/*
 * Running a binary with any command line and collecting its exit status
 * and output, for tests of start-up errors (kite_run_cmdline).
 */
#include "libqtest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool kite_run_cmdline_full(const char *const *argv, int *status,
                           char **stdout_text, char **stderr_text)
{
    int out_pipe[2], err_pipe[2];
    GString *out = g_string_new(NULL), *err = g_string_new(NULL);
    struct timespec start, now;
    int wstatus = 0;
    pid_t pid;
    int open_fds = 2;

    if (pipe2(out_pipe, O_CLOEXEC) < 0) {
        return false;
    }
    if (pipe2(err_pipe, O_CLOEXEC) < 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return false;
    }
    pid = fork();
    if (pid < 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        close(err_pipe[0]);
        close(err_pipe[1]);
        return false;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(devnull, 0);
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], g_strerror(errno));
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    clock_gettime(CLOCK_MONOTONIC, &start);
    struct pollfd fds[2] = {
        { .fd = out_pipe[0], .events = POLLIN },
        { .fd = err_pipe[0], .events = POLLIN },
    };
    while (open_fds) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > 60) {
            kill(pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, 1000) < 0 && errno != EINTR) {
            break;
        }
        for (int i = 0; i < 2; i++) {
            char buf[4096];
            ssize_t n;

            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) {
                continue;
            }
            n = read(fds[i].fd, buf, sizeof(buf));
            if (n > 0) {
                g_string_append_len(i ? err : out, buf, n);
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++) {
        if (fds[i].fd >= 0) {
            close(fds[i].fd);
        }
    }
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    if (status) {
        *status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
                  : 128 + WTERMSIG(wstatus);
    }
    if (stdout_text) {
        *stdout_text = g_string_free(out, FALSE);
    } else {
        g_string_free(out, TRUE);
    }
    if (stderr_text) {
        *stderr_text = g_string_free(err, FALSE);
    } else {
        g_string_free(err, TRUE);
    }
    return true;
}

bool kite_run_cmdline(const char *const *argv, int *status,
                      char **stderr_text)
{
    return kite_run_cmdline_full(argv, status, NULL, stderr_text);
}
