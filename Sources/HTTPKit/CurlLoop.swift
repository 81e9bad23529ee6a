// The thread that drives every transfer through one libcurl multi handle: blocking network
// work stays off Swift's cooperative pool, and the multi handle's connection cache lets
// consecutive requests to a host reuse one connection (and one TLS session).
internal import CCurl
import Foundation

final class CurlLoop: @unchecked Sendable {  // `incoming` and `cancels` are guarded by `lock`; the rest is the loop thread's
    /// One loop for the process: its connections are shared by every HTTPClient.
    static let shared = CurlLoop()

    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var incoming: [CurlTransfer] = []
    private var cancels: [CurlTransfer] = []
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    private init() {
        CurlRuntime.ensureInitialized()
        guard let multi = curl_multi_init() else { fatalError("libcurl: curl_multi_init failed (out of memory)") }
        self.multi = multi
        // Keep idle connections for reuse even when many transfers ran at once; libcurl's default
        // cache follows the number of handles added and can shrink under a connection in use.
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 1024)
        let thread = Thread { [unowned self] in run() }
        thread.name = "codex-bot.curl"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Starts `transfer` on the loop thread.
    func submit(_ transfer: CurlTransfer) {
        lock.withLock { incoming.append(transfer) }
        curl_multi_wakeup(multi)
    }

    /// Stops `transfer` if it is still running; it then reports `.cancelled`.
    func cancel(_ transfer: CurlTransfer) {
        transfer.requestCancel()
        lock.withLock { cancels.append(transfer) }
        curl_multi_wakeup(multi)
    }

    private func run() {
        while true {
            let (added, cancelled) = lock.withLock {
                defer { incoming.removeAll(keepingCapacity: true); cancels.removeAll(keepingCapacity: true) }
                return (incoming, cancels)
            }
            for transfer in added {
                if transfer.isCancelled {
                    transfer.finish(nil)
                } else if curl_multi_add_handle(multi, transfer.easy) == CURLM_OK {
                    active[transfer.easy] = transfer
                } else {
                    transfer.finish(CURLE_FAILED_INIT)
                }
            }
            for transfer in cancelled {
                guard active.removeValue(forKey: transfer.easy) != nil else { continue }
                curl_multi_remove_handle(multi, transfer.easy)
                transfer.finish(nil)
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let result = message.pointee.data.result
                curl_multi_remove_handle(multi, easy)
                active.removeValue(forKey: easy)?.finish(result)
            }
            // Sleeps until a socket is ready, a timer of libcurl's is due, or submit/cancel wakes it.
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}
