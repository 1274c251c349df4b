import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The DICOM port: accepts associations on SwiftNIO and runs each through an `AssociationAcceptor`.
/// Joins the server's ServiceGroup, so SIGTERM stops accepting and lets open associations finish.
public struct DICOMListener: Service {
    public let host: String
    public let port: Int
    public let policy: AcceptorPolicy
    public let maxAssociations: Int
    /// ARTIM: how long a connection may stay open without an A-ASSOCIATE-RQ.
    public let artimSeconds: Double
    /// How long an established association may stay silent.
    public let idleSeconds: Double
    let logger: Logger
    let active = Counter()

    /// Associations in progress (shared by the connection tasks).
    final class Counter: Sendable {
        let value = Mutex(0)
    }

    public init(host: String, port: Int, policy: AcceptorPolicy, maxAssociations: Int = 64, artimSeconds: Double = 30,
                idleSeconds: Double = 300, logger: Logger) {
        self.host = host
        self.port = port
        self.policy = policy
        self.maxAssociations = maxAssociations
        self.artimSeconds = artimSeconds
        self.idleSeconds = idleSeconds
        self.logger = logger
    }

    public func run() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        logger.info("DICOM listener \(policy.aeTitle) on \(host):\(port)")
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

    func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let overLimit = active.value.withLock { count -> Bool in
            count += 1
            return count > maxAssociations
        }
        defer { active.value.withLock { $0 -= 1 } }
        let peer = connection.channel.remoteAddress?.description ?? "?"
        let channel = connection.channel
        // ARTIM, then the idle timer: closing the channel ends the read loop below.
        let lastActivity = Mutex(ContinuousClock.now)
        let associated = Mutex(false)
        let artim = artimSeconds, idle = idleSeconds
        let watchdog = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                let quiet = ContinuousClock.now - lastActivity.withLock { $0 }
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
                var acceptor = AssociationAcceptor(policy: policy, handler: DIMSEServices.handle)
                var buffer = ByteBuffer()
                let limit = Int(policy.maxPDULength) + 1024
                for try await var chunk in input {
                    lastActivity.withLock { $0 = .now }
                    buffer.writeBuffer(&chunk)
                    while buffer.readableBytes >= 6 {
                        let header = buffer.getBytes(at: buffer.readerIndex, length: 6)!
                        guard let (type, length) = PDUCodec.header(header) else { break }
                        var result: AssociationAcceptor.Output
                        if type == 0x04 && length > limit || length > 1 << 20 && type != 0x04 {
                            logger.warning("PDU of \(length) bytes from \(peer) exceeds the limit; aborting")
                            result = acceptor.receiveInvalid()
                        } else {
                            guard buffer.readableBytes >= 6 + length else { break }
                            let bytes = Data(buffer.readBytes(length: 6 + length)!)
                            if overLimit, type == 0x01 {
                                result = AssociationAcceptor.Output(pdus: [.associateRJ(.localLimitExceeded)], close: true)
                            } else {
                                do {
                                    result = acceptor.receive(try PDUCodec.decode(bytes, maxLength: limit))
                                } catch {
                                    logger.warning("malformed PDU from \(peer): \(error)")
                                    result = acceptor.receiveInvalid()
                                }
                            }
                        }
                        associated.withLock { $0 = acceptor.machine.state == .associated }
                        for pdu in result.pdus { try await output.write(ByteBuffer(bytes: PDUCodec.encode(pdu))) }
                        if result.close { return }
                    }
                    buffer.discardReadBytes()
                }
            }
        } catch {
            logger.debug("association with \(peer) ended: \(error)")
        }
    }
}
