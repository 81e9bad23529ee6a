import Foundation

/// Limits on one agent run: the loop stops at whichever comes first.
public struct AgentBudget: Sendable, Equatable {
    /// Model requests, in all.
    public var maxTurns: Int
    /// Input plus output tokens, in all.
    public var maxTokens: Int
    public var maxDuration: Duration
    /// The same tool call (same tool, same arguments), or the same verification failure, this
    /// many times means the agent is going round in circles.
    public var repeatLimit: Int
    /// Iterations: times the agent ends its turn and the bot verifies the work. The run stops
    /// when this many verifications have failed.
    public var maxIterations: Int

    public init(maxTurns: Int = 40, maxTokens: Int = 2_000_000, maxDuration: Duration = .seconds(30 * 60), repeatLimit: Int = 3,
                maxIterations: Int = .max) {
        self.maxTurns = maxTurns
        self.maxTokens = maxTokens
        self.maxDuration = maxDuration
        self.repeatLimit = max(2, repeatLimit)
        self.maxIterations = max(1, maxIterations)
    }
}

/// What the bot's own check says after the agent ends a turn (it never trusts the agent's word).
public enum Verification: Sendable, Equatable {
    case green
    /// `feedback` goes back to the model as the next user message; `signature` identifies the
    /// failure (e.g. the sorted ids of the failing tests) to notice when nothing changes.
    case failing(feedback: String, signature: String)
}

/// How a run ended.
public struct AgentOutcome: Sendable {
    public enum Status: Sendable, Equatable {
        /// Verification passed.
        case green
        /// A budget ran out; the text says which.
        case budgetExhausted(String)
        /// The agent repeated itself (same call or same failure) past the limit.
        case repeating(String)
    }

    public var status: Status
    public var turns: Int
    /// Iterations: how often the bot verified the agent's work.
    public var iterations: Int
    public var usage: Usage
    public var modelTime: Duration
    public var toolTime: Duration
    public var verifyTime: Duration
    /// The whole conversation, for the transcript and for a later attempt.
    public var conversation: [ConversationItem]
}

/// The agent loop: send the conversation, run the tools the model asks for, and when the
/// model ends its turn, run the bot's own verification; failures go back as a new user message.
/// Model errors other than a too-long context end the run by throwing (the caller reports them).
public struct AgentLoop: Sendable {
    public var provider: any ModelProvider
    public var model: String
    public var instructions: String
    public var tools: [any AgentTool]
    public var context: ToolContext
    public var budget: AgentBudget
    public var transcript: Transcript?
    /// Secrets removed from everything the model sees.
    public var redactor: SecretRedactor
    /// The most of one tool result the model sees (head and tail kept).
    public var toolOutputLimit: Int
    public var maxOutputTokens: Int?

    public init(provider: any ModelProvider, model: String, instructions: String, tools: [any AgentTool],
                context: ToolContext, budget: AgentBudget = AgentBudget(), transcript: Transcript? = nil,
                redactor: SecretRedactor = SecretRedactor(secrets: []), toolOutputLimit: Int = 16 * 1024,
                maxOutputTokens: Int? = nil) {
        self.provider = provider
        self.model = model
        self.instructions = instructions
        self.tools = tools
        self.context = context
        self.budget = budget
        self.transcript = transcript
        self.redactor = redactor
        self.toolOutputLimit = toolOutputLimit
        self.maxOutputTokens = maxOutputTokens
    }

    /// Runs the agent on `task` (the first user message) until `verify` says green or a budget
    /// or repeat limit ends it. `conversation` continues an earlier run when given.
    public func run(task: String, conversation: [ConversationItem] = [],
                    verify: @Sendable () async throws -> Verification) async throws -> AgentOutcome {
        var state = RunState(items: conversation + [.user(redactor.redact(task))])
        let started = ContinuousClock.now
        let definitions = tools.map(\.definition)
        let toolsByName = Dictionary(tools.map { ($0.definition.name, $0) }, uniquingKeysWith: { first, _ in first })
        transcript?.record("task", ["text": .string(task), "model": .string(model), "provider": .string(provider.name)])

        while true {
            if let exhausted = exhaustedBudget(state, elapsed: started.duration(to: .now)) {
                return finish(state, .budgetExhausted(exhausted))
            }
            try Task.checkCancellation()
            let response = try await respond(&state, tools: definitions)
            state.items += response.items
            let calls = response.toolCalls
            if !calls.isEmpty {
                for call in calls {
                    let output = await runTool(call, toolsByName, &state)
                    state.items.append(.toolResult(callID: call.id, output: output.text, isError: output.isError))
                }
                if let repeated = state.repeatedCall(limit: budget.repeatLimit) {
                    return finish(state, .repeating("the agent made the same \(repeated) call \(budget.repeatLimit) times"))
                }
                continue
            }
            if response.stopReason == .maxTokens {
                state.items.append(.user("Your answer was cut off at the output limit. Continue where you stopped."))
                continue
            }
            let verifyStart = ContinuousClock.now
            let verification = try await verify()
            state.verifyTime += verifyStart.duration(to: .now)
            state.iterations += 1
            switch verification {
            case .green:
                transcript?.record("verify", ["result": "green"])
                return finish(state, .green)
            case .failing(let feedback, let signature):
                transcript?.record("verify", ["result": "failing", "signature": .string(signature), "feedback": .string(feedback)])
                state.failureSignatures.append(signature)
                if state.iterations >= budget.maxIterations {
                    return finish(state, .budgetExhausted("\(budget.maxIterations) iteration\(budget.maxIterations == 1 ? "" : "s")"))
                }
                if state.failureSignatures.suffix(budget.repeatLimit).count == budget.repeatLimit,
                   Set(state.failureSignatures.suffix(budget.repeatLimit)).count == 1 {
                    return finish(state, .repeating("the same failures after \(budget.repeatLimit) attempts"))
                }
                state.items.append(.user(redactor.redact(feedback)))
            }
        }
    }

    // MARK: Steps

    /// One model request; a too-long context is compacted (old tool outputs shortened) and sent again.
    private func respond(_ state: inout RunState, tools definitions: [ToolDefinition]) async throws -> ModelResponse {
        var level = 0
        while true {
            let request = ModelRequest(model: model, instructions: instructions, items: state.items, tools: definitions,
                                       maxOutputTokens: maxOutputTokens)
            transcript?.record("request", ["turn": .number(Double(state.turns + 1)), "items": .number(Double(request.items.count)),
                                           "tools": .number(Double(definitions.count)), "model": .string(model)])
            let start = ContinuousClock.now
            do {
                let response = try await provider.respond(to: request)
                let took = start.duration(to: .now)
                state.modelTime += took
                state.turns += 1
                state.usage = state.usage + response.usage
                transcript?.record("response", [
                    "turn": .number(Double(state.turns)), "items": .array(response.items.map(Self.describe)),
                    "input_tokens": .number(Double(response.usage.inputTokens)),
                    "output_tokens": .number(Double(response.usage.outputTokens)),
                    "stop": .string("\(response.stopReason)"),
                    "model_ms": .number(took.transcriptMilliseconds),
                ])
                return response
            } catch let error as ModelError where error.code == .contextTooLong {
                state.modelTime += start.duration(to: .now)
                var shorter: [ConversationItem]?
                while shorter == nil, level < Compaction.maxLevel {
                    level += 1
                    shorter = Compaction.compact(state.items, level: level)
                }
                guard let shorter else { throw error }
                transcript?.record("compaction", ["level": .number(Double(level)), "reason": .string(error.message)])
                state.items = shorter
            }
        }
    }

    /// Runs one tool call; every failure (unknown tool, malformed arguments) is a result the model reads.
    private func runTool(_ call: ToolCall, _ toolsByName: [String: any AgentTool], _ state: inout RunState) async -> ToolOutput {
        state.callCounts[call.name + "\u{0}" + call.arguments, default: 0] += 1
        let start = ContinuousClock.now
        let output: ToolOutput
        if let tool = toolsByName[call.name] {
            if let arguments = JSONValue(parsing: call.arguments.isEmpty ? "{}" : call.arguments), arguments.objectValue != nil {
                output = await tool.run(arguments: arguments, context: context)
            } else {
                output = .error("The arguments of \(call.name) are not a JSON object: \(TextClip.headAndTail(call.arguments, limit: 300)). Send them again as valid JSON.")
            }
        } else {
            let names = toolsByName.keys.sorted().joined(separator: ", ")
            output = .error("There is no tool named \"\(TextClip.headAndTail(call.name, limit: 100))\". The tools are: \(names).")
        }
        state.toolTime += start.duration(to: .now)
        let clipped = ToolOutput(redactor.redact(TextClip.headAndTail(output.text, limit: toolOutputLimit)), isError: output.isError)
        let took = start.duration(to: .now)
        transcript?.record("tool", ["name": .string(call.name), "call_id": .string(call.id), "arguments": .string(call.arguments),
                                    "output": .string(clipped.text), "is_error": .bool(clipped.isError),
                                    "tool_ms": .number(took.transcriptMilliseconds)])
        return clipped
    }

    private func exhaustedBudget(_ state: RunState, elapsed: Duration) -> String? {
        if state.turns >= budget.maxTurns { return "\(budget.maxTurns) model turns" }
        if state.usage.inputTokens + state.usage.outputTokens >= budget.maxTokens { return "\(budget.maxTokens) tokens" }
        if elapsed >= budget.maxDuration { return "\(budget.maxDuration.components.seconds / 60) minutes" }
        return nil
    }

    private func finish(_ state: RunState, _ status: AgentOutcome.Status) -> AgentOutcome {
        transcript?.record("outcome", ["status": .string("\(status)"), "turns": .number(Double(state.turns)),
                                       "iterations": .number(Double(state.iterations)),
                                       "input_tokens": .number(Double(state.usage.inputTokens)),
                                       "output_tokens": .number(Double(state.usage.outputTokens))])
        return AgentOutcome(status: status, turns: state.turns, iterations: state.iterations, usage: state.usage, modelTime: state.modelTime,
                            toolTime: state.toolTime, verifyTime: state.verifyTime, conversation: state.items)
    }

    static func describe(_ item: ConversationItem) -> JSONValue {
        switch item {
        case .user(let text): ["user": .string(text)]
        case .assistant(let text): ["assistant": .string(text)]
        case .toolCall(let call): ["tool_call": ["id": .string(call.id), "name": .string(call.name), "arguments": .string(call.arguments)]]
        case .toolResult(let id, let output, let isError): ["tool_result": ["id": .string(id), "output": .string(output), "is_error": .bool(isError)]]
        case .reasoning(let item): ["reasoning": .string(item.provider)]
        }
    }
}

/// What one run keeps track of.
private struct RunState {
    var items: [ConversationItem]
    var turns = 0
    var iterations = 0
    var usage = Usage()
    var modelTime: Duration = .zero
    var toolTime: Duration = .zero
    var verifyTime: Duration = .zero
    /// How often each exact call (tool name and arguments) was made.
    var callCounts: [String: Int] = [:]
    var failureSignatures: [String] = []

    /// The name of a tool whose exact same call was made `limit` times, if any.
    func repeatedCall(limit: Int) -> String? {
        callCounts.first { $0.value >= limit }.map { String($0.key.prefix { $0 != "\u{0}" }) }
    }
}

/// Shortens a conversation that no longer fits the model's context: the outputs of older tool
/// calls are cut (level 1: all but the last four, to 1 KB; level 2: all, to 256 bytes).
enum Compaction {
    static let maxLevel = 2

    static func compact(_ items: [ConversationItem], level: Int) -> [ConversationItem]? {
        let resultIndexes = items.indices.filter { if case .toolResult = items[$0] { return true } else { return false } }
        let keepWhole = level == 1 ? Set(resultIndexes.suffix(4)) : []
        let limit = level == 1 ? 1024 : 256
        var changed = false
        let shorter = items.enumerated().map { index, item -> ConversationItem in
            guard case .toolResult(let id, let output, let isError) = item, !keepWhole.contains(index),
                  output.utf8.count > limit
            else { return item }
            changed = true
            return .toolResult(callID: id, output: TextClip.headAndTail(output, limit: limit), isError: isError)
        }
        return changed ? shorter : nil
    }
}
