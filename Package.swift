// swift-tools-version: 6.0
// codex-bot: one native binary that turns issues and failing tests into pull requests.
// Module map: see DESIGN.md §5 (in ../shared) and README.md "Layout".
import PackageDescription

let package = Package(
    name: "codex-bot",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "codex-bot", targets: ["codex-bot"]),
        .executable(name: "codex-bot-bench", targets: ["codex-bot-bench"]),
        .library(name: "GitKit", targets: ["GitKit"]),
        .library(name: "HTTPKit", targets: ["HTTPKit"]),
        .library(name: "ForgeKit", targets: ["ForgeKit"]),
        .library(name: "BotCore", targets: ["BotCore"]),
        .library(name: "TestReports", targets: ["TestReports"]),
        .library(name: "AgentKit", targets: ["AgentKit"]),
        .library(name: "Sandbox", targets: ["Sandbox"]),
    ],
    dependencies: [
        // The CLI's flags and help. Light to build (~20 s).
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // .codex-bot.yml: a YAML parser that gives each node's line, so config errors can name it.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries from Debian (libgit2-dev, libcurl4-openssl-dev, libssl-dev).
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2",
                       providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"]), .brew(["openssl"])]),
        // Typed wrappers for libgit2's variadic calls and a socket stream with timeouts.
        .target(name: "CGit2Shims", dependencies: ["CGit2"]),

        // The Kits: each importable and tested alone; C modules stay internal to them.
        .target(name: "GitKit", dependencies: ["CGit2", "CGit2Shims"]),
        .target(name: "HTTPKit", dependencies: ["CCurl"]),
        .target(name: "ForgeKit", dependencies: ["COpenSSL", "HTTPKit"]),
        .target(name: "TestReports"),
        .target(name: "Sandbox"),
        .target(name: "AgentKit", dependencies: ["HTTPKit", "Sandbox", "TestReports"]),
        .target(name: "BotCore", dependencies: ["GitKit", "HTTPKit", "ForgeKit", "TestReports", "AgentKit", "Sandbox",
                                                .product(name: "Yams", package: "Yams")]),

        // The CLI is a library so its commands can be tested in-process; the executable is a thin main.
        .target(name: "CodexBotCLI", dependencies: [
            "BotCore", "GitKit", "ForgeKit", "TestReports",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "codex-bot", dependencies: ["CodexBotCLI"]),

        // Loopback servers and repository helpers shared by the tests and the benchmark.
        .target(name: "CodexBotTestSupport", dependencies: ["GitKit", "HTTPKit", "COpenSSL"]),
        .executableTarget(name: "codex-bot-bench", dependencies: ["BotCore", "GitKit", "HTTPKit", "TestReports", "AgentKit", "CodexBotTestSupport"]),

        .testTarget(name: "GitKitTests", dependencies: ["GitKit", "CodexBotTestSupport", "CGit2", "CGit2Shims"]),
        .testTarget(name: "TestReportsTests", dependencies: ["TestReports", "CodexBotTestSupport"]),
        .testTarget(name: "CodexBotCLITests", dependencies: ["CodexBotCLI", "BotCore", "GitKit", "ForgeKit", "CodexBotTestSupport",
                                                            .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "BotCoreTests", dependencies: ["BotCore", "GitKit", "ForgeKit", "AgentKit", "Sandbox", "TestReports", "HTTPKit",
                                                         "CodexBotTestSupport"]),
        .testTarget(name: "HTTPKitTests", dependencies: ["HTTPKit", "CodexBotTestSupport"]),
        .testTarget(name: "ForgeKitTests", dependencies: ["ForgeKit", "HTTPKit", "CodexBotTestSupport"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "CodexBotTestSupport"]),
        .testTarget(name: "AgentKitTests", dependencies: ["AgentKit", "HTTPKit", "Sandbox", "TestReports", "CodexBotTestSupport"]),
    ]
)
