import DICOM
import Foundation
import NIOCore
import Synchronization

/// One association's DIMSE traffic in both directions, for either role: sends messages as P-DATA (one whole message at
/// a time, never interleaved), routes responses to whoever sent the request, and remembers C-CANCELs.
public final class DIMSEConnection: Sendable {
    let output: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let channel: any Channel
    let writeLock = AsyncMutex()
    let state = Mutex(State())

    struct State {
        var peerMaxPDULength: UInt32 = 0
        var contexts: [UInt8: AcceptedContext] = [:]
        var nextMessageID = 1
        var waiters: [Int: AsyncThrowingStream<DIMSEMessage, Error>.Continuation] = [:]
        var cancelled: Set<Int> = []
        var closed = false
        var lastWrite = ContinuousClock.now
    }

    /// When we last wrote to the peer: a long C-MOVE is busy, not idle, while it sends sub-operations.
    var lastWrite: ContinuousClock.Instant { state.withLock { $0.lastWrite } }

    init(output: NIOAsyncChannelOutboundWriter<ByteBuffer>, channel: any Channel) {
        self.output = output
        self.channel = channel
    }

    public var contexts: [UInt8: AcceptedContext] { state.withLock { $0.contexts } }
    public var peerMaxPDULength: UInt32 { state.withLock { $0.peerMaxPDULength } }

    func established(contexts: [UInt8: AcceptedContext], peerMaxPDULength: UInt32) {
        state.withLock {
            $0.contexts = contexts
            $0.peerMaxPDULength = peerMaxPDULength
        }
    }

    /// A context for `sopClass`, preferring one whose syntax is `syntax`; `asSCUOfRequestor` picks the contexts
    /// the requestor accepted as SCP (C-GET sub-operations).
    public func context(for sopClass: String, syntax: String? = nil, requestorIsSCP: Bool? = nil) -> AcceptedContext? {
        let candidates = contexts.values.filter { $0.abstractSyntax == sopClass && (requestorIsSCP == nil || $0.requestorIsSCP == requestorIsSCP) }
            .sorted { $0.id < $1.id }
        if let syntax, let exact = candidates.first(where: { $0.transferSyntax == syntax }) { return exact }
        return candidates.first
    }

    public func nextMessageID() -> Int {
        state.withLock {
            let id = $0.nextMessageID
            $0.nextMessageID = id >= 0xFFFF ? 1 : id + 1
            return id
        }
    }

    // MARK: Sending

    func send(pdus: [PDU]) async throws {
        try await writeLock.withLock {
            for pdu in pdus { try await output.write(ByteBuffer(bytes: PDUCodec.encode(pdu))) }
        }
    }

    /// Sends a message. A `.file` payload is sent from its data set offset without loading the file: the file is
    /// mapped and each fragment is written straight from the mapping.
    public func send(_ message: DIMSEMessage) async throws {
        let maxPDU = peerMaxPDULength
        let commandBytes = DICOMWriter.encode(message.command, syntax: .implicitVRLittleEndian)
        var dataset: Data?
        switch message.payload {
        case .none, .failed: dataset = nil
        case .bytes(let d): dataset = d
        case .file(let url): dataset = try PartTenLayout.dataset(of: url)
        }
        try await writeLock.withLock {
            try await write(DIMSEMessage.fragments(of: commandBytes, contextID: message.contextID, isCommand: true, maxPDULength: maxPDU))
            if let dataset {
                try await write(DIMSEMessage.fragments(of: dataset, contextID: message.contextID, isCommand: false, maxPDULength: maxPDU))
            }
        }
        // A final response ends the operation: a C-CANCEL for its message ID no longer applies.
        if message.field?.isResponse == true, DIMSEStatus.kind(message.status ?? 0) != .pending, let id = message.respondedMessageID {
            _ = state.withLock { $0.cancelled.remove(id) }
        }
    }

    /// Writes PDVs as P-DATA-TF PDUs, one PDV each. Small PDUs (a peer may ask for 16 KB) are gathered into one buffer
    /// of up to 256 KB per socket write, so a large object costs a few event-loop hops, not one per PDU.
    private func write(_ pdvs: [PDV]) async throws {
        let batch = 256 * 1024
        var remaining = pdvs.reduce(0) { $0 + $1.data.count + 12 }
        var buffer = channel.allocator.buffer(capacity: min(remaining, batch + (pdvs.first?.data.count ?? 0) + 12))
        for (n, pdv) in pdvs.enumerated() {
            remaining -= pdv.data.count + 12
            buffer.writeInteger(UInt8(0x04))
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(UInt32(pdv.data.count + 6))
            buffer.writeInteger(UInt32(pdv.data.count + 2))
            buffer.writeInteger(pdv.contextID)
            buffer.writeInteger(UInt8((pdv.isCommand ? 1 : 0) | (pdv.isLast ? 2 : 0)))
            pdv.data.withUnsafeBytes { _ = buffer.writeBytes($0) }
            if buffer.readableBytes >= batch || n == pdvs.count - 1 {
                try await output.write(buffer)
                state.withLock { $0.lastWrite = .now }
                if remaining > 0 { buffer = channel.allocator.buffer(capacity: min(remaining, batch + pdv.data.count + 12)) }
            }
        }
    }

    // MARK: Requests and their responses

    /// Sends a request and returns its responses; the stream ends after the final (non-pending) response.
    public func request(_ message: DIMSEMessage) async throws -> AsyncThrowingStream<DIMSEMessage, Error> {
        let id = message.messageID ?? 0
        let (stream, continuation) = AsyncThrowingStream<DIMSEMessage, Error>.makeStream()
        let closed = state.withLock { s -> Bool in
            if !s.closed { s.waiters[id] = continuation }
            return s.closed
        }
        if closed { throw DIMSEError.associationClosed }
        do {
            try await send(message)
        } catch {
            _ = state.withLock { $0.waiters.removeValue(forKey: id) }
            throw error
        }
        return stream
    }

    /// Sends a request and waits for its single (final) response, no longer than `timeout` once it is sent.
    public func requestFinal(_ message: DIMSEMessage, timeout: Duration = .seconds(120)) async throws -> DIMSEMessage {
        let responses = try await request(message)
        let id = message.messageID ?? 0
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            let waiter = self?.state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.finish(throwing: DIMSEError.timeout("the response to message \(id)"))
        }
        defer { timer.cancel() }
        var last: DIMSEMessage?
        for try await response in responses { last = response }
        guard let last else { throw DIMSEError.associationClosed }
        return last
    }

    /// Routes a response from the peer to the request it answers.
    func deliverResponse(_ message: DIMSEMessage) {
        let id = message.respondedMessageID ?? -1
        let pending = DIMSEStatus.kind(message.status ?? 0) == .pending
        let continuation = state.withLock { s in pending ? s.waiters[id] : s.waiters.removeValue(forKey: id) }
        continuation?.yield(message)
        if !pending { continuation?.finish() }
    }

    /// A C-CANCEL-RQ names the message it cancels.
    func cancel(_ message: DIMSEMessage) {
        let id = message.respondedMessageID ?? -1
        _ = state.withLock { $0.cancelled.insert(id) }
    }

    func hasWaiters() -> Bool { state.withLock { !$0.waiters.isEmpty } }

    public func isCancelled(_ messageID: Int) -> Bool { state.withLock { $0.cancelled.contains(messageID) } }

    /// The association is gone: everyone still waiting for a response learns it.
    func closed(_ error: Error = DIMSEError.associationClosed) {
        let waiters = state.withLock { s -> [AsyncThrowingStream<DIMSEMessage, Error>.Continuation] in
            s.closed = true
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.finish(throwing: error) }
    }

    public func close() { channel.close(promise: nil) }
}

public enum DIMSEError: Error, Equatable, Sendable, CustomStringConvertible {
    case associationClosed
    case rejected(AssociateRJ)
    case aborted
    case timeout(String)
    case noContext(String)
    case connectionFailed(String)
    case status(UInt16, String)

    public var description: String {
        switch self {
        case .associationClosed: "the association closed before the response arrived"
        case .rejected(let rj): "association rejected (result \(rj.result), source \(rj.source), reason \(rj.reason))"
        case .aborted: "association aborted"
        case .timeout(let what): "timed out waiting for \(what)"
        case .noContext(let what): "no accepted presentation context for \(what)"
        case .connectionFailed(let why): "cannot connect: \(why)"
        case .status(let s, let text): String(format: "status 0x%04X: ", s) + text
        }
    }

    /// The same, in Chinese for the admin pages.
    public var chineseText: String {
        switch self {
        case .associationClosed: "连接在收到应答前已断开"
        case .rejected(let rj):
            switch (rj.source, rj.reason) {
            case (1, 3): "对方拒绝连接：未登记本节点的 AE Title（调用方）"
            case (1, 7): "对方拒绝连接：被叫 AE Title 不正确"
            case (3, 1), (3, 2): "对方繁忙或连接数已满，请稍后重试"
            default: "对方拒绝连接（来源 \(rj.source)，原因 \(rj.reason)）"
            }
        case .aborted: "连接被对方中止"
        case .timeout: "对方无响应（超时）"
        case .noContext: "对方不接受该类型的数据或传输语法"
        case .connectionFailed: "无法连接到对方：请检查 IP、端口和网络"
        case .status(let s, _): DIMSEStatus.chineseText(s)
        }
    }
}

/// Where a Part 10 file's data set starts, read from the meta header's group length.
public enum PartTenLayout {
    /// The data set bytes of a Part 10 file (a slice of the mapped file) and its transfer syntax.
    public static func dataset(of url: URL) throws -> Data {
        let mapped = try Data(contentsOf: url, options: .alwaysMapped)
        let offset = try datasetOffset(mapped)
        return mapped[offset...]
    }

    public static func datasetOffset(_ data: Data) throws -> Int {
        guard data.count >= 144, data[128..<132].elementsEqual("DICM".utf8),
            data[132] == 0x02, data[133] == 0x00, data[134] == 0x00, data[135] == 0x00
        else { throw DICOMError.notDICOM(reason: "no Part 10 meta header") }
        let length = Int(data[140]) | Int(data[141]) << 8 | Int(data[142]) << 16 | Int(data[143]) << 24
        guard 144 + length <= data.count else { throw DICOMError.notDICOM(reason: "meta header longer than the file") }
        return 144 + length
    }
}

/// A lock that can be held across suspension points (one writer at a time on a connection).
final class AsyncMutex: Sendable {
    let state = Mutex<(locked: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await lock()
        defer { unlock() }
        return try await body()
    }

    func lock() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { s -> Bool in
                if !s.locked {
                    s.locked = true
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if acquired { c.resume() }
        }
    }

    func unlock() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.locked = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}

/// A value shared by the tasks of one association (reader, worker, watchdog).
final class Shared<Value: Sendable>: Sendable {
    let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T { try mutex.withLock { try body(&$0) } }
}
