import Testing

/// The suites that change libgit2's process-wide settings (network time limits, CA
/// locations, `SSH_AUTH_SOCK`) or time network failures are nested in this one and run
/// one test at a time, so no test ever sees another's settings. Suites that touch no
/// process-wide state run in parallel outside it.
@Suite("Network, one test at a time", .serialized)
struct NetworkSuite {}
