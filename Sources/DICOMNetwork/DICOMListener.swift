import DICOM
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// Associations open right now, for the live associations page.
public final class AssociationRegistry: Sendable {
    public struct Entry: Sendable, Codable, Equatable {
        public var info: AssociationInfo
        public var direction: String
        public var messages: Int
        public var lastOperation: String?
    }

    let entries = Mutex<[String: Entry]>([:])

    public init() {}

    public var all: [Entry] { entries.withLock { Array($0.values) }.sorted { $0.info.startedAt < $1.info.startedAt } }

    func open(_ info: AssociationInfo, direction: String) {
        entries.withLock { $0[info.id] = Entry(info: info, direction: direction, messages: 0) }
    }

    func note(_ id: String, operation: String) {
        entries.withLock {
            $0[id]?.messages += 1
            $0[id]?.lastOperation = operation
        }
    }

    func close(_ id: String) { _ = entries.withLock { $0.removeValue(forKey: id) } }
}

/// The DICOM port: accepts associations on SwiftNIO, runs each through an `AssociationAcceptor`, and hands the
/// requests to the service provider one at a time (no asynchronous operations window), while the reader keeps
/// reading so C-CANCEL and C-GET's C-STORE responses arrive during long operations.
/// Joins the server's ServiceGroup, so SIGTERM stops accepting and lets open associations finish.
public struct DICOMListener: Service {
    public let host: String
    public let port: Int
    public let policy: AcceptorPolicy
    public let services: DIMSEServiceProvider
    public let registry: AssociationRegistry
    public let maxAssociations: Int
    /// ARTIM: how long a connection may stay open without an A-ASSOCIATE-RQ.
    public let artimSeconds: Double
    /// How long an established association may stay silent.
    public let idleSeconds: Double
    /// DICOM TLS (PS3.15 B.1): when set, every connection on this port starts with a TLS handshake.
    public let tls: NIOSSLContext?
    let logger: Logger
    let active = Counter()

    /// Associations in progress (shared by the connection tasks).
    final class Counter: Sendable {
        let value = Mutex(0)
    }

    public init(host: String, port: Int, policy: AcceptorPolicy, services: DIMSEServiceProvider? = nil, registry: AssociationRegistry = AssociationRegistry(),
                maxAssociations: Int = 64, artimSeconds: Double = 30, idleSeconds: Double = 300, tls: NIOSSLContext? = nil, logger: Logger) {
        self.tls = tls
        self.host = host
        self.port = port
        self.services = services ?? DIMSEServiceProvider(aeTitle: policy.aeTitle, logger: logger)
        var policy = policy
        policy.abstractSyntaxes.formUnion(self.services.abstractSyntaxes)
        self.policy = policy
        self.registry = registry
        self.maxAssociations = maxAssociations
        self.artimSeconds = artimSeconds
        self.idleSeconds = idleSeconds
        self.logger = logger
    }

    public func run() async throws {
        let tls = tls
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        logger.info("DICOM listener \(policy.aeTitle) on \(host):\(port)\(tls == nil ? "" : " (TLS)")")
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
    }

    enum Work: Sendable {
        case message(DIMSEMessage)
        case release
    }

    func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let overLimit = active.value.withLock { count -> Bool in
            count += 1
            return count > maxAssociations
        }
        defer { active.value.withLock { $0 -= 1 } }
        let peerHost = connection.channel.remoteAddress?.ipAddress ?? "?"
        let channel = connection.channel
        // ARTIM, then the idle timer: closing the channel ends the read loop below.
        let lastActivity = Shared(ContinuousClock.now)
        let associated = Shared(false)
        let dimseWrites = Shared<DIMSEConnection?>(nil)
        let artim = artimSeconds, idle = idleSeconds
        let watchdog = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                let heard = lastActivity.withLock { $0 }
                let quiet = ContinuousClock.now - max(heard, dimseWrites.withLock { $0 }?.lastWrite ?? heard)
                let limit = associated.withLock { $0 } ? idle : artim
                if quiet > .milliseconds(Int(limit * 1000)) {
                    channel.close(promise: nil)
                    return
                }
            }
        }
        defer { watchdog.cancel() }
        do {
            try await connection.executeThenClose { input, output in
                let dimse = DIMSEConnection(output: output, channel: channel)
                dimseWrites.withLock { $0 = dimse }
                let queued = Shared(0)
                let acceptor = Shared(AssociationAcceptor(policy: policy))
                let info = Shared<AssociationInfo?>(nil)
                let (work, queue) = AsyncStream<Work>.makeStream()
                let services = services, registry = registry, logger = logger
                // Requests run here, one at a time, in the order they arrived.
                let worker = Task {
                    for await item in work {
                        queued.withLock { $0 -= 1 }
                        guard let association = info.withLock({ $0 }) else { continue }
                        switch item {
                        case .message(let message):
                            registry.note(association.id, operation: message.field?.label ?? "?")
                            do {
                                try await services.handle(message, association: association, connection: dimse)
                            } catch {
                                logger.debug("\(association.callingAETitle): \(message.field?.label ?? "?") ended: \(error)")
                            }
                        case .release:
                            let out = acceptor.withLock { $0.releaseResponse() }
                            try? await dimse.send(pdus: out.pdus)
                            dimse.close()
                            return
                        }
                    }
                }
                defer {
                    acceptor.withLock { $0.transportClosed() }
                    worker.cancel()
                    dimse.closed()
                    if let id = info.withLock({ $0?.id }) { registry.close(id) }
                }
                var framer = PDUFramer(maxPDULength: Int(policy.maxPDULength))
                for try await chunk in input {
                    lastActivity.withLock { $0 = .now }
                    for item in framer.push(chunk) {
                        var result: AssociationOutput
                        switch item {
                        case .invalid(let why):
                            logger.warning("malformed PDU from \(peerHost): \(why)")
                            result = acceptor.withLock { $0.receiveInvalid() }
                        case .pdu(.associateRQ) where overLimit:
                            result = AssociationOutput(pdus: [.associateRJ(.localLimitExceeded)], close: true)
                        case .pdu(let pdu):
                            result = acceptor.withLock { a in
                                a.receive(pdu) { message, context in
                                    guard let association = info.withLock({ $0 }) else { return nil }
                                    return try services.sink(for: message, context: context, association: association)
                                }
                            }
                            if case .associateRQ(let rq) = pdu, case .associateAC? = result.pdus.first {
                                let (contexts, max, extended) = acceptor.withLock { ($0.contexts, $0.peerMaxPDULength, $0.extendedNegotiation) }
                                let association = AssociationInfo(callingAETitle: rq.callingAETitle, calledAETitle: rq.calledAETitle, peerHost: peerHost,
                                                                  extendedNegotiation: extended)
                                info.withLock { $0 = association }
                                dimse.established(contexts: contexts, peerMaxPDULength: max)
                                registry.open(association, direction: "in")
                                associated.withLock { $0 = true }
                            }
                        }
                        try await dimse.send(pdus: result.pdus)
                        for message in result.messages {
                            if message.field?.isResponse == true {
                                dimse.deliverResponse(message)
                            } else if message.field == .cCancelRQ {
                                dimse.cancel(message)
                            } else {
                                // We grant no asynchronous operations window: a peer that keeps sending requests
                                // without waiting for the answers is stopped before it can fill memory.
                                let depth = queued.withLock { q -> Int in
                                    q += 1
                                    return q
                                }
                                if depth > 8 {
                                    logger.warning("\(peerHost) sent \(depth) requests without waiting for responses; aborting")
                                    let abort = acceptor.withLock { $0.abort(reason: 0) }
                                    try? await dimse.send(pdus: abort.pdus)
                                    return
                                }
                                queue.yield(.message(message))
                            }
                        }
                        if result.releaseRequested {
                            queue.yield(.release)
                            queue.finish()
                        }
                        if result.close { return }
                    }
                }
                // The peer is gone: nobody will answer our requests any more (C-GET sub-operations, reports).
                queue.finish()
                dimse.closed()
                await worker.value
            }
        } catch {
            logger.debug("association with \(peerHost) ended: \(error)")
        }
    }
}

extension DICOMListener {
    /// A server TLS context from PEM certificate (chain) and private key files, TLS 1.2 or later (PS3.15 B.9 profile).
    public static func tlsContext(certificateFile: String, keyFile: String) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem)))
        configuration.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: configuration)
    }
}
