import DICOM
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import DICOMNetwork

/// Our SCU against our SCP, in process over loopback: echo, store (streamed to a file), find, get with role
/// selection, storage commitment with the report on the same association, and association rejection.
struct ClientServerTests {
    final class Recorder: StorageService, QueryService, RetrieveService, CommitmentService, @unchecked Sendable {
        let folder: URL
        let stored = Mutex<[URL]>([])
        init(folder: URL) { self.folder = folder }

        func incomingFile(sopInstanceUID: String) throws -> URL { folder.appendingPathComponent(UUID().uuidString + ".dcm") }
        func store(_ file: URL, sopClassUID: String, sopInstanceUID: String, association: AssociationInfo) async -> StoreOutcome {
            stored.withLock { $0.append(file) }
            return StoreOutcome(status: 0)
        }
        func find(model: QueryModel, identifier: DataSet, association: AssociationInfo) async throws -> [DataSet] {
            var a = DataSet()
            a.set(.patientID, .LO, string: "P1")
            var b = DataSet()
            b.set(.patientID, .LO, string: "P2")
            return [a, b]
        }
        func instances(model: QueryModel, identifier: DataSet, association: AssociationInfo) async throws -> [RetrieveItem] {
            stored.withLock { $0 }.map { url in
                RetrieveItem(file: url, sopClassUID: "1.2.840.10008.5.1.4.1.1.7", sopInstanceUID: "1.2.3.4", transferSyntax: TransferSyntax.explicitVRLittleEndian.uid)
            }
        }
        func remoteAE(_ aeTitle: String) async -> RemoteAE? { nil }
        func commit(references: [(sopClassUID: String, sopInstanceUID: String)], association: AssociationInfo) async
            -> (committed: [(sopClassUID: String, sopInstanceUID: String)], failed: [(sopClassUID: String, sopInstanceUID: String)])
        {
            (references.filter { $0.sopInstanceUID == "1.2.3.4" }, references.filter { $0.sopInstanceUID != "1.2.3.4" })
        }
    }

    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }

    func withServer(_ body: (RemoteAE, Recorder) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("yy-net-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let recorder = Recorder(folder: folder)
        var provider = DIMSEServiceProvider(aeTitle: "YUNYING")
        provider.storage = recorder
        provider.query = recorder
        provider.retrieve = recorder
        provider.commitment = recorder
        let port = try await Self.freePort()
        let listener = DICOMListener(host: "127.0.0.1", port: port,
                                     policy: AcceptorPolicy(aeTitle: "YUNYING", storageSOPClasses: UIDDictionary.storageSOPClasses),
                                     services: provider, logger: Logger(label: "test"))
        let task = Task { try await listener.run() }
        defer { task.cancel() }
        for _ in 0..<50 {
            if (try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get().close()) != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await body(RemoteAE(aeTitle: "YUNYING", host: "127.0.0.1", port: port), recorder)
    }

    static func secondaryCapture() throws -> URL {
        var ds = DataSet()
        ds.set(.sopClassUID, .UI, string: "1.2.840.10008.5.1.4.1.1.7")
        ds.set(.sopInstanceUID, .UI, string: "1.2.3.4")
        ds.set(.studyInstanceUID, .UI, string: "1.2.3")
        ds.set(.seriesInstanceUID, .UI, string: "1.2.3.1")
        ds.set(.patientID, .LO, string: "P1")
        ds.set(.pixelData, .OW, data: Data(repeating: 7, count: 300_000))  // larger than one PDU: fragmented both ways
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("yy-sc-\(UUID().uuidString).dcm")
        try DICOMWriter.write(DICOMFile(dataset: ds, transferSyntax: .explicitVRLittleEndian), to: url)
        return url
    }

    @Test("echo, store streamed to a file, find with pending responses")
    func storeAndFind() async throws {
        try await withServer { peer, recorder in
            let file = try Self.secondaryCapture()
            let contexts = [
                PresentationContextRQ(id: 1, abstractSyntax: SOPClass.verification, transferSyntaxes: AcceptorPolicy.nativeSyntaxes),
                PresentationContextRQ(id: 3, abstractSyntax: SOPClass.studyRootFind, transferSyntaxes: AcceptorPolicy.nativeSyntaxes),
            ] + DICOMClient.storageContexts(for: [("1.2.840.10008.5.1.4.1.1.7", TransferSyntax.explicitVRLittleEndian.uid)]).map {
                PresentationContextRQ(id: $0.id + 4, abstractSyntax: $0.abstractSyntax, transferSyntaxes: $0.transferSyntaxes)
            }
            let outbound = AssociationRegistry()
            var options = DICOMClient.Options()
            options.registry = outbound
            let (echo, store, found) = try await DICOMClient.withAssociation(to: peer, callingAETitle: "TEST", contexts: contexts, options: options) { a in
                let echo = try await a.echo()
                let store = try await a.store(RetrieveItem(file: file, sopClassUID: "1.2.840.10008.5.1.4.1.1.7", sopInstanceUID: "1.2.3.4",
                                                           transferSyntax: TransferSyntax.explicitVRLittleEndian.uid))
                // Our own association is listed while it is open, as outbound, with what it did.
                let listed = outbound.all
                #expect(listed.count == 1 && listed[0].direction == "out" && listed[0].info.calledAETitle == peer.aeTitle && listed[0].lastOperation == "C-STORE")
                var q = DataSet()
                q.set(Tag(0x0008, 0x0052), .CS, string: "STUDY")
                q.set(.patientID, .LO, string: "")
                return (echo, store, try await a.find(sopClass: SOPClass.studyRootFind, identifier: q))
            }
            #expect(echo == 0 && store == 0)
            #expect(outbound.all.isEmpty, "gone once released")
            #expect(found.status == 0 && found.matches.compactMap { $0.string(.patientID) } == ["P1", "P2"])
            let received = try #require(recorder.stored.withLock { $0 }.first)
            let original = try DICOMFile.read(contentsOf: file)
            let copy = try DICOMFile.read(contentsOf: received)
            #expect(copy.dataset == original.dataset, "the streamed file holds the same data set")
        }
    }

    @Test("C-GET delivers on the same association; storage commitment reports on the same association when the requestor has no address")
    func getAndCommitment() async throws {
        try await withServer { peer, recorder in
            let file = try Self.secondaryCapture()
            let sc = "1.2.840.10008.5.1.4.1.1.7"
            _ = try await DICOMClient.withAssociation(
                to: peer, callingAETitle: "TEST",
                contexts: DICOMClient.storageContexts(for: [(sc, TransferSyntax.explicitVRLittleEndian.uid)])
            ) { try await $0.store(RetrieveItem(file: file, sopClassUID: sc, sopInstanceUID: "1.2.3.4", transferSyntax: TransferSyntax.explicitVRLittleEndian.uid)) }

            let received = Mutex<[DIMSEMessage]>([])
            let contexts = [
                PresentationContextRQ(id: 1, abstractSyntax: SOPClass.studyRootGet, transferSyntaxes: AcceptorPolicy.nativeSyntaxes),
                PresentationContextRQ(id: 3, abstractSyntax: sc, transferSyntaxes: AcceptorPolicy.nativeSyntaxes),
                PresentationContextRQ(id: 5, abstractSyntax: SOPClass.storageCommitmentPush, transferSyntaxes: AcceptorPolicy.nativeSyntaxes),
            ]
            let result = try await DICOMClient.withAssociation(
                to: peer, callingAETitle: "TEST", contexts: contexts, roles: [RoleSelection(sopClassUID: sc, scuRole: false, scpRole: true)],
                incomingFile: DICOMClient.fileSink(in: recorder.folder, callingAETitle: "YUNYING"),
                incoming: { message, association in
                    received.withLock { $0.append(message) }
                    try await association.connection.send(.response(to: message, status: 0))
                }
            ) { a in
                var q = DataSet()
                q.set(Tag(0x0008, 0x0052), .CS, string: "STUDY")
                q.set(.studyInstanceUID, .UI, string: "1.2.3")
                let get = try await a.retrieve(sopClass: SOPClass.studyRootGet, identifier: q)
                let commitment = try await a.requestStorageCommitment([(sc, "1.2.3.4"), (sc, "9.9.9")])
                for _ in 0..<100 where received.withLock({ $0.count }) < 2 { try await Task.sleep(for: .milliseconds(20)) }
                return (get, commitment)
            }
            #expect(result.0.status == 0 && result.0.completed == 1 && result.0.failed == 0)
            #expect(result.1.status == 0)
            let messages = received.withLock { $0 }
            #expect(messages.map(\.field) == [.cStoreRQ, .nEventReportRQ])
            if case .file(let url) = messages.first?.payload {
                #expect(try DICOMFile.read(contentsOf: url).dataset.string(.sopInstanceUID) == "1.2.3.4")
            } else {
                Issue.record("the C-GET sub-operation should arrive as a file")
            }
            #expect(messages.last?.command.int(CommandTag.eventTypeID) == 2, "one reference failed: event type 2")
        }
    }

    @Test("a wrong called AE title is rejected with the PS3.8 reason")
    func rejected() async throws {
        try await withServer { peer, _ in
            var wrong = peer
            wrong.aeTitle = "NOBODY"
            await #expect(throws: DIMSEError.rejected(.calledAENotRecognized)) {
                try await DICOMClient.withAssociation(to: wrong, callingAETitle: "TEST",
                    contexts: [PresentationContextRQ(id: 1, abstractSyntax: SOPClass.verification, transferSyntaxes: AcceptorPolicy.nativeSyntaxes)]) {
                    try await $0.echo()
                }
            }
        }
    }
}
