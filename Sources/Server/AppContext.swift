import Hummingbird
import Platform
import Synchronization

/// Per-request context: the caller (if authenticated), where they connect from, and what the handler
/// wants written to the audit record.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public let clientIP: String?
    public let auditNote = AuditNote()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientIP = source.channel.remoteAddress?.ipAddress
    }

    /// Uploads (signature images, Excel imports) stay small; DICOM will get its own limits.
    public var maxUploadSize: Int { 8 * 1024 * 1024 }

    func require() throws -> Principal {
        guard let principal else { throw DomainError.unauthenticated }
        return principal
    }
}

/// Lets a handler name the object and patient of the request for the audit record the route wrapper writes.
public final class AuditNote: Sendable {
    struct State {
        var objectID: String?
        var patientID: String?
        var detail: String?
    }
    let state = Mutex(State())

    public func set(objectID: String? = nil, patientID: String? = nil, detail: String? = nil) {
        state.withLock {
            if let objectID { $0.objectID = objectID }
            if let patientID { $0.patientID = patientID }
            if let detail { $0.detail = detail }
        }
    }

    var snapshot: State { state.withLock { $0 } }
}
