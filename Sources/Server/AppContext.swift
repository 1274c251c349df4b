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

    /// A path parameter the route pattern guarantees (`:study`).
    func require(_ parameter: String) throws -> String {
        guard let value = parameters.get(parameter), !value.isEmpty else { throw DomainError.notFound("对象", "Object") }
        return value
    }
}

/// Lets a handler name the object and patient of the request for the audit record the route wrapper writes.
public final class AuditNote: Sendable {
    struct State {
        var objectID: String?
        var patientID: String?
        var detail: String?
        /// The handler found that this view was audited moments ago (frames of a study being read).
        var alreadyAudited = false
    }
    let state = Mutex(State())

    public func markAlreadyAudited() { state.withLock { $0.alreadyAudited = true } }

    public func set(objectID: String? = nil, patientID: String? = nil, detail: String? = nil) {
        state.withLock {
            if let objectID { $0.objectID = objectID }
            if let patientID { $0.patientID = patientID }
            if let detail { $0.detail = detail }
        }
    }

    var snapshot: State { state.withLock { $0 } }
}
