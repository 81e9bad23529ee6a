import Foundation
import HTTPKit

/// Turns the events of one streamed answer into a `ModelResponse`. Each wire format has one;
/// the shared driver (`ModelHTTP`) feeds it events and enforces the limits.
protocol ModelStreamAssembler {
    /// The event that ends a complete stream ("response.completed"), named in the error when
    /// the stream ends without it.
    var finalEventName: String { get }
    /// Whether what arrived so far is a whole answer even though the final event never came.
    /// Only Chat Completions tolerates that: a `finish_reason` already says the turn is over.
    var isCompleteWithoutFinalEvent: Bool { get }
    /// Takes one event; returns true when it was the final one.
    mutating func take(_ event: ServerSentEvent, _ context: ModelCallContext) throws -> Bool
    /// The assembled turn, once the stream is over.
    func response(_ context: ModelCallContext) throws -> ModelResponse
}

extension ModelStreamAssembler {
    var isCompleteWithoutFinalEvent: Bool { false }
}

/// The HTTP side the three providers share: one POST per turn on the caller's `HTTPClient`,
/// streamed or not, with the limits of `ModelCallLimits`, and every failure turned into a
/// `ModelError` that says which call failed and what to do, without the key.
struct ModelHTTP: Sendable {
    let provider: String
    let client: HTTPClient
    let limits: ModelCallLimits
    let apiKey: String?
    /// Where the user fixes a key or an address: "OPENAI_API_KEY", "OPENAI_BASE_URL".
    let keyVariable: String
    let baseVariable: String
    /// Said after a 404, besides checking the model name and base URL.
    var notFoundHint: String? = nil

    /// Sends `body` to `url` and returns the model's turn: from the events when `stream` is
    /// set (fed to `assembler`), from the JSON answer (read by `whole`) otherwise.
    func call<Assembler: ModelStreamAssembler>(
        _ url: URL, headers: HTTPHeaders, body: JSONValue, model: String, stream: Bool, assembler: Assembler,
        whole: (JSONValue, ModelCallContext) throws -> ModelResponse
    ) async throws -> ModelResponse {
        var request = HTTPRequest(.post, url, headers: headers, body: ModelHTTP.encode(body), purpose: "model (\(provider))")
        request.headers.set("Content-Type", "application/json")
        request.headers.set("Accept", stream ? "text/event-stream" : "application/json")
        // 429 and 5xx are answered before the server acts, so sending the turn again is safe.
        request.retryable = true
        request.maxResponseBytes = limits.maxResponseBytes
        // For a stream this is the longest silence; for a whole answer, the whole wait.
        request.timeout = stream ? limits.idleTimeout : limits.requestTimeout
        let context = ModelCallContext(provider: provider, request: request.redactedDescription, model: model,
                                       keyVariable: keyVariable, baseVariable: baseVariable, sentKey: apiKey != nil,
                                       secret: apiKey, notFoundHint: notFoundHint, limits: limits)
        if stream {
            return try await streamed(request, context: context, assembler: assembler, whole: whole)
        }
        let response: HTTPResponse
        do {
            response = try await client.send(request)
        } catch {
            throw context.transportFailure(error, midStream: false)
        }
        guard response.isSuccess else {
            throw context.failure(status: response.status, said: ModelErrorBody(response.body, summary: response.bodySummary))
        }
        return try whole(context.answer(response), context)
    }

    private func streamed<Assembler: ModelStreamAssembler>(
        _ request: HTTPRequest, context: ModelCallContext, assembler initial: Assembler,
        whole: (JSONValue, ModelCallContext) throws -> ModelResponse
    ) async throws -> ModelResponse {
        let response: HTTPStreamingResponse
        do {
            response = try await client.stream(request)
        } catch {
            throw context.transportFailure(error, midStream: false)
        }
        let mediaType = response.headers["Content-Type"].map {
            $0.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard response.isSuccess, mediaType != "application/json" else {
            // An error answer, or a server that ignores `stream: true` and answers whole.
            let body: Data
            do {
                body = try await response.collect(upTo: limits.maxResponseBytes)
            } catch {
                throw context.transportFailure(error, midStream: true)
            }
            let complete = HTTPResponse(status: response.status, headers: response.headers, body: body,
                                        url: response.url, request: response.request)
            guard complete.isSuccess else {
                throw context.failure(status: complete.status, said: ModelErrorBody(body, summary: complete.bodySummary))
            }
            return try whole(context.answer(complete), context)
        }
        if mediaType == "text/html" {
            let page = try? await response.collect(upTo: 64 << 10)
            let summary = HTTPResponse(status: response.status, headers: response.headers, body: page ?? Data(),
                                       url: response.url, request: response.request).bodySummary
            throw context.bad("the answer is \(summary), not a model's event stream",
                              hint: "Check \(baseVariable): it should be the API's address, not a web page")
        }

        var assembler = initial
        let clock = ContinuousClock()
        let started = clock.now
        do {
            for try await event in response.serverSentEvents(maxLineBytes: min(limits.maxResponseBytes, 8 << 20)) {
                // Pings keep the idle timer happy; only the whole stream's clock ends a server that pings forever.
                if started.duration(to: clock.now) > limits.maxStreamDuration {
                    throw context.bad("the stream ran for more than \(ModelCallContext.spoken(limits.maxStreamDuration)) without its final event (\(assembler.finalEventName))",
                                      hint: "The server kept the stream open without finishing; try again, or raise ModelCallLimits.maxStreamDuration for a very slow model")
                }
                if try assembler.take(event, context) {
                    // Leaving the loop drops the stream, which ends the transfer.
                    return try assembler.response(context)
                }
            }
        } catch {
            throw context.transportFailure(error, midStream: true)
        }
        if assembler.isCompleteWithoutFinalEvent { return try assembler.response(context) }
        throw context.bad("the stream ended before its final event (\(assembler.finalEventName)), so the answer is incomplete",
                          hint: "The connection was closed early (a proxy's time limit, or the server stopped); try again")
    }

    static func encode(_ value: JSONValue) -> Data {
        value.jsonData
    }
}

/// What the error paths need to know about one call.
struct ModelCallContext: Sendable {
    let provider: String
    /// "POST https://api.openai.com/v1/responses", credentials redacted.
    let request: String
    let model: String
    let keyVariable: String
    let baseVariable: String
    let sentKey: Bool
    let secret: String?
    let notFoundHint: String?
    let limits: ModelCallLimits

    /// An error about this call; the key, should a server have echoed it, is cut out of every word.
    func error(_ code: ModelError.Code, status: Int? = nil, message: String, hint: String? = nil) -> ModelError {
        ModelError(code, provider: provider, request: request, status: status, message: redact(message),
                   hint: hint.map(redact))
    }

    /// An answer that is not the documented wire format.
    func bad(_ message: String, hint: String? = nil) -> ModelError {
        error(.badResponse, message: message,
              hint: hint ?? "The server does not speak the \(provider) wire format as documented; check \(baseVariable) and --provider")
    }

    func redact(_ text: String) -> String {
        guard let secret, secret.count >= 4 else { return text }
        return text.replacingOccurrences(of: secret, with: "[redacted]")
    }

    /// A whole answer's JSON object, or a clear error when it is something else.
    func answer(_ response: HTTPResponse) throws -> JSONValue {
        if response.mediaType == "text/html" || response.body.first == UInt8(ascii: "<") {
            throw bad("the answer is \(response.bodySummary), not the API's JSON",
                      hint: "Check \(baseVariable): it should be the API's address, not a web page")
        }
        guard let value = JSONValue(data: response.body), value.objectValue != nil else {
            throw bad(response.body.isEmpty ? "the answer is empty" : "the answer is not a JSON object (\(response.body.count) bytes; cut short?)")
        }
        return value
    }

    /// One event's JSON object.
    func json(_ event: ServerSentEvent) throws -> JSONValue {
        guard let value = JSONValue(parsing: event.data), value.objectValue != nil else {
            let shown = event.data.count > 120 ? String(event.data.prefix(120)) + "…" : event.data
            throw bad("the \"\(event.event)\" event's data is not a JSON object: \(shown)")
        }
        return value
    }

    /// A required field of an answer, or a badResponse naming it.
    func field(_ value: JSONValue?, _ name: String, in place: String) throws -> JSONValue {
        guard let value, value != .null else { throw bad("\(place) has no \"\(name)\"") }
        return value
    }

    func string(_ value: JSONValue?, _ name: String, in place: String) throws -> String {
        guard let text = try field(value, name, in: place).stringValue else { throw bad("\(place): \"\(name)\" is not a string") }
        return text
    }

    static func spoken(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        return seconds < 120 ? "\(Int(seconds.rounded())) s" : "\(Int((seconds / 60).rounded())) min"
    }

    static func spoken(bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : bytes >= 1024 ? "\(bytes >> 10) KiB" : "\(bytes) byte"
    }
}

extension JSONValue {
    /// A whole number that fits an `Int`; nil for anything else.
    var intValue: Int? {
        guard let number = numberValue, number.isFinite, number.rounded() == number, abs(number) < 1e15 else { return nil }
        return Int(number)
    }
}
