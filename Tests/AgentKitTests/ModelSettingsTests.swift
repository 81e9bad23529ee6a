import AgentKit
import Foundation
import HTTPKit
import Testing

@Suite("ModelSettings: flags, then the ecosystem's variables")
struct ModelSettingsTests {
    static let key = "sk-proj-SETTINGSkey0123456789SECRET"

    @Test("OpenAI by default: the public base, CODEX_BOT_MODEL, the key")
    func openAIDefault() throws {
        let settings = try ModelSettings.resolve(provider: nil, model: nil,
                                                 environment: ["OPENAI_API_KEY": Self.key, "CODEX_BOT_MODEL": "gpt-5-codex"])
        #expect(settings.provider == .openai)
        #expect(settings.model == "gpt-5-codex")
        #expect(settings.baseURL.absoluteString == "https://api.openai.com/v1")
        #expect(settings.apiKey == Self.key)
        #expect(settings.stream)
        #expect(!settings.description.contains(Self.key))
        #expect(settings.description == "openai model gpt-5-codex at https://api.openai.com/v1 (key from OPENAI_API_KEY)")
        let provider = settings.makeProvider(client: HTTPClient())
        #expect(provider.name == "openai" && provider is OpenAIResponsesProvider)
    }

    @Test("--model wins over CODEX_BOT_MODEL; --provider picks the format")
    func flagsWin() throws {
        let settings = try ModelSettings.resolve(provider: "openai-chat", model: "qwen2.5-coder:32b", environment: [
            "OPENAI_BASE_URL": "http://localhost:11434/v1/", "CODEX_BOT_MODEL": "other",
        ])
        #expect(settings.provider == .openaiChat)
        #expect(settings.model == "qwen2.5-coder:32b")
        #expect(settings.baseURL.absoluteString == "http://localhost:11434/v1", "the trailing slash is dropped")
        #expect(settings.apiKey == nil, "a local server needs no key")
        #expect(settings.makeProvider(client: HTTPClient()) is OpenAIChatProvider)
    }

    @Test("Anthropic when only Anthropic's variables are set; OpenAI when both keys are")
    func providerChoice() throws {
        let anthropic = try ModelSettings.resolve(provider: nil, model: "claude-sonnet-4-5", environment: ["ANTHROPIC_API_KEY": Self.key])
        #expect(anthropic.provider == .anthropic)
        #expect(anthropic.baseURL.absoluteString == "https://api.anthropic.com")
        #expect(anthropic.keyVariable == "ANTHROPIC_API_KEY")
        #expect(anthropic.makeProvider(client: HTTPClient()) is AnthropicProvider)

        let both = try ModelSettings.resolve(provider: nil, model: "m", environment: ["ANTHROPIC_API_KEY": Self.key, "OPENAI_API_KEY": Self.key])
        #expect(both.provider == .openai)
        let local = try ModelSettings.resolve(provider: nil, model: "m", environment: [
            "ANTHROPIC_API_KEY": Self.key, "OPENAI_BASE_URL": "http://127.0.0.1:8000/v1",
        ])
        #expect(local.provider == .openai, "an OpenAI-compatible server of one's own counts")
        let mixedCase = try ModelSettings.resolve(provider: "Anthropic", model: "m", environment: ["ANTHROPIC_API_KEY": Self.key])
        #expect(mixedCase.provider == .anthropic)
    }

    /// Settings that cannot work, and what the error must say (and must not).
    static let refusals: [(environment: [String: String], provider: String?, model: String?, says: [String], never: String?)] = [
        (["OPENAI_API_KEY": key], nil, nil, ["no model named", "CODEX_BOT_MODEL", "--model"], nil),
        (["OPENAI_API_KEY": key], nil, "  ", ["no model named"], nil),
        (["OPENAI_API_KEY": key], "gemini", "m", ["unknown provider \"gemini\"", "openai-chat"], nil),
        (["OPENAI_API_KEY": key, "OPENAI_BASE_URL": "localhost:11434/v1"], nil, "m", ["OPENAI_BASE_URL is not an http(s) URL"], nil),
        (["OPENAI_API_KEY": key, "OPENAI_BASE_URL": "ftp://models.example/v1"], nil, "m", ["OPENAI_BASE_URL"], nil),
        (["OPENAI_BASE_URL": "https://user:hunter2secret@models.example/v1"], nil, "m", ["without credentials"], "hunter2secret"),
        (["OPENAI_API_KEY": key, "OPENAI_BASE_URL": "http://models.example.com/v1"], nil, "m",
         ["plain http", "OPENAI_API_KEY would cross the network unencrypted", "https"], key),
        (["ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": "http://10.0.0.5:4000"], "anthropic", "m", ["plain http"], key),
        (["ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": "https://api.anthropic.com/v1"], "anthropic", "m",
         ["ends in /v1", "without /v1"], key),
        ([:], nil, "m", ["OPENAI_API_KEY is not set", "api.openai.com"], nil),
        ([:], "anthropic", "m", ["ANTHROPIC_API_KEY is not set"], nil),
    ]

    @Test("settings that cannot work are a configuration error saying what to fix", arguments: 0..<refusals.count)
    func refused(index: Int) throws {
        let (environment, provider, model, says, never) = Self.refusals[index]
        do {
            let settings = try ModelSettings.resolve(provider: provider, model: model, environment: environment)
            Issue.record("resolved to \(settings)")
        } catch let error as ModelError {
            #expect(error.code == .configuration)
            for words in says { #expect(error.description.contains(words), "\(error) lacks \"\(words)\"") }
            if let never { #expect(!error.description.contains(never), "\(error) shows a secret") }
        }
    }

    @Test("a key may go over plain http to this machine only; without a key any http host is fine")
    func plainHTTP() throws {
        for base in ["http://127.0.0.1:8080/v1", "http://localhost:11434/v1", "http://[::1]:8000/v1"] {
            let settings = try ModelSettings.resolve(provider: nil, model: "m", environment: ["OPENAI_API_KEY": Self.key, "OPENAI_BASE_URL": base])
            #expect(settings.apiKey == Self.key, "\(base)")
        }
        let lan = try ModelSettings.resolve(provider: "openai-chat", model: "m", environment: ["OPENAI_BASE_URL": "http://192.168.1.20:8000/v1"])
        #expect(lan.apiKey == nil)
    }
}
