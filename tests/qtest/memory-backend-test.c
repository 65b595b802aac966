/*
 * Memory backends end to end: guest RAM from -object memory-backend-*
 * with -machine memory-backend=ID, read and written through qtest, and
 * one-line errors (exit status 1) for bad backend options.
 */
#include "libqtest.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void check_ram_rw(QTestState *qts, uint64_t ram_size)
{
    uint8_t out[4096], in[4096];

    for (unsigned i = 0; i < sizeof(out); i++) {
        out[i] = (uint8_t)(i * 13 + 7);
    }
    /* low, middle and the last page of RAM */
    uint64_t addrs[] = { 0x100000, ram_size / 2, ram_size - sizeof(out) };
    for (unsigned i = 0; i < G_N_ELEMENTS(addrs); i++) {
        qtest_memwrite(qts, addrs[i], out, sizeof(out));
        memset(in, 0, sizeof(in));
        qtest_memread(qts, addrs[i], in, sizeof(in));
        g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    }
    qtest_writeq(qts, 0x200000, 0x0123456789abcdefULL);
    g_assert_cmphex(qtest_readq(qts, 0x200000), ==, 0x0123456789abcdefULL);
    g_assert_cmphex(qtest_readl(qts, 0x200004), ==,
                    qtest_big_endian(qts) ? 0x89abcdef : 0x01234567);
}

static json_t *qom_get(QTestState *qts, const char *path, const char *prop)
{
    json_t *r = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                          "{'path': %s, 'property': %s}}", path, prop);
    json_t *ret = json_incref(json_object_get(r, "return"));

    g_assert_nonnull(ret);
    json_decref(r);
    return ret;
}

static void test_memfd(void)
{
    QTestState *qts = qtest_init("-object memory-backend-memfd,id=mem,"
                                 "size=64M,share=on -machine memory-backend=mem"
                                 " -m 64M");
    check_ram_rw(qts, 64 * 1024 * 1024);

    json_t *size = qom_get(qts, "/objects/mem", "size");
    g_assert_cmpint(json_integer_value(size), ==, 64 * 1024 * 1024);
    json_decref(size);
    json_t *share = qom_get(qts, "/objects/mem", "share");
    g_assert_true(json_is_true(share));
    json_decref(share);
    qtest_quit(qts);
}

static void test_ram(void)
{
    QTestState *qts = qtest_init("-object memory-backend-ram,id=mem,size=32M"
                                 " -machine memory-backend=mem");
    check_ram_rw(qts, 32 * 1024 * 1024);
    qtest_quit(qts);
}

/*
 * A shared file backend: what the guest writes is in the file, and what
 * is written to the file the guest sees.
 */
static void test_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("kite-membackend-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "guest.ram", NULL);
    QTestState *qts = qtest_initf("-object memory-backend-file,id=mem,"
                                  "size=32M,share=on,mem-path=%s "
                                  "-machine memory-backend=mem -m 32M", path);
    check_ram_rw(qts, 32 * 1024 * 1024);

    static const uint8_t marker[8] = "kite-mem";
    qtest_memwrite(qts, 0x300000, marker, sizeof(marker));
    int fd = open(path, O_RDWR);
    g_assert_cmpint(fd, >=, 0);
    uint8_t buf[8] = { 0 };
    g_assert_cmpint(pread(fd, buf, sizeof(buf), 0x300000), ==, sizeof(buf));
    g_assert_cmpmem(buf, sizeof(buf), marker, sizeof(marker));

    static const uint8_t from_host[4] = { 0x11, 0x22, 0x33, 0x44 };
    g_assert_cmpint(pwrite(fd, from_host, 4, 0x300100), ==, 4);
    uint8_t seen[4];
    qtest_memread(qts, 0x300100, seen, 4);
    g_assert_cmpmem(seen, 4, from_host, 4);
    close(fd);

    qtest_quit(qts);
    g_unlink(path);
    g_rmdir(dir);
}

/* Run the binary with @args; return its exit status and stderr. */
static int run_binary(const char *binary, const char *args, char **err_out)
{
    g_autofree char *cmd = g_strdup_printf("timeout 20 %s -M none "
                                           "-display none %s", binary, args);
    g_auto(GStrv) argv = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) envp = g_get_environ();
    int status = -1;

    /* the messages are under test here, not leaks at exit */
    envp = g_environ_setenv(envp, "ASAN_OPTIONS", "detect_leaks=0", TRUE);
    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, &err));
    g_assert_true(g_spawn_sync(NULL, argv, envp,
                               G_SPAWN_SEARCH_PATH |
                               G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, err_out, &status, &err));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* QEMU's message without "qemu-system-x86_64: " and "-object ...: ". */
static char *peer_message(const char *args)
{
    const char *peer = g_getenv("QEMU_PEER_BINARY");
    g_autofree char *path = peer ? g_find_program_in_path(peer) : NULL;
    g_autofree char *err = NULL;

    if (!path || run_binary(path, args, &err) != 1) {
        return NULL;
    }
    g_strchomp(err);
    const char *msg = strchr(err, ':');
    if (!msg || strchr(err, '\n')) {
        return NULL;
    }
    msg += 2;
    if (g_str_has_prefix(msg, "-object ")) {
        msg = strstr(msg, ": ") + 2;
    }
    return g_strdup(msg);
}

typedef struct BadOption {
    const char *args;
    const char *message;
} BadOption;

static const BadOption bad_options[] = {
    { "-object memory-backend-ram,id=m", "Parameter 'size' is missing" },
    { "-object memory-backend-ram,id=m,size=0",
      "property 'size' of memory-backend-ram doesn't take value '0'" },
    { "-object memory-backend-memfd,id=m,size=0",
      "property 'size' of memory-backend-memfd doesn't take value '0'" },
    { "-object memory-backend-file,id=m,size=4M",
      "Parameter 'mem-path' is missing" },
    { "-object memory-backend-memfd,id=m,size=4M,mem-path=/tmp",
      "Invalid parameter 'mem-path'" },
    { "-object memory-backend-file,id=m,size=4M,"
      "mem-path=/nonexistent-kite/dir/x",
      "can't open backing store /nonexistent-kite/dir/x for guest RAM: "
      "No such file or directory" },
    { "-object memory-backend-memfd,id=m,size=4M,hugetlb=on,hugetlbsize=3M",
      "Hugepage size must be a power of 2" },
    { "-object memory-backend-ram,id=m,size=4M,share=maybe",
      "Parameter 'share' expects 'on' or 'off'" },
    { "-object memory-backend,id=m,size=4M",
      "Parameter 'qom-type' does not accept value 'memory-backend'" },
};

static void test_bad_options(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(bad_options); i++) {
        const BadOption *b = &bad_options[i];
        g_autofree char *err = NULL;
        int status = run_binary(qtest_qemu_binary(), b->args, &err);

        g_test_message("%s -> %s", b->args, err);
        g_assert_cmpint(status, ==, 1);
        /* one line, ending with the message */
        g_assert_true(g_str_has_suffix(err, "\n"));
        g_assert_true(strchr(err, '\n') == err + strlen(err) - 1);
        g_strchomp(err);
        g_assert_true(g_str_has_suffix(err, b->message));

        /* and the same words as QEMU, when it is here to ask */
        g_autofree char *peer = peer_message(b->args);
        if (peer) {
            g_test_message("QEMU says: %s", peer);
            g_assert_cmpstr(peer, ==, b->message);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/memory-backend/memfd", test_memfd);
    qtest_add_func("/memory-backend/ram", test_ram);
    qtest_add_func("/memory-backend/file", test_file);
    qtest_add_func("/memory-backend/bad-options", test_bad_options);
    return g_test_run();
}
