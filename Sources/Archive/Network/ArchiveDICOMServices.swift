import DICOM
import DICOMNetwork
import Foundation
import Logging
import Platform
import SQLKit

/// Storage SCP: objects are streamed into the storage's incoming area, then go through the ingest pipeline; the
/// C-STORE response carries the pipeline's verdict.
public struct ArchiveStorageSCP: StorageService {
    public let ingest: IngestService
    public let applicationEntities: ApplicationEntityService

    public init(ingest: IngestService, applicationEntities: ApplicationEntityService) {
        self.ingest = ingest
        self.applicationEntities = applicationEntities
    }

    public func incomingFile(sopInstanceUID: String) throws -> URL { try ingest.storage.incomingFile() }

    public func store(_ file: URL, sopClassUID: String, sopInstanceUID: String, association: AssociationInfo) async -> StoreOutcome {
        guard applicationEntities.allows(association.callingAETitle, "store") else {
            try? FileManager.default.removeItem(at: file)
            return StoreOutcome(status: DIMSEStatus.notAuthorized, comment: "\(association.callingAETitle) may not store")
        }
        do {
            let result = try await ingest.ingest(file, expectedSOPClassUID: sopClassUID, expectedSOPInstanceUID: sopInstanceUID,
                                                 source: IngestSource(route: "dicom", aeTitle: association.callingAETitle,
                                                                     institutionID: applicationEntities.institutionID(of: association.callingAETitle)))
            return StoreOutcome(status: DIMSEStatus.success, comment: result.outcome == .stored ? nil : result.outcome.rawValue)
        } catch let error as IngestError {
            return StoreOutcome(status: error.status, comment: error.message)
        } catch {
            return StoreOutcome(status: DIMSEStatus.refusedOutOfResources, comment: "\(error)")
        }
    }
}

/// Q/R with the per-AE service permissions applied.
public struct PermittedQueryRetrieve: QueryService, RetrieveService {
    public let archive: ArchiveQueryService
    public let applicationEntities: ApplicationEntityService

    public init(archive: ArchiveQueryService, applicationEntities: ApplicationEntityService) {
        self.archive = archive
        self.applicationEntities = applicationEntities
    }

    public func find(model: QueryModel, identifier: DataSet, association: AssociationInfo) async throws -> [DataSet] {
        guard applicationEntities.allows(association.callingAETitle, "find") else {
            throw DIMSEError.status(DIMSEStatus.notAuthorized, "\(association.callingAETitle) may not query")
        }
        return try await archive.find(model: model, identifier: identifier, association: association)
    }

    public func instances(model: QueryModel, identifier: DataSet, association: AssociationInfo) async throws -> [RetrieveItem] {
        try await archive.instances(model: model, identifier: identifier, association: association)
    }

    public func permits(_ operation: String, association: AssociationInfo) -> Bool {
        applicationEntities.allows(association.callingAETitle, operation)
    }

    public func remoteAE(_ aeTitle: String) async -> RemoteAE? { await archive.remoteAE(aeTitle) }
}

/// Storage commitment: an object is committed when it is indexed and its file is present.
public struct ArchiveCommitment: CommitmentService {
    public let database: Database
    public let storage: any StorageBackend

    public init(database: Database, storage: any StorageBackend) {
        self.database = database
        self.storage = storage
    }

    public func commit(references: [(sopClassUID: String, sopInstanceUID: String)], association: AssociationInfo) async
        -> (committed: [(sopClassUID: String, sopInstanceUID: String)], failed: [(sopClassUID: String, sopInstanceUID: String)])
    {
        var committed: [(sopClassUID: String, sopInstanceUID: String)] = []
        var failed: [(sopClassUID: String, sopInstanceUID: String)] = []
        for ref in references {
            let row = try? await database.read { sql in
                try await sql.raw("SELECT sop_class_uid, storage_path FROM instances WHERE sop_uid = \(bind: ref.sopInstanceUID)").first()
            }
            if let row, (try? row.string("sop_class_uid")) == ref.sopClassUID, let path = try? row.string("storage_path"),
                await storage.contains(path)
            {
                committed.append(ref)
            } else {
                failed.append(ref)
            }
        }
        return (committed, failed)
    }
}
