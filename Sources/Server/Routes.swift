import HTTPTypes
import Hummingbird
import Platform

/// Who may call a route.
public enum Access: Sendable, Equatable {
    /// No login needed (health checks, login itself).
    case anonymous
    /// Any signed-in user (their own profile); `duringPasswordChange` routes stay open while a password
    /// change is pending.
    case authenticated(duringPasswordChange: Bool)
    case permission(Permission)
}

/// A registered route and what it requires; the permission tests walk this list.
public struct RouteSpec: Sendable {
    public let method: HTTPRequest.Method
    public let path: String
    public let access: Access
    public let action: String?
}

/// Registers routes through one wrapper so that none can skip authentication, CSRF, permission or audit.
final class Routes: @unchecked Sendable {  // mutated only while the app is being built
    let router: Router<AppContext>
    let services: AppServices
    private(set) var specs: [RouteSpec] = []

    init(router: Router<AppContext>, services: AppServices) {
        self.router = router
        self.services = services
    }

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// - Parameters:
    ///   - audit: action name for the audit record. Every write is audited (named after the route when
    ///     nil); reads are audited when named (views of patient data must be).
    ///   - object: the object type recorded in the audit trail.
    func on<R: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: String, _ access: Access, audit: String? = nil, object: String? = nil,
        _ handler: @escaping @Sendable (Request, AppContext) async throws -> R
    ) {
        let isWrite = method != .get && method != .head
        let action = audit ?? (isWrite ? "\(method.rawValue) /\(path)" : nil)
        specs.append(RouteSpec(method: method, path: path, access: access, action: action))
        let auditLog = services.audit
        router.on(RouterPath(path), method: method) { @Sendable (request: Request, context: AppContext) async throws -> Response in
            if case .anonymous = access { return try await handler(request, context).response(from: request, context: context) }
            let principal = try context.require()
            func deny(_ error: DomainError) async throws -> Never {
                try? await auditLog.record(
                    AuditEvent(
                        action: action ?? "\(method.rawValue) /\(path)", objectType: object,
                        objectID: context.parameters.get("id"), outcome: .denied, detail: error.code),
                    by: AuditActor(principal, clientIP: context.clientIP))
                throw error
            }
            if isWrite, principal.sessionID != nil {
                let sent = request.headers[Self.csrfHeader] ?? ""
                if !Secrets.constantTimeEquals(sent, principal.csrfToken ?? "\u{0}") {
                    try await deny(
                        DomainError(
                            status: 403, code: "csrf_failed", zh: "页面已过期，请刷新后重试",
                            en: "The page is stale (CSRF check failed); reload and try again"))
                }
            }
            var allowedDuringChange = false
            if case .authenticated(let open) = access { allowedDuringChange = open }
            if principal.passwordChangeRequired, !allowedDuringChange {
                throw DomainError(status: 403, code: "password_change_required", zh: "请先修改密码", en: "Change your password first")
            }
            if case .permission(let permission) = access, !principal.has(permission) {
                try await deny(.forbidden())
            }
            guard let action else { return try await handler(request, context).response(from: request, context: context) }
            do {
                let response = try await handler(request, context).response(from: request, context: context)
                let note = context.auditNote.snapshot
                if note.alreadyAudited, response.status.code < 400 { return response }
                try await auditLog.record(
                    AuditEvent(
                        action: action, objectType: object, objectID: note.objectID ?? context.parameters.get("id"),
                        patientID: note.patientID, outcome: response.status.code < 400 ? .success : .failure, detail: note.detail),
                    by: AuditActor(principal, clientIP: context.clientIP))
                return response
            } catch {
                let note = context.auditNote.snapshot
                let code = (error as? DomainError)?.code ?? "error"
                try? await auditLog.record(
                    AuditEvent(
                        action: action, objectType: object, objectID: note.objectID ?? context.parameters.get("id"),
                        patientID: note.patientID, outcome: (error as? DomainError)?.status == 403 ? .denied : .failure,
                        detail: [note.detail, code].compactMap { $0 }.joined(separator: "; ")),
                    by: AuditActor(principal, clientIP: context.clientIP))
                throw error
            }
        }
    }

    func get<R: ResponseGenerator>(
        _ path: String, _ access: Access, audit: String? = nil, object: String? = nil,
        _ handler: @escaping @Sendable (Request, AppContext) async throws -> R
    ) {
        on(.get, path, access, audit: audit, object: object, handler)
    }
    func post<R: ResponseGenerator>(
        _ path: String, _ access: Access, audit: String? = nil, object: String? = nil,
        _ handler: @escaping @Sendable (Request, AppContext) async throws -> R
    ) {
        on(.post, path, access, audit: audit, object: object, handler)
    }
    func put<R: ResponseGenerator>(
        _ path: String, _ access: Access, audit: String? = nil, object: String? = nil,
        _ handler: @escaping @Sendable (Request, AppContext) async throws -> R
    ) {
        on(.put, path, access, audit: audit, object: object, handler)
    }
    func delete<R: ResponseGenerator>(
        _ path: String, _ access: Access, audit: String? = nil, object: String? = nil,
        _ handler: @escaping @Sendable (Request, AppContext) async throws -> R
    ) {
        on(.delete, path, access, audit: audit, object: object, handler)
    }
}
