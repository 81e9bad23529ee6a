import Foundation

/// A list the forge serves a page at a time, read lazily: the next page is fetched only when
/// the elements before it have been consumed (a search that stops early costs one request).
public struct Pages<Element: Sendable>: AsyncSequence, Sendable {
    /// One page: its elements and where the next one is (nil: this was the last).
    public struct Page: Sendable {
        public var elements: [Element]
        public var next: URL?
        public init(elements: [Element], next: URL?) {
            self.elements = elements
            self.next = next
        }
    }

    /// Fetches the page at a URL; nil asks for the first page.
    public typealias Fetch = @Sendable (URL?) async throws -> Page

    private let fetch: Fetch
    /// A bound on pages read, so a server whose `next` links never end cannot loop us forever.
    public var maxPages = 1000

    public init(fetch: @escaping Fetch) {
        self.fetch = fetch
    }

    /// A list already in memory (the local forge's).
    public init(_ elements: [Element]) {
        self.fetch = { _ in Page(elements: elements, next: nil) }
    }

    /// Reads every element, up to `limit` of them.
    public func collect(limit: Int = 100_000) async throws -> [Element] {
        var all: [Element] = []
        for try await element in self {
            all.append(element)
            if all.count >= limit { break }
        }
        return all
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(fetch: fetch, maxPages: maxPages)
    }

    public struct Iterator: AsyncIteratorProtocol {
        private let fetch: Fetch
        private let maxPages: Int
        private var buffer: [Element] = []
        private var index = 0
        private var next: URL?
        private var pagesRead = 0
        private var finished = false
        private var seen: Set<URL> = []

        init(fetch: @escaping Fetch, maxPages: Int) {
            self.fetch = fetch
            self.maxPages = maxPages
        }

        public mutating func next() async throws -> Element? {
            while index == buffer.count {
                guard !finished, pagesRead < maxPages else { return nil }
                if pagesRead > 0 {
                    // A `next` link seen before means the server sends us round in a circle.
                    guard let url = next, seen.insert(url).inserted else {
                        finished = true
                        return nil
                    }
                }
                let page = try await fetch(pagesRead == 0 ? nil : next)
                pagesRead += 1
                buffer = page.elements
                index = 0
                next = page.next
                if page.next == nil { finished = true }
            }
            defer { index += 1 }
            return buffer[index]
        }
    }
}
