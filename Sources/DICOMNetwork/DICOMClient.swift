import DICOM
import DICOMImaging
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The SCU side: opens an association, runs the caller's operations on it, releases it.
///
///     try await DICOMClient.withAssociation(to: peer, callingAETitle: "YUNYING", contexts: ...) { association in
///         try await association.echo()
///     }
public enum DICOMClient {
    /// Requests the peer sends us on this association (C-STORE sub-operations of a C-GET, N-EVENT-REPORT).
    public typealias IncomingHandler = @Sendable (DIMSEMessage, ClientAssociation) async throws -> Void

    public struct Options: Sendable {
        public var connectTimeout: Duration = .seconds(10)
        /// How long we wait for the A-ASSOCIATE-AC, then for each response.
        public var responseTimeout: Duration = .seconds(60)
        public var maxPDULength: UInt32 = 262_144
        /// Client TLS for peers marked `tls` (trust roots, and our certificate when the peer asks for one).
        public var tls: NIOSSLContext?
        /// Where open associations are listed for the administrators (outbound ones next to the listener's inbound).
        public var registry: AssociationRegistry?
        public init() {}
    }

    /// A client TLS context: peers verified against `caFile` (the system roots without it), without host name checks
    /// (DICOM peers are usually addressed by IP); our certificate and key when given (mutual TLS). TLS 1.2 or later.
    public static func tlsContext(caFile: String?, certificateFile: String?, keyFile: String?) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .noHostnameVerification
        if let caFile { configuration.trustRoots = .file(caFile) }
        if let certificateFile, let keyFile {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        }
        return try NIOSSLContext(configuration: configuration)
    }

    public static func withAssociation<T: Sendable>(
        to peer: RemoteAE, callingAETitle: String, contexts: [PresentationContextRQ], roles: [RoleSelection] = [],
        options: Options = Options(), incomingFile: (@Sendable (DIMSEMessage, AcceptedContext) throws -> DatasetSink?)? = nil,
        incoming: IncomingHandler? = nil, _ body: @Sendable (ClientAssociation) async throws -> T
    ) async throws -> T {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        if peer.tls && options.tls == nil {
            throw DIMSEError.connectionFailed("\(peer.aeTitle) needs TLS, and no client TLS is configured")
        }
        let tls = peer.tls ? options.tls : nil
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(Int64(options.connectTimeout.components.seconds * 1000)))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: peer.host, port: peer.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: nil)) }
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw DIMSEError.connectionFailed("\(peer.host):\(peer.port): \(error)")
        }
        var user = UserInformation(maxLength: options.maxPDULength, implementationClassUID: DICOMWriter.implementationClassUID,
                                   implementationVersionName: DICOMWriter.implementationVersionName)
        user.roleSelections = roles
        let rq = AssociateRQ(calledAETitle: peer.aeTitle, callingAETitle: callingAETitle, presentationContexts: contexts, userInformation: user)
        let info = AssociationInfo(callingAETitle: callingAETitle, calledAETitle: peer.aeTitle, peerHost: peer.host)

        return try await channel.executeThenClose { input, output in
            let connection = DIMSEConnection(output: output, channel: channel.channel)
            let association = ClientAssociation(connection: connection, info: info, requestor: AssociationRequestor(request: rq),
                                                registry: options.registry)
            options.registry?.open(info, direction: "out")
            defer { options.registry?.close(info.id) }
            let lastActivity = Shared(ContinuousClock.now)
            try await connection.send(pdus: [.associateRQ(rq)])
            return try await withThrowingTaskGroup(of: Void.self) { group in
                // Reader: PDUs in, responses to their waiters, requests to `incoming`.
                group.addTask {
                    defer {
                        connection.closed()
                        association.established.fail(DIMSEError.associationClosed)
                    }
                    var framer = PDUFramer(maxPDULength: Int(options.maxPDULength))
                    for try await chunk in input {
                        lastActivity.withLock { $0 = .now }
                        for item in framer.push(chunk) {
                            let out: AssociationOutput = association.requestor.withLock { r in
                                switch item {
                                case .pdu(let pdu): r.receive(pdu, sinkFor: { m, c in try incomingFile?(m, c) })
                                case .invalid: r.receiveInvalid()
                                }
                            }
                            try? await connection.send(pdus: out.pdus)
                            if case .pdu(.associateAC) = item {
                                let (contexts, max) = association.requestor.withLock { ($0.contexts, $0.peerMaxPDULength) }
                                connection.established(contexts: contexts, peerMaxPDULength: max)
                                association.established.succeed()
                            }
                            if case .pdu(.associateRJ(let rj)) = item { association.established.fail(DIMSEError.rejected(rj)) }
                            if case .pdu(.abort) = item { association.established.fail(DIMSEError.aborted) }
                            for message in out.messages {
                                if message.field?.isResponse == true {
                                    connection.deliverResponse(message)
                                } else if let incoming {
                                    try await incoming(message, association)
                                } else {
                                    try await connection.send(.response(to: message, status: DIMSEStatus.unrecognizedOperation))
                                }
                            }
                            if out.releaseRequested {
                                let reply = association.requestor.withLock { $0.releaseResponse() }
                                try? await connection.send(pdus: reply.pdus)
                            }
                            if out.close {
                                connection.close()
                                return
                            }
                        }
                    }
                }
                // Watchdog: while we wait for the A-ASSOCIATE-AC or a response, `responseTimeout` of silence from the
                // peer (counted from our last write, so a long send is not silence) closes the association.
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .milliseconds(250))
                        let quiet = ContinuousClock.now - max(lastActivity.withLock { $0 }, connection.lastWrite)
                        let waiting = !association.established.isDone || connection.hasWaiters()
                        if waiting && quiet > options.responseTimeout || quiet > options.responseTimeout * 10 {
                            association.established.fail(DIMSEError.timeout("\(peer.aeTitle)"))
                            connection.closed(DIMSEError.timeout("a response from \(peer.aeTitle)"))
                            connection.close()
                            return
                        }
                    }
                }
                do {
                    try await association.established.wait()
                    let result = try await body(association)
                    await association.release()
                    group.cancelAll()
                    return result
                } catch {
                    await association.abort()
                    group.cancelAll()
                    throw error
                }
            }
        }
    }

    /// Streams incoming C-STORE data sets (C-GET sub-operations) into Part 10 files in `folder`.
    public static func fileSink(in folder: URL, callingAETitle: String) -> @Sendable (DIMSEMessage, AcceptedContext) throws -> DatasetSink? {
        { message, context in
            guard message.field == .cStoreRQ, let sop = message.affectedSOPInstanceUID else { return nil }
            return try PartTenFileSink(url: folder.appendingPathComponent(UUID().uuidString.lowercased() + ".dcm"),
                                       sopClassUID: message.affectedSOPClassUID ?? "", sopInstanceUID: sop,
                                       transferSyntax: context.transferSyntax, sourceAETitle: callingAETitle)
        }
    }

    /// Presentation contexts for sending objects of the given SOP classes and syntaxes: for each pair, one context
    /// with the stored syntax alone (so the peer can keep it) and one with the native syntaxes as a fallback.
    public static func storageContexts(for items: [(sopClassUID: String, transferSyntax: String)]) -> [PresentationContextRQ] {
        var seen = Set<String>()
        var out: [PresentationContextRQ] = []
        var id: UInt8 = 1
        func add(_ sop: String, _ syntaxes: [String]) {
            let key = sop + "|" + syntaxes.joined(separator: ",")
            guard !seen.contains(key), id < 255 else { return }
            seen.insert(key)
            out.append(PresentationContextRQ(id: id, abstractSyntax: sop, transferSyntaxes: syntaxes))
            id &+= 2
        }
        for item in items {
            if !AcceptorPolicy.nativeSyntaxes.contains(item.transferSyntax) { add(item.sopClassUID, [item.transferSyntax]) }
            add(item.sopClassUID, AcceptorPolicy.nativeSyntaxes)
        }
        return out
    }
}

/// A one-shot signal: the association is established (or failed to be).
final class EstablishedSignal: Sendable {
    let state = Mutex<(result: Result<Void, Error>?, waiters: [CheckedContinuation<Void, Error>])>((nil, []))

    func succeed() { complete(.success(())) }
    var isDone: Bool { state.withLock { $0.result != nil } }
    func fail(_ error: Error) { complete(.failure(error)) }

    private func complete(_ result: Result<Void, Error>) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Error>] in
            guard s.result == nil else { return [] }
            s.result = result
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(with: result) }
    }

    func wait() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
            let done = state.withLock { s -> Result<Void, Error>? in
                if s.result == nil { s.waiters.append(c) }
                return s.result
            }
            if let done { c.resume(with: done) }
        }
    }
}

/// An established association, as the SCU sees it.
public final class ClientAssociation: Sendable {
    public let connection: DIMSEConnection
    public let info: AssociationInfo
    let requestor: Shared<AssociationRequestor>
    let established = EstablishedSignal()
    let registry: AssociationRegistry?

    init(connection: DIMSEConnection, info: AssociationInfo, requestor: AssociationRequestor, registry: AssociationRegistry? = nil) {
        self.connection = connection
        self.info = info
        self.registry = registry
        self.requestor = Shared(requestor)
    }

    public var acceptedContexts: [AcceptedContext] { connection.contexts.values.sorted { $0.id < $1.id } }

    func release() async {
        let out = requestor.withLock { $0.releaseRequest() }
        try? await connection.send(pdus: out.pdus)
        // The reader closes the channel when the A-RELEASE-RP arrives; give the peer a moment, then close anyway.
        let channel = connection.channel
        let timer = Task {
            try await Task.sleep(for: .seconds(5))
            channel.close(promise: nil)
        }
        try? await channel.closeFuture.get()
        timer.cancel()
    }

    func abort() async {
        let out = requestor.withLock { $0.abort(reason: 0) }
        try? await connection.send(pdus: out.pdus)
        connection.close()
    }

    // MARK: Operations

    public func echo() async throws -> UInt16 {
        guard let ctx = connection.context(for: SOPClass.verification) else { throw DIMSEError.noContext("Verification") }
        let response = try await connection.requestFinal(
            .request(.cEchoRQ, messageID: connection.nextMessageID(), contextID: ctx.id, sopClass: SOPClass.verification))
        return response.status ?? DIMSEStatus.processingFailure
    }

    /// Sends one stored object (see `DIMSEConnection.store`).
    public func store(_ item: RetrieveItem, moveOriginator: (aeTitle: String, messageID: Int)? = nil) async throws -> UInt16 {
        registry?.note(info.id, operation: "C-STORE")
        return try await connection.store(item, requestorIsSCP: nil, moveOriginator: moveOriginator)
    }

    /// The object's data set in another syntax, for a peer that did not accept the stored one.
    static func transcoded(_ item: RetrieveItem, to syntax: String) throws -> Data {
        let file = try DICOMFile.read(contentsOf: item.file)
        let target = TransferSyntax.forUID(syntax)
        let converted = try PixelCodecs.transcode(file, to: target)
        return DICOMWriter.encode(converted.dataset, syntax: target)
    }

    /// C-FIND: the matches and the final status.
    public func find(sopClass: String, identifier: DataSet) async throws -> (matches: [DataSet], status: UInt16) {
        guard let ctx = connection.context(for: sopClass) else { throw DIMSEError.noContext(UIDDictionary.name(for: sopClass)) }
        let syntax = TransferSyntax.forUID(ctx.transferSyntax)
        let request = DIMSEMessage.request(.cFindRQ, messageID: connection.nextMessageID(), contextID: ctx.id, sopClass: sopClass,
                                           payload: .bytes(DICOMWriter.encode(identifier, syntax: syntax)))
        var matches: [DataSet] = []
        var status = DIMSEStatus.processingFailure
        for try await response in try await connection.request(request) {
            status = response.status ?? DIMSEStatus.processingFailure
            if let data = response.dataset, DIMSEStatus.kind(status) == .pending {
                matches.append(try DICOMReader.readDataSet(data, syntax: syntax))
            }
        }
        return (matches, status)
    }

    /// Storage Commitment request (push model, N-ACTION type 1). The result arrives later as an N-EVENT-REPORT: on
    /// this association through the `incoming` handler, or on a new association to our listener.
    public func requestStorageCommitment(_ references: [(sopClassUID: String, sopInstanceUID: String)]) async throws
        -> (transactionUID: String, status: UInt16)
    {
        guard let ctx = connection.context(for: SOPClass.storageCommitmentPush) else { throw DIMSEError.noContext("Storage Commitment") }
        let transaction = UIDGenerator.make()
        var request = DataSet()
        request.set(Tag(0x0008, 0x1195), .UI, string: transaction)
        let items = references.map { ref -> DataSet in
            var item = DataSet()
            item.set(Tag(0x0008, 0x1150), .UI, string: ref.sopClassUID)
            item.set(Tag(0x0008, 0x1155), .UI, string: ref.sopInstanceUID)
            return item
        }
        request.set(Element(tag: Tag(0x0008, 0x1199), vr: .SQ, value: .sequence(items)))
        let message = DIMSEMessage.request(.nActionRQ, messageID: connection.nextMessageID(), contextID: ctx.id, sopClass: SOPClass.storageCommitmentPush,
                                           payload: .bytes(DICOMWriter.encode(request, syntax: TransferSyntax.forUID(ctx.transferSyntax)))) { ds in
            ds.set(CommandTag.requestedSOPInstanceUID, .UI, string: SOPClass.storageCommitmentPushInstance)
            ds.set(CommandTag.actionTypeID, .US, ints: [1])
        }
        let response = try await connection.requestFinal(message)
        return (transaction, response.status ?? DIMSEStatus.processingFailure)
    }

    /// Sub-operation counts of a C-MOVE or C-GET.
    public struct RetrieveResult: Sendable, Equatable {
        public var status: UInt16
        public var completed: Int
        public var failed: Int
        public var warning: Int
    }

    /// C-MOVE to `destination`, or C-GET (objects arrive through the association's `incoming` handler).
    public func retrieve(sopClass: String, identifier: DataSet, moveDestination: String? = nil) async throws -> RetrieveResult {
        guard let ctx = connection.context(for: sopClass) else { throw DIMSEError.noContext(UIDDictionary.name(for: sopClass)) }
        let syntax = TransferSyntax.forUID(ctx.transferSyntax)
        let request = DIMSEMessage.request(moveDestination == nil ? .cGetRQ : .cMoveRQ, messageID: connection.nextMessageID(), contextID: ctx.id,
                                           sopClass: sopClass, payload: .bytes(DICOMWriter.encode(identifier, syntax: syntax))) { ds in
            if let moveDestination { ds.set(CommandTag.moveDestination, .AE, string: moveDestination) }
        }
        var result = RetrieveResult(status: DIMSEStatus.processingFailure, completed: 0, failed: 0, warning: 0)
        for try await response in try await connection.request(request) {
            result.status = response.status ?? DIMSEStatus.processingFailure
            result.completed = response.command.int(CommandTag.completed) ?? result.completed
            result.failed = response.command.int(CommandTag.failed) ?? result.failed
            result.warning = response.command.int(CommandTag.warning) ?? result.warning
        }
        return result
    }
}
