/*
 * xen-nohv-shim.c: lets Xen's C xenstored (Debian 12, Xen 4.17) run on a machine with
 * no hypervisor, serving only its Unix socket, so the xenstore benchmarks can put the
 * same load on it as on xenlab's daemon. LD_PRELOAD this library; it is written for
 * xenlab (not taken from Xen) and stands in for the hypervisor interfaces xenstored
 * opens at start-up:
 *
 *  - xc_interface_open / xc_domain_getinfo (libxenctrl): a handle that answers "dom0
 *    exists" and "no other domain exists";
 *  - xenevtchn_* (libxenevtchn): an event-channel handle whose fd (a pipe) never
 *    becomes readable; binds return made-up port numbers;
 *  - xengnttab_* (libxengnttab): a grant-table handle that maps nothing;
 *  - open("/proc/xen/xsd_port") and open("/proc/xen/xsd_kva"): dom0's xenstore event
 *    channel number and ring page, as a memfd ("1") and a zeroed 4 KiB memfd, so
 *    dom0_init() succeeds; nothing ever writes that ring, so xenstored only serves
 *    socket clients.
 *
 * Why it is needed: xenstored 4.17 without -D exits ("Failed to open connection to
 * hypervisor": no /dev/xen/privcmd), and with -D (--no-domain-init) it segfaults on the
 * first request, dereferencing the never-opened xenctrl handle while accounting dom0.
 * Nothing here changes how xenstored handles requests.
 *
 * Build: cc -shared -fPIC -O2 -o xen-nohv-shim.so xen-nohv-shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

static int memfd_with(const char *data, size_t len, size_t size)
{
    int fd = memfd_create("xen-nohv-shim", 0);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, size) != 0)
        return -1;
    if (len && pwrite(fd, data, len, 0) != (ssize_t)len)
        return -1;
    return fd;
}

static int real_open(const char *path, int flags, int mode)
{
    int (*o)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    return o(path, flags, mode);
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    int mode;
    va_start(ap, flags);
    mode = va_arg(ap, int);
    va_end(ap);
    if (strcmp(path, "/proc/xen/xsd_port") == 0)
        return memfd_with("1", 1, 1);
    if (strcmp(path, "/proc/xen/xsd_kva") == 0)
        return memfd_with(NULL, 0, 4096);
    return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    int mode;
    va_start(ap, flags);
    mode = va_arg(ap, int);
    va_end(ap);
    return open(path, flags, mode);
}

static char handle[64];
static int pipefd[2] = { -1, -1 };
static int next_port = 10;

void *xc_interface_open(void *logger, void *dombuild_logger, unsigned flags) { return handle; }
int xc_interface_close(void *xch) { return 0; }
/* Only dom0 exists: fill in domid 0 and clear the flag word (not dying, not shut down). */
int xc_domain_getinfo(void *xch, uint32_t first_domid, unsigned int max_doms, void *info)
{
    if (first_domid != 0 || max_doms < 1)
        return 0;
    memset(info, 0, 16);
    return 1;
}

void *xenevtchn_open(void *logger, unsigned open_flags)
{
    if (pipefd[0] < 0 && pipe(pipefd) != 0)
        return NULL;
    return handle;
}
void *xenevtchn_fdopen(void *logger, int fd, unsigned open_flags) { return xenevtchn_open(logger, open_flags); }
int xenevtchn_fd(void *xce) { return pipefd[0]; }
int xenevtchn_bind_virq(void *xce, unsigned int virq) { return 2; }
int xenevtchn_bind_interdomain(void *xce, uint32_t domid, uint32_t remote_port) { return next_port++; }
int xenevtchn_notify(void *xce, uint32_t port) { return 0; }
int xenevtchn_pending(void *xce) { return -1; }
int xenevtchn_unmask(void *xce, uint32_t port) { return 0; }
int xenevtchn_unbind(void *xce, uint32_t port) { return 0; }

void *xengnttab_open(void *logger, unsigned open_flags) { return handle; }
int xengnttab_close(void *xgt) { return 0; }
int xengnttab_set_max_grants(void *xgt, uint32_t nr_grants) { return 0; }
void *xengnttab_map_grant_ref(void *xgt, uint32_t domid, uint32_t ref, int prot) { return NULL; }
int xengnttab_unmap(void *xgt, void *start_address, uint32_t count) { return 0; }
