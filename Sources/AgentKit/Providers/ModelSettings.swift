import Foundation
import HTTPKit

/// The `--provider` names.
public enum ModelProviderKind: String, Sendable, CaseIterable, CustomStringConvertible {
    /// OpenAI Responses API.
    case openai
    /// OpenAI Chat Completions, for every OpenAI-compatible server.
    case openaiChat = "openai-chat"
    /// Anthropic Messages.
    case anthropic

    public var description: String { rawValue }
}

/// Which model API to call, where, with which model and key: from flags first, then the
/// ecosystem's own variables (DESIGN.md §1 "Environment"): OPENAI_BASE_URL, OPENAI_API_KEY,
/// ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY, CODEX_BOT_MODEL.
public struct ModelSettings: Sendable, CustomStringConvertible {
    public var provider: ModelProviderKind
    public var model: String
    /// OpenAI formats: the base ending in /v1 ("https://api.openai.com/v1"); Anthropic: the
    /// base without /v1 ("https://api.anthropic.com"). No trailing slash.
    public var baseURL: URL
    /// Never printed: `description` names only the variable it came from.
    public var apiKey: String?
    /// "OPENAI_API_KEY" or "ANTHROPIC_API_KEY": where the key comes from, for messages.
    public var keyVariable: String
    public var stream = true
    public var limits = ModelCallLimits()

    public var description: String {
        "\(provider) model \(model) at \(baseURL.absoluteString) (\(apiKey == nil ? "no key" : "key from \(keyVariable)"))"
    }

    /// Resolves the settings. `provider` and `model` come from `--provider` and `--model` (nil
    /// when not given); `environment` is the process's environment as read once at start.
    /// Without `--provider`, Anthropic is used when only Anthropic's variables are set
    /// (ANTHROPIC_API_KEY or ANTHROPIC_BASE_URL, and neither OPENAI_API_KEY nor
    /// OPENAI_BASE_URL), OpenAI's Responses API otherwise.
    public static func resolve(provider: String?, model: String?, environment: [String: String]) throws -> ModelSettings {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
            return text
        }
        let kind: ModelProviderKind
        if let provider = provider?.trimmingCharacters(in: .whitespaces), !provider.isEmpty {
            guard let named = ModelProviderKind(rawValue: provider.lowercased()) else {
                throw configuration(provider, "unknown provider \"\(provider.prefix(100))\"",
                                    hint: "Use --provider openai (Responses API), openai-chat (Chat Completions: vLLM, llama.cpp, Ollama) or anthropic")
            }
            kind = named
        } else {
            let wantsAnthropic = value("ANTHROPIC_API_KEY") != nil || value("ANTHROPIC_BASE_URL") != nil
            let wantsOpenAI = value("OPENAI_API_KEY") != nil || value("OPENAI_BASE_URL") != nil
            kind = wantsAnthropic && !wantsOpenAI ? .anthropic : .openai
        }

        guard let modelName = (model?.trimmingCharacters(in: .whitespacesAndNewlines)).flatMap({ $0.isEmpty ? nil : $0 })
                ?? value("CODEX_BOT_MODEL") else {
            let example = kind == .anthropic ? "claude-sonnet-4-5" : kind == .openai ? "gpt-5-codex" : "the name your server serves, e.g. qwen2.5-coder:32b"
            throw configuration(kind.rawValue, "no model named",
                                hint: "Pass --model or set CODEX_BOT_MODEL (e.g. \(example))")
        }
        guard !modelName.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw configuration(kind.rawValue, "the model name has a line break or NUL in it", hint: "Check --model or CODEX_BOT_MODEL")
        }

        let isAnthropic = kind == .anthropic
        let baseVariable = isAnthropic ? "ANTHROPIC_BASE_URL" : "OPENAI_BASE_URL"
        let keyVariable = isAnthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY"
        let defaultBase = isAnthropic ? AnthropicProvider.defaultBaseURL : OpenAIResponsesProvider.defaultBaseURL
        let customBase = value(baseVariable)
        let base = try url(customBase ?? defaultBase.absoluteString, variable: baseVariable, provider: kind)
        if isAnthropic, base.path.hasSuffix("/v1") {
            throw configuration(kind.rawValue, "ANTHROPIC_BASE_URL ends in /v1, and codex-bot adds /v1/messages itself",
                                hint: "Set it without /v1, as for the Anthropic SDK (e.g. https://api.anthropic.com)")
        }
        let key = value(keyVariable)
        if key == nil, customBase == nil {
            // The public APIs always want a key; only a server of one's own may do without.
            throw configuration(kind.rawValue, "\(keyVariable) is not set, and \(base.host ?? "the API") needs it",
                                hint: "Set \(keyVariable), or point \(baseVariable) at a server that needs no key")
        }
        if key != nil { try refusePlainHTTP(base, variable: baseVariable, keyVariable: keyVariable, provider: kind) }
        return ModelSettings(provider: kind, model: modelName, baseURL: base, apiKey: key, keyVariable: keyVariable)
    }

    /// The provider these settings describe, sending through `client`.
    public func makeProvider(client: HTTPClient) -> any ModelProvider {
        switch provider {
        case .openai:
            OpenAIResponsesProvider(baseURL: baseURL, apiKey: apiKey, client: client, stream: stream, limits: limits)
        case .openaiChat:
            OpenAIChatProvider(baseURL: baseURL, apiKey: apiKey, client: client, stream: stream, limits: limits)
        case .anthropic:
            AnthropicProvider(baseURL: baseURL, apiKey: apiKey, client: client, stream: stream, limits: limits)
        }
    }

    private static func configuration(_ provider: String, _ message: String, hint: String) -> ModelError {
        ModelError(.configuration, provider: provider, message: message, hint: hint)
    }

    private static func url(_ text: String, variable: String, provider: ModelProviderKind) throws -> URL {
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host?.isEmpty == false, url.user == nil, url.password == nil, url.query == nil, url.fragment == nil
        else {
            // Never echo the whole value: a URL with credentials in it is a secret.
            let shown = URL(string: trimmed).map(RedactedURL.string) ?? "(\(text.count) characters, not a URL)"
            let example = provider == .anthropic ? "https://api.anthropic.com" : "https://api.openai.com/v1 or http://localhost:11434/v1"
            throw configuration(provider.rawValue, "\(variable) is not an http(s) URL without credentials or query: \(shown.prefix(200))",
                                hint: "Set it to the API's base address, e.g. \(example)")
        }
        return url
    }

    /// Keys travel over HTTPS, except to this machine (a local server, a loopback test server).
    private static func refusePlainHTTP(_ url: URL, variable: String, keyVariable: String, provider: ModelProviderKind) throws {
        guard url.scheme?.lowercased() == "http" else { return }
        let host = url.host?.lowercased() ?? ""
        guard host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.") else {
            throw configuration(provider.rawValue,
                                "\(variable) \(url.absoluteString) is plain http, and \(keyVariable) would cross the network unencrypted",
                                hint: "Use the server's https address, or unset \(keyVariable) if the server needs no key")
        }
    }
}
