import Foundation

/// The agent's `apply_patch` tool (DESIGN.md §3), with Codex's name, description and argument
/// schema, which Codex-tuned models are trained on: `{"input": "*** Begin Patch\n…"}`.
/// Applies the patch in the worktree, all or nothing, and answers as Codex does.
public struct ApplyPatchTool: AgentTool {
    public init() {}

    public var definition: ToolDefinition {
        ToolDefinition(name: "apply_patch", description: Self.description, parameters: [
            "type": "object",
            "properties": [
                "input": ["type": "string", "description": "The entire contents of the apply_patch command"],
            ],
            "required": ["input"],
            "additionalProperties": false,
        ])
    }

    public func run(arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let input: String
        switch arguments {
        case .object(let object):
            guard let value = object["input"] else {
                let keys = object.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
                return .error("apply_patch needs the argument 'input' (the patch text, starting '*** Begin Patch')"
                              + (keys.isEmpty ? "; the arguments were empty" : "; got \(keys)"))
            }
            guard case .string(let text) = value else {
                return .error("apply_patch's 'input' must be a string holding the patch text, got \(value.jsonText.prefix(80))")
            }
            input = text
        case .string(let text):
            // A freeform (custom) tool call sends the patch itself rather than an object.
            input = text
        default:
            return .error("apply_patch needs a JSON object {\"input\": \"*** Begin Patch\\n…\\n*** End Patch\"}, got \(arguments.jsonText.prefix(80))")
        }
        do {
            let patch = try ApplyPatch.parse(input)
            let summary = try ApplyPatch.apply(patch, in: context.worktree)
            return ToolOutput(summary.codexText)
        } catch {
            let outcome = error.code == .incomplete ? "" : "\nNo file was changed; fix the patch and send all of it again."
            return .error("apply_patch failed: \(error)\(outcome)")
        }
    }

    /// Codex's description of the JSON `apply_patch` tool, word for word (the models were
    /// trained with it; rewording it costs accuracy).
    static let description = """
    Use the `apply_patch` tool to edit files.
    Your patch language is a stripped-down, file-oriented diff format designed to be easy to parse and safe to apply. You can think of it as a high-level envelope:

    *** Begin Patch
    [ one or more file sections ]
    *** End Patch

    Within that envelope, you get a sequence of file operations.
    You MUST include a header to specify the action you are taking.
    Each operation starts with one of three headers:

    *** Add File: <path> - create a new file. Every following line is a + line (the initial contents).
    *** Delete File: <path> - remove an existing file. Nothing follows.
    *** Update File: <path> - patch an existing file in place (optionally with a rename).

    May be immediately followed by *** Move to: <new path> if you want to rename the file.
    Then one or more “hunks”, each introduced by @@ (optionally followed by a hunk header).
    Within a hunk each line starts with:

    For instructions on [context_before] and [context_after]:
    - By default, show 3 lines of code immediately above and 3 lines immediately below each change. If a change is within 3 lines of a previous change, do NOT duplicate the first change’s [context_after] lines in the second change’s [context_before] lines.
    - If 3 lines of context is insufficient to uniquely identify the snippet of code within the file, use the @@ operator to indicate the class or function to which the snippet belongs. For instance, we might have:
    @@ class BaseClass
    [3 lines of pre-context]
    - [old_code]
    + [new_code]
    [3 lines of post-context]

    - If a code block is repeated so many times in a class or function such that even a single `@@` statement and 3 lines of context cannot uniquely identify the snippet of code, you can use multiple `@@` statements to jump to the right context. For instance:

    @@ class BaseClass
    @@ \t def method():
    [3 lines of pre-context]
    - [old_code]
    + [new_code]
    [3 lines of post-context]

    The full grammar definition is below:
    Patch := Begin { FileOp } End
    Begin := "*** Begin Patch" NEWLINE
    End := "*** End Patch" NEWLINE
    FileOp := AddFile | DeleteFile | UpdateFile
    AddFile := "*** Add File: " path NEWLINE { "+" line NEWLINE }
    DeleteFile := "*** Delete File: " path NEWLINE
    UpdateFile := "*** Update File: " path NEWLINE [ MoveTo ] { Hunk }
    MoveTo := "*** Move to: " newPath NEWLINE
    Hunk := "@@" [ header ] NEWLINE { HunkLine } [ "*** End of File" NEWLINE ]
    HunkLine := (" " | "-" | "+") text NEWLINE

    A full patch can combine several operations:

    *** Begin Patch
    *** Add File: hello.txt
    +Hello world
    *** Update File: src/app.py
    *** Move to: src/main.py
    @@ def greet():
    -print("Hi")
    +print("Hello, world!")
    *** Delete File: obsolete.txt
    *** End Patch

    It is important to remember:

    - You must include a header with your intended action (Add/Delete/Update)
    - You must prefix new lines with `+` even when creating a new file
    - File references can only be relative, NEVER ABSOLUTE.
    """
}
