import ArgumentParser
import BotCore
import ForgeKit
import Foundation
import GitKit

/// `codex-bot prs`: the local forge's pull requests, read from the records under the
/// repository's common git directory (shared by every worktree).
struct Prs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prs",
        abstract: "List the local forge's pull requests (the records under .git/codex-bot/pulls).",
        discussion: """
        With --forge local, codex-bot keeps the branch in the repository and writes the pull \
        request as a Markdown file, .git/codex-bot/pulls/N.md. 'prs' lists them (number, state, \
        head → base, title, file); 'prs show N' prints one. Exit 0 when every record was read, \
        2 outside a git repository or when a record is damaged (the others are still listed).
        """,
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self)

    /// Where to look for the repository.
    struct Location: ParsableArguments {
        @Option(name: .customLong("directory"),
                help: "Use the repository that holds this directory instead of the current one.")
        var directory: String?
    }

    /// `codex-bot prs [list]`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the pull request records (the default).")

        @Option(help: "open, closed (closed and merged) or all.") var state: String = "open"

        @Flag(help: "Print the records as a JSON array on the last line of stdout.") var json = false

        @OptionGroup var location: Location

        func validate() throws {
            if !["open", "closed", "all"].contains(state) {
                throw ValidationError("--state must be open, closed or all, not '\(state)'")
            }
        }

        func run() async throws {
            let forge = try Prs.localForge(location, command: "prs")
            let listing: (records: [PullRequestRecord], problems: [ForgeError])
            do {
                listing = try forge.pullRequestRecords()
            } catch {
                printError("codex-bot prs: \(error)")
                throw ExitCode(BotExitCode.usage)
            }
            let chosen = listing.records.filter { record in
                switch state {
                case "open": record.isOpen
                case "closed": !record.isOpen
                default: true
                }
            }
            if json {
                print(try Prs.json(chosen.map { RecordJSON($0, withBody: false) }))
            } else if chosen.isEmpty {
                let which = state == "all" ? "" : "\(state) "
                print("No \(which)pull requests in \(forge.pullsDirectory.path).")
            } else {
                print(Prs.render(chosen))
            }
            for problem in listing.problems { printError("codex-bot prs: \(problem)") }
            if !listing.problems.isEmpty { throw ExitCode(BotExitCode.usage) }
        }
    }

    /// `codex-bot prs show N`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print pull request record N: its front matter and body.")

        @Argument(help: "The pull request number.") var number: Int

        @Flag(help: "Print the record as one JSON object, body included.") var json = false

        @OptionGroup var location: Location

        func validate() throws {
            if number <= 0 { throw ValidationError("the pull request number must be positive, not \(number)") }
        }

        func run() async throws {
            let forge = try Prs.localForge(location, command: "prs show")
            let record: PullRequestRecord
            do {
                record = try forge.pullRequestRecord(number)
            } catch {
                printError("codex-bot prs show: \(error)")
                throw ExitCode(BotExitCode.usage)
            }
            if json {
                print(try Prs.json(RecordJSON(record, withBody: true)))
            } else {
                let text = record.rendered()
                print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
            }
        }
    }

    /// The local forge of the repository that holds `location` (or the current directory);
    /// exit 2 with what to do when there is none.
    static func localForge(_ location: Location, command: String) throws -> LocalForge {
        let start = location.directory ?? FileManager.default.currentDirectoryPath
        guard FileManager.default.fileExists(atPath: start) else {
            printError("codex-bot \(command): '\(start)' does not exist. Pass an existing directory with --directory")
            throw ExitCode(BotExitCode.usage)
        }
        let repository: Repository
        do {
            repository = try Repository.discover(from: start)
        } catch {
            let reason = (error as? GitError)?.message ?? "\(error)"
            printError("codex-bot \(command): \(reason). Run it inside a git checkout, or pass --directory PATH")
            throw ExitCode(BotExitCode.usage)
        }
        return ForgeConnection.localForge(for: repository)
    }

    /// Two lines a record: `#N  state  head → base  title`, then the file.
    static func render(_ records: [PullRequestRecord]) -> String {
        let numberWidth = records.map { "#\($0.number)".count }.max() ?? 0
        let stateWidth = records.map { state($0).count }.max() ?? 0
        return records.map { record in
            let number = "#\(record.number)".padding(toLength: numberWidth, withPad: " ", startingAt: 0)
            let state = state(record).padding(toLength: stateWidth, withPad: " ", startingAt: 0)
            return "\(number)  \(state)  \(printable(record.head)) → \(printable(record.base))  \(printable(record.title))\n"
                + String(repeating: " ", count: numberWidth + 2) + record.file.path
        }.joined(separator: "\n")
    }

    private static func state(_ record: PullRequestRecord) -> String {
        record.isDraft && record.isOpen ? "draft" : record.state
    }

    /// One terminal line: newlines shown as `\n`, other control characters (escape sequences a
    /// hand-edited file could carry) replaced.
    static func printable(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result.append(contentsOf: "\\n".unicodeScalars)
            case "\r": result.append(contentsOf: "\\r".unicodeScalars)
            case "\t": result.append(" ")
            default:
                result.append(scalar.properties.generalCategory == .control ? "\u{FFFD}" : scalar)
            }
        }
        return String(result)
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A record in `--json` output.
    struct RecordJSON: Encodable {
        var number: Int
        var state: String
        var draft: Bool
        var title: String
        var head: String
        var base: String
        var labels: [String]
        var assignees: [String]
        var created: String
        var updated: String
        var path: String
        var body: String?

        init(_ record: PullRequestRecord, withBody: Bool) {
            number = record.number
            state = record.state
            draft = record.isDraft
            title = record.title
            head = record.head
            base = record.base
            labels = record.labels
            assignees = record.assignees
            created = record.created.formatted(.iso8601)
            updated = record.updated.formatted(.iso8601)
            path = record.file.path
            body = withBody ? record.body : nil
        }
    }
}
