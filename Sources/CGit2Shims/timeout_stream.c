// A replacement for libgit2's plain socket stream that gives up instead of
// hanging: connects get a total time budget, and every read or write must make
// progress within a time limit. libgit2 1.5 creates every plain socket (HTTP,
// the socket under its mbedTLS stream, git://, SSH) through the registry entry
// for GIT_STREAM_STANDARD, so one registration covers all of them.
//
// Two limits of that, from libgit2 1.5's own code:
// - Under TLS, mbedTLS replaces our error text with "SSL error: ... Generic
//   error"; the time limit still applies, only the message is lost.
// - SSH only takes the connected descriptor from us (see timeout_stream);
//   libssh2 then reads and writes it itself, so for SSH only the connect is
//   bounded, not a server that goes silent afterwards.
//
// The socket is non-blocking for its whole life; every recv/send is preceded
// by poll() with the time that is left.

#include "CGit2Shims.h"

#include <git2/sys/stream.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 // Darwin: no such flag; SO_NOSIGPIPE is set instead.
#endif

// Limits in milliseconds; <= 0 means "no limit". Read at each use, so a new
// call to cgit2_register_timeout_stream applies to connections already open.
static atomic_int connect_limit_ms;
static atomic_int io_limit_ms;

// Successful connects, for cgit2_timeout_stream_connections().
static atomic_ulong connections;

// The first four members repeat the layout of libgit2 1.5's internal
// git_socket_stream (parent, host, port, socket). The SSH transport casts
// whatever git_socket_stream_new returned to that type and hands `s` to
// libssh2, so the descriptor has to sit exactly there.
typedef struct {
    git_stream parent;
    char *host;
    char *port;
    int s; // the socket, or -1 when not connected / closed
} timeout_stream;

// MARK: - Errors

// Formats into a local buffer and hands the text to git_error_set_str, the
// non-variadic setter (libgit2 copies the string).
#define SET_NET_ERROR(...)                              \
    do {                                                \
        char msg_[512];                                 \
        snprintf(msg_, sizeof msg_, __VA_ARGS__);       \
        git_error_set_str(GIT_ERROR_NET, msg_);         \
    } while (0)

// MARK: - Time

// A deadline is an absolute CLOCK_MONOTONIC time in ms, or -1 for "never".
static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t deadline_after(int limit_ms) {
    return limit_ms > 0 ? now_ms() + limit_ms : -1;
}

// What is left before `deadline`, as a poll() timeout: -1 waits forever,
// 0 means the time is up.
static int remaining_ms(int64_t deadline) {
    if (deadline < 0)
        return -1;
    int64_t left = deadline - now_ms();
    if (left <= 0)
        return 0;
    return left > INT32_MAX ? INT32_MAX : (int)left;
}

// Waits until `fd` is ready for `events` or the deadline passes.
// Returns 1 when ready (including error/hang-up, which the following
// recv/send/getsockopt will report), 0 on timeout, -1 with errno on failure.
// EINTR (a signal from elsewhere in the process) just waits for the rest.
static int wait_fd(int fd, short events, int64_t deadline) {
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
        int timeout = remaining_ms(deadline);
        int rc = poll(&pfd, 1, timeout);
        if (rc > 0)
            return 1;
        if (rc == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

// MARK: - Connect

// Options for an established connection. Failures here are not fatal: the
// connection works without them, only less well.
static void tune_socket(int fd) {
    int on = 1;
    // Lets the kernel notice a peer that vanished (e.g. a NAT dropped us)
    // during a long idle period, which io_limit_ms alone would misreport.
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    // Git's protocol is request/response with small packets; Nagle only adds
    // latency to it.
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
#ifdef SO_NOSIGPIPE
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
}

// A non-blocking socket with close-on-exec set atomically where the platform
// allows, so a child forked by another thread never inherits it.
static int open_socket(const struct addrinfo *ai) {
#if defined(SOCK_CLOEXEC) && defined(SOCK_NONBLOCK)
    return socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                  ai->ai_protocol);
#else
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd >= 0 && (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
                    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
#endif
}

// Tries one address. Returns the connected fd, or -1 with *err set to an
// errno value; *err == ETIMEDOUT with *budget_spent set means our own limit
// ran out (as opposed to the kernel giving up).
static int connect_one(const struct addrinfo *ai, int64_t deadline,
                       int *err, int *budget_spent) {
    int fd = open_socket(ai);
    if (fd < 0) {
        *err = errno;
        return -1;
    }

    // A non-blocking connect that is interrupted keeps going in the
    // background, so EINTR is handled like EINPROGRESS.
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        if (errno != EINPROGRESS && errno != EINTR) {
            *err = errno;
            close(fd);
            return -1;
        }
        int ready = wait_fd(fd, POLLOUT, deadline);
        if (ready <= 0) {
            *err = ready == 0 ? ETIMEDOUT : errno;
            *budget_spent = (ready == 0);
            close(fd);
            return -1;
        }
        int so_error = 0;
        socklen_t len = sizeof so_error;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) < 0)
            so_error = errno;
        if (so_error != 0) {
            *err = so_error;
            close(fd);
            return -1;
        }
    }

    tune_socket(fd);
    return fd;
}

static int resolve(timeout_stream *st, struct addrinfo **out) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;

    int rc = getaddrinfo(st->host, st->port, &hints, out);
    if (rc == 0)
        return 0;
    SET_NET_ERROR("failed to resolve address for %s:%s: %s", st->host, st->port,
                  rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
    return -1;
}

static int ts_connect(git_stream *stream) {
    timeout_stream *st = (timeout_stream *)stream;
    struct addrinfo *list = NULL;
    int limit = atomic_load(&connect_limit_ms);
    int64_t deadline = deadline_after(limit);
    int err = 0, budget_spent = 0;

    if (st->s >= 0) { // libgit2 never does this, but don't leak the old socket
        close(st->s);
        st->s = -1;
    }
    if (resolve(st, &list) < 0)
        return -1;

    // One budget for all addresses: a host with several dead addresses must
    // not multiply the caller's wait.
    for (const struct addrinfo *ai = list; ai && st->s < 0; ai = ai->ai_next) {
        if (remaining_ms(deadline) == 0) {
            err = ETIMEDOUT;
            budget_spent = 1;
            break;
        }
        st->s = connect_one(ai, deadline, &err, &budget_spent);
    }
    freeaddrinfo(list);

    if (st->s >= 0) {
        atomic_fetch_add(&connections, 1);
        return 0;
    }
    if (budget_spent)
        SET_NET_ERROR("could not connect to %s:%s within %d ms (network timeout)",
                      st->host, st->port, limit);
    else if (err == 0)
        SET_NET_ERROR("failed to connect to %s:%s: no usable address", st->host,
                      st->port);
    else
        SET_NET_ERROR("failed to connect to %s:%s: %s", st->host, st->port,
                      strerror(err));
    return -1;
}

// MARK: - Read / write

static ssize_t ts_read(git_stream *stream, void *data, size_t len) {
    timeout_stream *st = (timeout_stream *)stream;
    int limit = atomic_load(&io_limit_ms);
    int64_t deadline = deadline_after(limit);

    if (st->s < 0) {
        SET_NET_ERROR("read from %s:%s on a closed connection", st->host, st->port);
        return -1;
    }
    for (;;) {
        int ready = wait_fd(st->s, POLLIN, deadline);
        if (ready == 0) {
            SET_NET_ERROR("no answer from %s:%s within %d ms (network timeout)",
                          st->host, st->port, limit);
            return -1;
        }
        if (ready < 0)
            break;

        ssize_t n = recv(st->s, data, len, 0);
        if (n >= 0)
            return n; // 0 is an orderly EOF, as with libgit2's own stream
        // Readiness can be spurious; EINTR is a signal. Both: wait again,
        // within the same deadline.
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            break;
    }
    SET_NET_ERROR("error receiving data from %s:%s (%s)", st->host, st->port,
                  strerror(errno));
    return -1;
}

// Sends everything; each chunk must go out within the I/O limit.
// MSG_NOSIGNAL turns "peer hung up" into EPIPE instead of a process-killing
// SIGPIPE.
static ssize_t ts_write(git_stream *stream, const char *data, size_t len, int flags) {
    timeout_stream *st = (timeout_stream *)stream;
    int limit = atomic_load(&io_limit_ms);
    size_t off = 0;

    if (st->s < 0) {
        SET_NET_ERROR("write to %s:%s on a closed connection", st->host, st->port);
        return -1;
    }
    if (len > SSIZE_MAX) // the return value must be able to say how much
        len = SSIZE_MAX;

    while (off < len) {
        int ready = wait_fd(st->s, POLLOUT, deadline_after(limit));
        if (ready == 0) {
            SET_NET_ERROR("could not send to %s:%s within %d ms (network timeout)",
                          st->host, st->port, limit);
            return -1;
        }
        if (ready < 0)
            goto failed;

        ssize_t n = send(st->s, data + off, len - off, flags | MSG_NOSIGNAL);
        if (n >= 0) {
            off += (size_t)n;
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            goto failed;
    }
    return (ssize_t)off;

failed:
    SET_NET_ERROR("connection to %s:%s closed while sending (%s)", st->host,
                  st->port, strerror(errno));
    return -1;
}

// MARK: - Lifetime

// Idempotent: libgit2 may close and later free, and free also closes.
// A close() error on a socket tells nothing useful (the data is gone or
// already delivered), and retrying after EINTR would risk closing an fd
// another thread just got, so the result is ignored.
static int ts_close(git_stream *stream) {
    timeout_stream *st = (timeout_stream *)stream;
    if (st->s >= 0) {
        close(st->s);
        st->s = -1;
    }
    return 0;
}

static void ts_free(git_stream *stream) {
    timeout_stream *st = (timeout_stream *)stream;
    if (!st)
        return;
    ts_close(stream);
    free(st->host);
    free(st->port);
    free(st);
}

static char *copy_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

// The registry's `init`: allocates a stream, connects nothing yet.
static int ts_new(git_stream **out, const char *host, const char *port) {
    timeout_stream *st = calloc(1, sizeof *st);
    if (!st) {
        git_error_set_oom();
        return -1;
    }
    st->s = -1;
    st->host = copy_string(host);
    st->port = copy_string(port);
    if (!st->host || !st->port) {
        ts_free(&st->parent);
        git_error_set_oom();
        return -1;
    }

    st->parent.version = GIT_STREAM_VERSION;
    st->parent.encrypted = 0;
    st->parent.proxy_support = 0;
    st->parent.connect = ts_connect;
    st->parent.certificate = NULL;
    st->parent.set_proxy = NULL;
    st->parent.read = ts_read;
    st->parent.write = ts_write;
    st->parent.close = ts_close;
    st->parent.free = ts_free;

    *out = &st->parent;
    return 0;
}

// MARK: - Public

int cgit2_register_timeout_stream(int connect_timeout_ms, int io_timeout_ms) {
    // libgit2 copies the registration, so a local would do; static keeps it
    // obviously valid.
    static git_stream_registration registration = {
        .version = GIT_STREAM_VERSION,
        .init = ts_new,
        .wrap = NULL, // only TLS streams wrap others
    };

    atomic_store(&connect_limit_ms, connect_timeout_ms);
    atomic_store(&io_limit_ms, io_timeout_ms);
    return git_stream_register(GIT_STREAM_STANDARD, &registration);
}

unsigned long cgit2_timeout_stream_connections(void) {
    return atomic_load(&connections);
}
