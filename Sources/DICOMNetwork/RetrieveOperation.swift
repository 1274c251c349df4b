import DICOM
import Foundation

/// One C-MOVE or C-GET as SCP: find the objects, send each as a C-STORE sub-operation (to the move destination on
/// a new association, or back on this association for C-GET), report progress with pending responses, honour
/// C-CANCEL, and end with the counts and the failed instances.
struct RetrieveOperation {
    let provider: DIMSEServiceProvider
    let request: DIMSEMessage
    let context: AcceptedContext?
    let association: AssociationInfo
    let connection: DIMSEConnection

    var isMove: Bool { request.field == .cMoveRQ }
    var operation: String { isMove ? "C-MOVE" : "C-GET" }
    var sopClass: String { request.affectedSOPClassUID ?? "" }

    struct Counts {
        var remaining: Int
        var completed = 0
        var failed = 0
        var warning = 0
        var failedUIDs: [String] = []
    }

    func run() async throws {
        let syntax = context?.syntax ?? .implicitVRLittleEndian
        guard let model = QueryModel(sopClass: sopClass),
            let identifier = try? request.decodedDataset(in: syntax)
        else {
            return try await final(DIMSEStatus.cannotUnderstand, nil, comment: "identifier unreadable")
        }
        guard provider.retrieve!.permits(isMove ? "move" : "get", association: association) else {
            return try await final(DIMSEStatus.notAuthorized, nil, comment: "\(association.callingAETitle) may not \(isMove ? "move" : "get")")
        }
        var destination: RemoteAE?
        if isMove {
            let title = request.command.string(CommandTag.moveDestination) ?? ""
            destination = await provider.retrieve!.remoteAE(title)
            if destination == nil {
                return try await final(DIMSEStatus.moveDestinationUnknown, nil, comment: "move destination \(title) unknown")
            }
        }
        let items: [RetrieveItem]
        do {
            items = try await provider.retrieve!.instances(model: model, identifier: identifier, association: association)
        } catch let DIMSEError.status(status, comment) {
            return try await final(status, nil, comment: comment)
        } catch {
            return try await final(DIMSEStatus.unableToProcess, nil, comment: "\(error)")
        }
        var counts = Counts(remaining: items.count)
        if items.isEmpty { return try await final(DIMSEStatus.success, counts) }
        if let destination {
            do {
                let contexts = DICOMClient.storageContexts(for: items.map { ($0.sopClassUID, $0.transferSyntax) })
                let start = counts
                let outcome = try await DICOMClient.withAssociation(to: destination, callingAETitle: provider.aeTitle, contexts: contexts,
                                                                  options: provider.clientOptions) { peer in
                    try await send(items, counts: start) { item in
                        try await peer.store(item, moveOriginator: (association.callingAETitle, request.messageID ?? 0))
                    }
                }
                counts = outcome
            } catch let error as DIMSEError {
                counts.failed += counts.remaining
                counts.failedUIDs = items.map(\.sopInstanceUID)
                counts.remaining = 0
                return try await final(DIMSEStatus.moveOutOfResourcesSubOps, counts, comment: "\(destination.aeTitle): \(error.description)")
            }
        } else {
            counts = try await send(items, counts: counts) { item in try await connection.store(item, requestorIsSCP: true) }
        }
        if counts.remaining > 0 { return try await final(DIMSEStatus.cancel, counts) }
        try await final(counts.failed + counts.warning > 0 ? DIMSEStatus.subOperationsWarning : DIMSEStatus.success, counts)
    }

    /// Sends each item, with a pending response after each sub-operation; stops early on C-CANCEL.
    func send(_ items: [RetrieveItem], counts start: Counts, store: (RetrieveItem) async throws -> UInt16) async throws -> Counts {
        var counts = start
        let id = request.messageID ?? 0
        for item in items {
            if connection.isCancelled(id) { break }
            let status: UInt16
            do {
                status = try await store(item)
            } catch {
                status = DIMSEStatus.processingFailure
            }
            counts.remaining -= 1
            switch DIMSEStatus.kind(status) {
            case .success: counts.completed += 1
            case .warning: counts.warning += 1
            default:
                counts.failed += 1
                counts.failedUIDs.append(item.sopInstanceUID)
            }
            if counts.remaining > 0 { try await pending(counts) }
        }
        return counts
    }

    func pending(_ counts: Counts) async throws {
        try await connection.send(
            .response(to: request, status: DIMSEStatus.pending) { ds in
                ds.set(CommandTag.remaining, .US, ints: [counts.remaining])
                ds.set(CommandTag.completed, .US, ints: [counts.completed])
                ds.set(CommandTag.failed, .US, ints: [counts.failed])
                ds.set(CommandTag.warning, .US, ints: [counts.warning])
            })
    }

    func final(_ status: UInt16, _ counts: Counts?, comment: String? = nil) async throws {
        var identifier: Data?
        if let counts, !counts.failedUIDs.isEmpty {
            var failed = DataSet()
            failed.set(Tag(0x0008, 0x0058), .UI, strings: counts.failedUIDs)
            identifier = DICOMWriter.encode(failed, syntax: context?.syntax ?? .implicitVRLittleEndian)
        }
        try await connection.send(
            .response(to: request, status: status, dataset: identifier) { ds in
                if let counts {
                    if status == DIMSEStatus.cancel { ds.set(CommandTag.remaining, .US, ints: [counts.remaining]) }
                    ds.set(CommandTag.completed, .US, ints: [counts.completed])
                    ds.set(CommandTag.failed, .US, ints: [counts.failed])
                    ds.set(CommandTag.warning, .US, ints: [counts.warning])
                }
                if let comment, DIMSEStatus.kind(status) == .failure { ds.set(CommandTag.errorComment, .LO, string: DIMSEMessage.errorComment(comment)) }
            })
        let detail = counts.map { "\($0.completed) sent, \($0.failed) failed, \($0.warning) warnings" } ?? ""
        await provider.record(association, "in", operation, sopClass, status, [detail, comment ?? ""].filter { !$0.isEmpty }.joined(separator: "; "))
    }
}

extension DIMSEConnection {
    /// A C-STORE of one stored object on this association: on a context that accepted the object's syntax when there
    /// is one, otherwise on one with a native syntax, transcoding (decompressing) the object for it.
    /// `requestorIsSCP: true` picks the contexts of a C-GET requestor (it receives our sub-operations).
    func store(_ item: RetrieveItem, requestorIsSCP: Bool?, moveOriginator: (aeTitle: String, messageID: Int)? = nil) async throws -> UInt16 {
        guard let ctx = context(for: item.sopClassUID, syntax: item.transferSyntax, requestorIsSCP: requestorIsSCP) else {
            throw DIMSEError.noContext(UIDDictionary.name(for: item.sopClassUID))
        }
        let payload: DIMSEPayload =
            ctx.transferSyntax == item.transferSyntax ? .file(item.file) : .bytes(try ClientAssociation.transcoded(item, to: ctx.transferSyntax))
        let message = DIMSEMessage.request(.cStoreRQ, messageID: nextMessageID(), contextID: ctx.id, sopClass: item.sopClassUID, payload: payload) { ds in
            ds.set(CommandTag.affectedSOPInstanceUID, .UI, string: item.sopInstanceUID)
            if let origin = moveOriginator {
                ds.set(CommandTag.moveOriginatorAETitle, .AE, string: origin.aeTitle)
                ds.set(CommandTag.moveOriginatorMessageID, .US, ints: [origin.messageID])
            }
        }
        return try await requestFinal(message).status ?? DIMSEStatus.processingFailure
    }
}
