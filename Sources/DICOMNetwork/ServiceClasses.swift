import DICOM
import Foundation

/// SOP classes of the services we provide and use (PS3.4).
public enum SOPClass {
    public static let verification = "1.2.840.10008.1.1"
    public static let patientRootFind = "1.2.840.10008.5.1.4.1.2.1.1"
    public static let patientRootMove = "1.2.840.10008.5.1.4.1.2.1.2"
    public static let patientRootGet = "1.2.840.10008.5.1.4.1.2.1.3"
    public static let studyRootFind = "1.2.840.10008.5.1.4.1.2.2.1"
    public static let studyRootMove = "1.2.840.10008.5.1.4.1.2.2.2"
    public static let studyRootGet = "1.2.840.10008.5.1.4.1.2.2.3"
    public static let modalityWorklistFind = "1.2.840.10008.5.1.4.31"
    public static let mpps = "1.2.840.10008.3.1.2.3.3"
    public static let storageCommitmentPush = "1.2.840.10008.1.20.1"
    public static let storageCommitmentPushInstance = "1.2.840.10008.1.20.1.1"

    public static let queryRetrieve: Set<String> = [
        patientRootFind, patientRootMove, patientRootGet, studyRootFind, studyRootMove, studyRootGet,
    ]
}

/// The information model a Q/R request names.
public enum QueryModel: String, Sendable {
    case patientRoot = "PATIENT"
    case studyRoot = "STUDY"

    public init?(sopClass: String) {
        switch sopClass {
        case SOPClass.patientRootFind, SOPClass.patientRootMove, SOPClass.patientRootGet: self = .patientRoot
        case SOPClass.studyRootFind, SOPClass.studyRootMove, SOPClass.studyRootGet: self = .studyRoot
        default: return nil
        }
    }
}

/// Who is on the other end of an association, for access decisions, audit and the live associations page.
public struct AssociationInfo: Sendable, Equatable, Codable {
    public let id: String
    public let callingAETitle: String
    public let calledAETitle: String
    public let peerHost: String
    public let startedAt: Date
    /// SOP Class Extended Negotiation as accepted, per SOP class (option bytes, PS3.4 C.3.5).
    public var extendedNegotiation: [String: [UInt8]]

    public init(id: String = UUID().uuidString, callingAETitle: String, calledAETitle: String, peerHost: String, startedAt: Date = Date(),
                extendedNegotiation: [String: [UInt8]] = [:]) {
        self.id = id
        self.callingAETitle = callingAETitle
        self.calledAETitle = calledAETitle
        self.peerHost = peerHost
        self.startedAt = startedAt
        self.extendedNegotiation = extendedNegotiation
    }

    /// Whether option byte `index` was negotiated on for the SOP class (0-based: for FIND, 1 is combined
    /// date-time matching).
    public func negotiated(_ sopClass: String, option index: Int) -> Bool {
        (extendedNegotiation[sopClass] ?? []).dropFirst(index).first == 1
    }
}

/// A network address of a remote application entity.
public struct RemoteAE: Sendable, Equatable, Codable {
    public var aeTitle: String
    public var host: String
    public var port: Int
    /// Reached over DICOM TLS (the client context comes from `DICOMClient.Options.tls`).
    public var tls: Bool
    public init(aeTitle: String, host: String, port: Int, tls: Bool = false) {
        self.aeTitle = aeTitle
        self.host = host
        self.port = port
        self.tls = tls
    }
}

/// The outcome of storing one object.
public struct StoreOutcome: Sendable, Equatable {
    public var status: UInt16
    public var comment: String?
    public init(status: UInt16, comment: String? = nil) {
        self.status = status
        self.comment = comment
    }
}

/// Storage SCP behind the network: where an incoming object is streamed, and what to do once it is complete.
public protocol StorageService: Sendable {
    /// A new file (in the archive's incoming area, same file system as the store) for one incoming object.
    func incomingFile(sopInstanceUID: String) throws -> URL
    /// The object is complete in `file` (written, not yet flushed). Validate, store durably and index it; answer only
    /// once it is durable.
    func store(_ file: URL, sopClassUID: String, sopInstanceUID: String, association: AssociationInfo) async -> StoreOutcome
}

/// Q/R FIND at any level of either model.
public protocol QueryService: Sendable {
    /// Matches for the identifier, each a response identifier (keys the request asked for, plus the level and
    /// Specific Character Set). Throws `DIMSEError.status` for identifiers that cannot be processed.
    func find(model: QueryModel, identifier: DataSet, association: AssociationInfo) async throws -> [DataSet]
}

/// One stored object to send in a MOVE or GET sub-operation.
public struct RetrieveItem: Sendable, Equatable {
    public var file: URL
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var transferSyntax: String
    public init(file: URL, sopClassUID: String, sopInstanceUID: String, transferSyntax: String) {
        self.file = file
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
        self.transferSyntax = transferSyntax
    }
}

/// Q/R MOVE and GET: which objects an identifier selects, and where a move destination is.
public protocol RetrieveService: Sendable {
    func instances(model: QueryModel, identifier: DataSet, association: AssociationInfo) async throws -> [RetrieveItem]
    /// The address of a known AE (C-MOVE destination, storage commitment report target).
    func remoteAE(_ aeTitle: String) async -> RemoteAE?
    /// Whether the calling AE may use this operation ("move" or "get").
    func permits(_ operation: String, association: AssociationInfo) -> Bool
}

extension RetrieveService {
    public func permits(_ operation: String, association: AssociationInfo) -> Bool { true }
}

/// Modality Worklist FIND.
public protocol WorklistService: Sendable {
    func find(identifier: DataSet, association: AssociationInfo) async throws -> [DataSet]
}

/// Modality Performed Procedure Step (N-CREATE, N-SET).
public protocol MPPSService: Sendable {
    func create(sopInstanceUID: String, attributes: DataSet, association: AssociationInfo) async -> StoreOutcome
    func update(sopInstanceUID: String, attributes: DataSet, association: AssociationInfo) async -> StoreOutcome
}

/// Storage Commitment push model: which of the referenced objects are safely stored.
public protocol CommitmentService: Sendable {
    func commit(references: [(sopClassUID: String, sopInstanceUID: String)], association: AssociationInfo) async
        -> (committed: [(sopClassUID: String, sopInstanceUID: String)], failed: [(sopClassUID: String, sopInstanceUID: String)])
}

/// One DIMSE exchange, for the "recent activity" page and the logs.
public struct DIMSEActivity: Sendable, Codable, Equatable {
    public var associationID: String
    public var callingAETitle: String
    public var calledAETitle: String
    public var peerHost: String
    public var direction: String  // "in" (we are SCP) or "out" (we are SCU)
    public var operation: String  // "C-STORE", "C-FIND", …
    public var sopClassUID: String
    public var status: UInt16
    public var detail: String
    public var at: Date

    public init(association: AssociationInfo, direction: String, operation: String, sopClassUID: String, status: UInt16, detail: String) {
        associationID = association.id
        callingAETitle = association.callingAETitle
        calledAETitle = association.calledAETitle
        peerHost = association.peerHost
        self.direction = direction
        self.operation = operation
        self.sopClassUID = sopClassUID
        self.status = status
        self.detail = detail
        at = Date()
    }

    public var statusText: String { DIMSEStatus.chineseText(status) }
}

/// Receives DIMSE activity (the archive keeps the recent part in the database).
public protocol DIMSEActivitySink: Sendable {
    func record(_ activity: DIMSEActivity) async
}
