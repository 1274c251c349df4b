import Foundation

/// Incremental reader of a `multipart/related` (RFC 2387) or `multipart/form-data` body: feed it chunks as they
/// arrive and it reports part headers and body bytes, so a STOW-RS upload of a whole study streams to disk without
/// ever being held in memory.
public struct MultipartReader: Sendable {
    public enum Event: Equatable, Sendable {
        /// A new part starts; header names are lower-cased.
        case part(headers: [String: String])
        case body(Data)
        /// The current part is complete.
        case partEnd
    }

    public enum Failure: Error, Equatable, Sendable {
        case malformed(String)
    }

    let delimiter: [UInt8]  // "\r\n--boundary"
    var buffer: [UInt8] = []
    enum State { case preamble, headers, body, done }
    var state = State.preamble
    /// Part headers larger than this are refused (a body without CRLFCRLF is not a MIME part).
    let maxHeaderBytes = 16 * 1024

    public init(boundary: String) {
        // The first delimiter may come without the leading CRLF; a CRLF is put in front of the body to unify.
        delimiter = Array("\r\n--\(boundary)".utf8)
        buffer = Array("\r\n".utf8)
    }

    public var isComplete: Bool { state == .done }

    /// The boundary parameter of a Content-Type header value, unquoted.
    public static func boundary(of contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }

    /// Consumes one chunk and returns what it completed.
    public mutating func feed(_ chunk: some Collection<UInt8>) throws -> [Event] {
        buffer.append(contentsOf: chunk)
        var events: [Event] = []
        while true {
            switch state {
            case .done:
                buffer.removeAll()
                return events
            case .preamble:
                var from = 0
                var decided: (closing: Bool, next: Int)?
                search: while let at = find(delimiter, from: from) {
                    switch afterDelimiter(at) {
                    case .needMore: return events
                    case .notDelimiter: from = at + 1
                    case .delimiter(let closing, let next):
                        decided = (closing, next)
                        break search
                    }
                }
                guard let after = decided else {
                    // Keep only what could still be the start of the first delimiter.
                    if buffer.count > delimiter.count { buffer.removeFirst(buffer.count - delimiter.count) }
                    return events
                }
                if after.closing { state = .done; continue }
                buffer.removeFirst(after.next)
                state = .headers
            case .headers:
                if buffer.count >= 2, buffer[0] == 13, buffer[1] == 10 {  // a part without headers
                    buffer.removeFirst(2)
                    events.append(.part(headers: [:]))
                    state = .body
                    continue
                }
                guard let end = find(Array("\r\n\r\n".utf8), from: 0) else {
                    if buffer.count > maxHeaderBytes { throw Failure.malformed("part headers exceed \(maxHeaderBytes) bytes") }
                    return events
                }
                let text = String(decoding: buffer[0..<end], as: UTF8.self)
                var headers: [String: String] = [:]
                for line in text.split(separator: "\r\n") where !line.isEmpty {
                    guard let colon = line.firstIndex(of: ":") else { throw Failure.malformed("part header line without a colon") }
                    headers[line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] =
                        line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                // Keep the blank line's CRLF: an empty body is followed at once by the delimiter, which starts with one.
                buffer.removeFirst(end + 2)
                bodyStartsWithCRLF = true
                events.append(.part(headers: headers))
                state = .body
            case .body:
                var from = 0
                var found: (at: Int, closing: Bool, next: Int)?
                search: while let at = find(delimiter, from: from) {
                    switch afterDelimiter(at) {
                    case .needMore:
                        return events  // a few more bytes decide it
                    case .notDelimiter:
                        from = at + 1  // the boundary text inside the data (e.g. "--BOUNDARYx"): it is body
                    case .delimiter(let closing, let next):
                        found = (at, closing, next)
                        break search
                    }
                }
                let start = bodyStartsWithCRLF ? 2 : 0
                if let found {
                    if found.at > start { events.append(.body(Data(buffer[start..<found.at]))) }
                    bodyStartsWithCRLF = false
                    events.append(.partEnd)
                    if found.closing { state = .done; continue }
                    buffer.removeFirst(found.next)
                    state = .headers
                } else {
                    // Everything but a possible partial delimiter at the end is body.
                    let safe = buffer.count - (delimiter.count - 1)
                    guard safe > start else { return events }
                    events.append(.body(Data(buffer[start..<safe])))
                    buffer.removeFirst(safe)
                    bodyStartsWithCRLF = false
                    return events
                }
            }
        }
    }

    var bodyStartsWithCRLF = false

    /// Call when the body has ended: a body that stops inside a part is an error.
    public func finish() throws {
        guard state == .done else { throw Failure.malformed("the body ended before the closing boundary") }
    }

    enum AfterDelimiter { case needMore, notDelimiter, delimiter(closing: Bool, next: Int) }

    /// After boundary text at `at`: `--` closes the multipart, CRLF (after optional transport padding) starts a part;
    /// anything else means the text was part of the data.
    func afterDelimiter(_ at: Int) -> AfterDelimiter {
        let i = at + delimiter.count
        guard buffer.count >= i + 2 else { return .needMore }
        if buffer[i] == UInt8(ascii: "-"), buffer[i + 1] == UInt8(ascii: "-") { return .delimiter(closing: true, next: i + 2) }
        var j = i
        while j < buffer.count, buffer[j] == UInt8(ascii: " ") || buffer[j] == UInt8(ascii: "\t") {
            j += 1
            if j - i > 64 { return .notDelimiter }
        }
        guard buffer.count >= j + 2 else { return .needMore }
        guard buffer[j] == 13, buffer[j + 1] == 10 else { return .notDelimiter }
        return .delimiter(closing: false, next: j + 2)
    }

    func find(_ needle: [UInt8], from: Int) -> Int? {
        guard buffer.count >= needle.count + from, let first = needle.first else { return nil }
        return buffer.withUnsafeBufferPointer { hay -> Int? in
            var i = from
            let last = hay.count - needle.count
            while i <= last {
                guard let p = memchr(hay.baseAddress! + i, Int32(first), last - i + 1) else { return nil }
                let at = hay.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
                if memcmp(hay.baseAddress! + at, needle, needle.count) == 0 { return at }
                i = at + 1
            }
            return nil
        }
    }
}
