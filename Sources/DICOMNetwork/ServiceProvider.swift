import DICOM
import Foundation
import Logging
import NIOSSL

/// The SCP side of every service class: takes a request off an association, calls the domain service behind it,
/// and answers with the right DIMSE responses. Services that are not configured answer 0x0211 (unrecognised).
public struct DIMSEServiceProvider: Sendable {
    public var storage: (any StorageService)?
    public var query: (any QueryService)?
    public var retrieve: (any RetrieveService)?
    public var worklist: (any WorklistService)?
    public var mpps: (any MPPSService)?
    public var commitment: (any CommitmentService)?
    public var activity: (any DIMSEActivitySink)?
    /// Our AE title, used when we open associations for MOVE sub-operations and commitment reports.
    public var aeTitle: String
    /// Client TLS for destinations marked `tls`.
    public var clientTLS: NIOSSLContext?
    /// Where the associations we open are listed (the listener's registry).
    public var registry: AssociationRegistry?
    /// Options for the associations we open (MOVE sub-operations, commitment reports).
    var clientOptions: DICOMClient.Options {
        var options = DICOMClient.Options()
        options.tls = clientTLS
        options.registry = registry
        return options
    }
    public var logger: Logger

    public init(aeTitle: String, logger: Logger = Logger(label: "yunying.dicom")) {
        self.aeTitle = aeTitle
        self.logger = logger
    }

    /// The SOP classes these services can accept (for the acceptor policy).
    public var abstractSyntaxes: Set<String> {
        var out: Set<String> = [SOPClass.verification]
        if query != nil { out.formUnion([SOPClass.patientRootFind, SOPClass.studyRootFind]) }
        if retrieve != nil {
            out.formUnion([SOPClass.patientRootMove, SOPClass.studyRootMove, SOPClass.patientRootGet, SOPClass.studyRootGet])
        }
        if worklist != nil { out.insert(SOPClass.modalityWorklistFind) }
        if mpps != nil { out.insert(SOPClass.mpps) }
        // Storage commitment as SCP, and as SCU receiving reports for the commitments we request.
        out.insert(SOPClass.storageCommitmentPush)
        return out
    }

    /// Where an incoming C-STORE data set is streamed: a Part 10 file in the storage service's incoming area.
    func sink(for message: DIMSEMessage, context: AcceptedContext, association: AssociationInfo) throws -> DatasetSink? {
        guard message.field == .cStoreRQ, let storage, let sop = message.affectedSOPInstanceUID else { return nil }
        return try PartTenFileSink(url: try storage.incomingFile(sopInstanceUID: sop), sopClassUID: message.affectedSOPClassUID ?? "",
                                   sopInstanceUID: sop, transferSyntax: context.transferSyntax, sourceAETitle: association.callingAETitle,
                                   sync: false)
    }

    public func handle(_ message: DIMSEMessage, association: AssociationInfo, connection: DIMSEConnection) async throws {
        let context = connection.contexts[message.contextID]
        switch message.field {
        case .cEchoRQ:
            try await connection.send(.response(to: message, status: DIMSEStatus.success))
            await record(association, "in", "C-ECHO", SOPClass.verification, DIMSEStatus.success, "")
        case .cStoreRQ where storage != nil:
            try await store(message, association: association, connection: connection)
        case .cFindRQ where message.affectedSOPClassUID == SOPClass.modalityWorklistFind && worklist != nil:
            try await find(message, context: context, association: association, connection: connection) { identifier in
                try await worklist!.find(identifier: identifier, association: association)
            }
        case .cFindRQ where query != nil:
            guard let model = QueryModel(sopClass: message.affectedSOPClassUID ?? "") else { return try await refuse(message, connection) }
            try await find(message, context: context, association: association, connection: connection) { identifier in
                try await query!.find(model: model, identifier: identifier, association: association)
            }
        case .cMoveRQ where retrieve != nil, .cGetRQ where retrieve != nil:
            try await RetrieveOperation(provider: self, request: message, context: context, association: association, connection: connection)
                .run()
        case .nCreateRQ where mpps != nil, .nSetRQ where mpps != nil:
            try await performedProcedureStep(message, context: context, association: association, connection: connection)
        case .nActionRQ where commitment != nil:
            try await storageCommitment(message, context: context, association: association, connection: connection)
        case .nEventReportRQ where message.affectedSOPClassUID == SOPClass.storageCommitmentPush:
            try await commitmentReport(message, context: context, association: association, connection: connection)
        default:
            try await refuse(message, connection)
        }
    }

    func refuse(_ message: DIMSEMessage, _ connection: DIMSEConnection) async throws {
        try await connection.send(.response(to: message, status: DIMSEStatus.unrecognizedOperation))
    }

    func record(_ association: AssociationInfo, _ direction: String, _ operation: String, _ sopClass: String, _ status: UInt16, _ detail: String)
        async
    {
        await activity?.record(
            DIMSEActivity(association: association, direction: direction, operation: operation, sopClassUID: sopClass, status: status, detail: detail))
    }

    // MARK: C-STORE

    func store(_ message: DIMSEMessage, association: AssociationInfo, connection: DIMSEConnection) async throws {
        let sopClass = message.affectedSOPClassUID ?? ""
        let sop = message.affectedSOPInstanceUID ?? ""
        let outcome: StoreOutcome
        switch message.payload {
        case .file(let url):
            outcome = await storage!.store(url, sopClassUID: sopClass, sopInstanceUID: sop, association: association)
        case .failed(let why):
            outcome = StoreOutcome(status: DIMSEStatus.refusedOutOfResources, comment: "cannot keep the object: \(why)")
        default:
            outcome = StoreOutcome(status: DIMSEStatus.processingFailure, comment: "data set not received")
        }
        try await connection.send(
            .response(to: message, status: outcome.status) { ds in
                if let comment = outcome.comment, DIMSEStatus.kind(outcome.status) != .success {
                    ds.set(CommandTag.errorComment, .LO, string: DIMSEMessage.errorComment(comment))
                }
            })
        await record(association, "in", "C-STORE", sopClass, outcome.status, outcome.comment ?? sop)
    }

    // MARK: C-FIND (Q/R and worklist)

    func find(_ message: DIMSEMessage, context: AcceptedContext?, association: AssociationInfo, connection: DIMSEConnection,
              matches: (DataSet) async throws -> [DataSet]) async throws
    {
        let sopClass = message.affectedSOPClassUID ?? ""
        let syntax = context?.syntax ?? .implicitVRLittleEndian
        let identifier: DataSet
        do {
            identifier = try message.decodedDataset(in: syntax)
        } catch {
            try await connection.send(.response(to: message, status: DIMSEStatus.cannotUnderstand))
            await record(association, "in", "C-FIND", sopClass, DIMSEStatus.cannotUnderstand, "identifier unreadable: \(error)")
            return
        }
        let results: [DataSet]
        do {
            results = try await matches(identifier)
        } catch let DIMSEError.status(status, comment) {
            try await connection.send(
                .response(to: message, status: status) { $0.set(CommandTag.errorComment, .LO, string: DIMSEMessage.errorComment(comment)) })
            await record(association, "in", "C-FIND", sopClass, status, comment)
            return
        } catch {
            try await connection.send(.response(to: message, status: DIMSEStatus.unableToProcess))
            await record(association, "in", "C-FIND", sopClass, DIMSEStatus.unableToProcess, "\(error)")
            return
        }
        let id = message.messageID ?? 0
        var sent = 0
        for result in results {
            if connection.isCancelled(id) {
                try await connection.send(.response(to: message, status: DIMSEStatus.cancel))
                await record(association, "in", "C-FIND", sopClass, DIMSEStatus.cancel, "cancelled after \(sent) matches")
                return
            }
            // Every key of the identifier is answered (empty when unknown), so pending is never "with warning" (0xFF01).
            try await connection.send(.response(to: message, status: DIMSEStatus.pending, dataset: DICOMWriter.encode(result, syntax: syntax)))
            sent += 1
        }
        try await connection.send(.response(to: message, status: DIMSEStatus.success))
        await record(association, "in", "C-FIND", sopClass, DIMSEStatus.success, "\(sent) matches")
    }

    // MARK: MPPS

    func performedProcedureStep(_ message: DIMSEMessage, context: AcceptedContext?, association: AssociationInfo, connection: DIMSEConnection)
        async throws
    {
        let syntax = context?.syntax ?? .implicitVRLittleEndian
        let attributes = (try? message.decodedDataset(in: syntax)) ?? DataSet()
        let isCreate = message.field == .nCreateRQ
        var uid = message.affectedSOPInstanceUID ?? message.command.string(CommandTag.requestedSOPInstanceUID) ?? ""
        if isCreate && uid.isEmpty { uid = UIDGenerator.make() }
        let outcome =
            isCreate
            ? await mpps!.create(sopInstanceUID: uid, attributes: attributes, association: association)
            : await mpps!.update(sopInstanceUID: uid, attributes: attributes, association: association)
        let command = DIMSEMessage.command { ds in
            ds.set(CommandTag.affectedSOPClassUID, .UI, string: SOPClass.mpps)
            ds.set(CommandTag.commandField, .US, ints: [Int((isCreate ? CommandField.nCreateRSP : .nSetRSP).rawValue)])
            ds.set(CommandTag.messageIDBeingRespondedTo, .US, ints: [message.messageID ?? 0])
            ds.set(CommandTag.commandDataSetType, .US, ints: [0x0101])
            ds.set(CommandTag.status, .US, ints: [Int(outcome.status)])
            ds.set(CommandTag.affectedSOPInstanceUID, .UI, string: uid)
            if let comment = outcome.comment, outcome.status != 0 { ds.set(CommandTag.errorComment, .LO, string: DIMSEMessage.errorComment(comment)) }
        }
        try await connection.send(DIMSEMessage(contextID: message.contextID, command: command))
        await record(association, "in", isCreate ? "N-CREATE" : "N-SET", SOPClass.mpps, outcome.status, outcome.comment ?? uid)
    }

    // MARK: Storage commitment (push model)

    /// A report for a commitment we requested as SCU, arriving on a new association: acknowledged and logged.
    func commitmentReport(_ message: DIMSEMessage, context: AcceptedContext?, association: AssociationInfo, connection: DIMSEConnection) async throws {
        let syntax = context?.syntax ?? .implicitVRLittleEndian
        let report = (try? message.decodedDataset(in: syntax)) ?? DataSet()
        let committed = report.sequence(Tag(0x0008, 0x1199))?.count ?? 0
        let failed = report.sequence(Tag(0x0008, 0x1198))?.count ?? 0
        try await connection.send(.response(to: message, status: DIMSEStatus.success) { ds in
            if let type = message.command.int(CommandTag.eventTypeID) { ds.set(CommandTag.eventTypeID, .US, ints: [type]) }
        })
        await record(association, "in", "N-EVENT-REPORT", SOPClass.storageCommitmentPush, failed == 0 ? 0 : DIMSEStatus.subOperationsWarning,
                     "commitment \(report.string(Tag(0x0008, 0x1195)) ?? "?"): \(committed) committed, \(failed) failed")
    }

    func storageCommitment(_ message: DIMSEMessage, context: AcceptedContext?, association: AssociationInfo, connection: DIMSEConnection)
        async throws
    {
        let syntax = context?.syntax ?? .implicitVRLittleEndian
        guard message.command.string(CommandTag.requestedSOPClassUID) == SOPClass.storageCommitmentPush,
            message.command.int(CommandTag.actionTypeID) == 1,
            let request = try? message.decodedDataset(in: syntax),
            let transactionUID = request.string(Tag(0x0008, 0x1195)), !transactionUID.isEmpty
        else {
            try await connection.send(.response(to: message, status: DIMSEStatus.invalidAttributeValue))
            return
        }
        let references = (request.sequence(Tag(0x0008, 0x1199)) ?? []).map {
            (sopClassUID: $0.string(Tag(0x0008, 0x1150)) ?? "", sopInstanceUID: $0.string(Tag(0x0008, 0x1155)) ?? "")
        }
        try await connection.send(
            .response(to: message, status: DIMSEStatus.success) { ds in
                ds.set(CommandTag.actionTypeID, .US, ints: [1])
            })
        let result = await commitment!.commit(references: references, association: association)
        await record(association, "in", "N-ACTION", SOPClass.storageCommitmentPush, 0,
                     "commitment \(transactionUID): \(result.committed.count) committed, \(result.failed.count) failed")
        var report = DataSet()
        report.set(Tag(0x0008, 0x1195), .UI, string: transactionUID)
        func items(_ refs: [(sopClassUID: String, sopInstanceUID: String)], failure: Bool) -> [DataSet] {
            refs.map { ref in
                var item = DataSet()
                item.set(Tag(0x0008, 0x1150), .UI, string: ref.sopClassUID)
                item.set(Tag(0x0008, 0x1155), .UI, string: ref.sopInstanceUID)
                if failure { item.set(Tag(0x0008, 0x1197), .US, ints: [Int(DIMSEStatus.noSuchSOPInstance)]) }
                return item
            }
        }
        if !result.committed.isEmpty { report.set(Element(tag: Tag(0x0008, 0x1199), vr: .SQ, value: .sequence(items(result.committed, failure: false)))) }
        if !result.failed.isEmpty { report.set(Element(tag: Tag(0x0008, 0x1198), vr: .SQ, value: .sequence(items(result.failed, failure: true)))) }
        let eventType = result.failed.isEmpty ? 1 : 2
        let finalReport = report
        // The report goes on a new association to the requestor's registered address (the requestor may release
        // as soon as it has the N-ACTION response); without a registered address, on this association.
        let reportMessage: @Sendable (UInt8, Int, TransferSyntax) -> DIMSEMessage = { contextID, messageID, reportSyntax in
            DIMSEMessage.request(.nEventReportRQ, messageID: messageID, contextID: contextID, sopClass: SOPClass.storageCommitmentPush,
                                 payload: .bytes(DICOMWriter.encode(finalReport, syntax: reportSyntax))) { ds in
                ds.set(CommandTag.affectedSOPInstanceUID, .UI, string: SOPClass.storageCommitmentPushInstance)
                ds.set(CommandTag.eventTypeID, .US, ints: [eventType])
            }
        }
        guard let destination = await retrieve?.remoteAE(association.callingAETitle) else {
            let status: UInt16
            do {
                // The requestor may release right after the N-ACTION response: do not hold its release for long.
                let response = try await connection.requestFinal(reportMessage(message.contextID, connection.nextMessageID(), syntax),
                                                                 timeout: .seconds(15))
                status = response.status ?? DIMSEStatus.processingFailure
            } catch {
                status = DIMSEStatus.processingFailure
            }
            await record(association, "out", "N-EVENT-REPORT", SOPClass.storageCommitmentPush, status, transactionUID + " (same association)")
            return
        }
        Task { [self] in
            var status: UInt16 = DIMSEStatus.processingFailure
            var detail = transactionUID
            do {
                    let contexts = [PresentationContextRQ(id: 1, abstractSyntax: SOPClass.storageCommitmentPush, transferSyntaxes: AcceptorPolicy.nativeSyntaxes)]
                    status = try await DICOMClient.withAssociation(to: destination, callingAETitle: aeTitle, contexts: contexts,
                                                                   roles: [RoleSelection(sopClassUID: SOPClass.storageCommitmentPush, scuRole: false, scpRole: true)],
                                                                   options: clientOptions) {
                        peer in
                        guard let ctx = peer.connection.context(for: SOPClass.storageCommitmentPush) else {
                            throw DIMSEError.noContext("storage commitment")
                        }
                        let response = try await peer.connection.requestFinal(
                            reportMessage(ctx.id, peer.connection.nextMessageID(), TransferSyntax.forUID(ctx.transferSyntax)))
                        return response.status ?? DIMSEStatus.processingFailure
                    }
            } catch {
                detail += ": \(error)"
            }
            await record(association, "out", "N-EVENT-REPORT", SOPClass.storageCommitmentPush, status, detail)
        }
    }
}
