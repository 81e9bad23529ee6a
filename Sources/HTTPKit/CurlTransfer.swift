// One libcurl easy handle carrying one attempt of one request, and the C callbacks that feed
// its response to Swift. Everything here runs on the CurlLoop's thread, except `cancel()`.
internal import CCurl
import Foundation

/// How an attempt ended, as the loop saw it.
enum TransferOutcome: Sendable {
    case completed
    case failed(HTTPError.Code, message: String)
    case cancelled
}

/// What a transfer reports, as it happens; every handler is called on the loop thread.
struct TransferHandlers: Sendable {
    /// The final response's status and headers (after any 1xx), once.
    var head: @Sendable (Int, HTTPHeaders) -> Void
    /// Body bytes as they arrive; returning false aborts the transfer (the caller's limit was hit).
    var data: @Sendable (Data) -> Bool
    /// The end, once, whatever happened.
    var done: @Sendable (TransferOutcome) -> Void
}

final class CurlTransfer: @unchecked Sendable {  // the loop thread owns it; `cancelRequested` is guarded by `lock`
    let easy: UnsafeMutableRawPointer
    private let handlers: TransferHandlers
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// libcurl writes its detailed message here; it must stay at one address for the handle's life.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    // Response state, loop thread only.
    private var status = 0
    private var headers = HTTPHeaders()
    private var headDelivered = false
    private var aborted: HTTPError.Code?
    private var finished = false
    /// For streams: the longest silence allowed, and when bytes last came.
    private var idleLimit: Duration?
    private var lastActivity = ContinuousClock.now

    private let lock = NSLock()
    private var cancelRequested = false

    /// Prepares the easy handle; throws `invalidRequest` for what libcurl must not be asked to send.
    init(request: HTTPRequest, configuration: HTTPClientConfiguration, streaming: Bool, handlers: TransferHandlers) throws {
        guard let scheme = request.url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              request.url.host?.isEmpty == false
        else {
            throw HTTPError(.invalidRequest, request: request.errorLabel,
                            message: "only http and https URLs with a host can be requested",
                            hint: "Check the base URL setting (e.g. GITHUB_API_URL)")
        }
        for field in request.headers where !isSendable(field.name, field.value) {
            throw HTTPError(.invalidRequest, request: request.errorLabel,
                            message: "header \(field.name) has a character that cannot be sent (line break or control character)")
        }
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        guard let easy = curl_easy_init() else {
            errorBuffer.deallocate()
            throw HTTPError(.invalidRequest, request: request.errorLabel, message: "libcurl could not make a handle (out of memory?)")
        }
        self.easy = easy
        self.handlers = handlers
        configure(request, configuration, streaming: streaming)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    private func configure(_ request: HTTPRequest, _ configuration: HTTPClientConfiguration, streaming: Bool) {
        ccurl_setopt_string(easy, CURLOPT_URL, request.url.absoluteString)
        ccurl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)  // HTTPClient follows redirects itself, minding credentials
        ccurl_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, "")  // every encoding libcurl can decode (gzip, deflate, br…)
        ccurl_setopt_string(easy, CURLOPT_USERAGENT, configuration.userAgent)
        ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1)
        ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile = configuration.caFile { ccurl_setopt_string(easy, CURLOPT_CAINFO, caFile) }
        if let caDirectory = configuration.caDirectory { ccurl_setopt_string(easy, CURLOPT_CAPATH, caDirectory) }
        let proxy = configuration.proxy.proxy(for: request.url)
        ccurl_setopt_string(easy, CURLOPT_PROXY, proxy)
        if let noProxy = configuration.proxy.noProxy { ccurl_setopt_string(easy, CURLOPT_NOPROXY, noProxy) }
        ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(configuration.connectTimeout))
        if streaming {
            // A stream may run for long; it fails when it goes silent instead (checked in the
            // progress callback: libcurl's own low-speed check averages over seconds and misses a gap).
            idleLimit = request.timeout ?? configuration.streamIdleTimeout
            ccurl_setopt_long(easy, CURLOPT_NOPROGRESS, 0)
            ccurl_setopt_xferinfo_cb(easy, curlProgress)
        } else {
            ccurl_setopt_long(easy, CURLOPT_TIMEOUT_MS, milliseconds(request.timeout ?? configuration.requestTimeout))
        }
        setMethodAndBody(request)
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for field in request.headers {
            list = curl_slist_append(list, "\(field.name): \(field.value)")
        }
        list = curl_slist_append(list, "Expect:")  // no 100-continue round trip for small API bodies
        headerList = list
        ccurl_setopt_slist(easy, CURLOPT_HTTPHEADER, list)
        ccurl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)

        let context = Unmanaged.passUnretained(self).toOpaque()
        ccurl_setopt_pointer(easy, CURLOPT_PRIVATE, context)
        ccurl_setopt_pointer(easy, CURLOPT_WRITEDATA, context)
        ccurl_setopt_pointer(easy, CURLOPT_HEADERDATA, context)
        ccurl_setopt_pointer(easy, CURLOPT_XFERINFODATA, context)
        ccurl_setopt_write_cb(easy, curlWrite)
        ccurl_setopt_header_cb(easy, curlHeader)
    }

    private func setMethodAndBody(_ request: HTTPRequest) {
        switch request.method {
        case .get:
            ccurl_setopt_long(easy, CURLOPT_HTTPGET, 1)
        case .head:
            ccurl_setopt_long(easy, CURLOPT_NOBODY, 1)
        default:
            if request.method != .post { ccurl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method.rawValue) }
            if request.body != nil || request.method != .delete {
                // A body (possibly empty, so PUT/PATCH/POST carry Content-Length: 0); libcurl copies it.
                let body = request.body ?? Data()
                ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                _ = body.withUnsafeBytes { raw in
                    ccurl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start)))
                }
            }
        }
    }

    // MARK: Called by the loop

    /// Whether cancel() was called; checked by the loop before it starts the transfer.
    var isCancelled: Bool { lock.withLock { cancelRequested } }

    /// Marks the transfer cancelled; the loop removes it and reports `.cancelled`.
    func requestCancel() { lock.withLock { cancelRequested = true } }

    /// Reports the end, once: libcurl's result, or the reason the transfer was aborted.
    func finish(_ result: CURLcode?) {
        guard !finished else { return }
        finished = true
        guard let result else {
            handlers.done(.cancelled)
            return
        }
        if let aborted {
            let message = aborted == .timeout ? "no data for \(idleLimit.map { "\(Int($0.components.seconds)) s" } ?? "too long")" : ""
            handlers.done(.failed(aborted, message: message))
            return
        }
        if result == CURLE_OK {
            deliverHeadIfNeeded()
            handlers.done(.completed)
            return
        }
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
        handlers.done(.failed(HTTPError.Code(curl: result), message: message))
    }

    // MARK: Callbacks

    fileprivate func receiveHeaderLine(_ bytes: UnsafeBufferPointer<UInt8>) {
        lastActivity = .now
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .newlines)
        if line.hasPrefix("HTTP/") {
            // A new response: the first, or the one after a 1xx.
            let parts = line.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            headers = HTTPHeaders()
        } else if line.isEmpty {
            if status >= 200 { deliverHeadIfNeeded() }
        } else if let colon = line.firstIndex(of: ":") {
            headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    fileprivate func receiveBody(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        lastActivity = .now
        deliverHeadIfNeeded()
        guard handlers.data(Data(buffer: bytes)) else {
            aborted = .tooLarge
            return false
        }
        return true
    }

    /// False once the stream has been silent for longer than its limit: the transfer is then aborted as timed out.
    fileprivate func isStillLively() -> Bool {
        guard let idleLimit, lastActivity.duration(to: .now) > idleLimit else { return true }
        aborted = .timeout
        return false
    }

    private func deliverHeadIfNeeded() {
        guard !headDelivered, status >= 200 else { return }
        headDelivered = true
        handlers.head(status, headers)
    }
}

private func isSendable(_ name: String, _ value: String) -> Bool {
    !name.isEmpty && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
        && value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
}

private func milliseconds(_ duration: Duration) -> Int {
    Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
}

private let curlWrite: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, context in
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count)
    return transfer.receiveBody(bytes) ? size * count : 0
}

private let curlHeader: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, context in
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    transfer.receiveHeaderLine(UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count))
    return size * count
}

private let curlProgress: @convention(c) (UnsafeMutableRawPointer?, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> Int32 = { context, _, _, _, _ in
    guard let context else { return 0 }
    return Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue().isStillLively() ? 0 : 1
}

extension HTTPError.Code {
    /// The kind of failure a libcurl result code stands for.
    init(curl code: CURLcode) {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            self = .connect
        case CURLE_OPERATION_TIMEDOUT:
            self = .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            self = .tls
        case CURLE_PARTIAL_FILE:
            self = .truncated
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            self = .invalidRequest
        case CURLE_ABORTED_BY_CALLBACK:
            self = .cancelled
        default:
            self = .transport
        }
    }
}
