// Typed wrappers around libgit2's variadic calls (Swift cannot call C variadics),
// and a plain socket stream with connect/read/write time limits.
#ifndef CGIT2_SHIMS_H
#define CGIT2_SHIMS_H

#include <git2.h>

static inline int cgit2_set_ssl_cert_locations(const char *file, const char *path) {
    return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, path);
}

static inline int cgit2_set_user_agent(const char *agent) {
    return git_libgit2_opts(GIT_OPT_SET_USER_AGENT, agent);
}

static inline int cgit2_enable_strict_hash_verification(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}

static inline int cgit2_enable_fsync_gitdir(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, enabled);
}

static inline int cgit2_get_search_path(int level, git_buf *out) {
    return git_libgit2_opts(GIT_OPT_GET_SEARCH_PATH, level, out);
}

/// Registers, for every connection libgit2 makes (HTTP, HTTPS under its TLS
/// layer, SSH), a socket stream that gives up when connecting takes longer
/// than `connect_timeout_ms` or when a read or write makes no progress for
/// `io_timeout_ms`. libgit2 1.5 has no such limits of its own, so a remote
/// that accepts and never answers would hang a push forever.
/// Safe to call again to change the limits. Returns 0 or a libgit2 error code.
/// A limit <= 0 means no limit for that phase. Call after git_libgit2_init().
/// Caveats in libgit2 1.5: over SSH only the connect is bounded (libssh2 does
/// its own I/O on the socket), and under TLS a timeout is reported by mbedTLS
/// as "SSL error: ... Generic error" rather than with our message.
int cgit2_register_timeout_stream(int connect_timeout_ms, int io_timeout_ms);

/// How many connections the timeout stream has established in this process
/// (for tests and diagnostics: proves traffic really goes through it).
unsigned long cgit2_timeout_stream_connections(void);

#endif
