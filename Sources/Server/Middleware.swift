import Hummingbird
import Logging
import Platform

/// Renders every failure as `{"error":{"code","message"}}`, in Chinese unless the client prefers English.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let logger: Logger

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as DomainError {
            return try render(error, request, context)
        } catch let error as HTTPError {
            let domain: DomainError =
                switch error.status.code {
                case 404: .notFound("页面或接口", "Resource")
                case 405: DomainError(status: 405, code: "method_not_allowed", zh: "不支持该请求方法", en: "Method not allowed")
                case 413: DomainError(status: 413, code: "payload_too_large", zh: "上传内容过大", en: "The upload is too large")
                case 400..<500: DomainError(status: error.status.code, code: "bad_request", zh: "请求无效", en: error.body ?? "Bad request")
                default: DomainError(status: 500, code: "internal", zh: "服务器内部错误", en: "Internal server error")
                }
            return try render(domain, request, context)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return try render(
                DomainError(
                    status: 500, code: "internal", zh: "服务器内部错误，请稍后重试或联系管理员",
                    en: "Internal server error; try again later or contact the administrator"), request, context)
        }
    }

    func render(_ error: DomainError, _ request: Request, _ context: AppContext) throws -> Response {
        let en = request.prefersEnglish
        let fields =
            error.fields.isEmpty ? nil : error.fields.map { ErrorBody.Field(field: $0.field, code: $0.code, message: en ? $0.en : $0.zh) }
        let body = ErrorBody(error: .init(code: error.code, message: error.message(english: en), fields: fields))
        return try JSONResponse(body, status: HTTPResponse.Status(code: error.status)).response(from: request, context: context)
    }
}

/// Headers that every response carries (OWASP secure headers).
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'"
        return response
    }
}

/// Finds out who is calling (session cookie or bearer token). It refuses nothing itself; routes do.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppContext
    static let cookieName = "yy_session"
    let auth: AuthService

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            context.principal = try await auth.authenticate(bearerToken: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
            if context.principal == nil {
                throw DomainError(status: 401, code: "unauthenticated", zh: "访问令牌无效或已过期", en: "The API token is invalid or expired")
            }
        } else if let token = request.cookies[Self.cookieName]?.value, !token.isEmpty {
            context.principal = try await auth.authenticate(sessionToken: token)
        }
        return try await next(request, context)
    }
}

/// `/viewer?study=…` (the link HIS and reports use, IHE IID style) goes to the viewer page with its query kept; the
/// static file handler would redirect the folder to `/viewer/` and drop the study.
struct ViewerLinkMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        guard request.uri.path == "/viewer" else { return try await next(request, context) }
        let query = request.uri.query.map { "?" + $0 } ?? ""
        return Response(status: .found, headers: [.location: "/viewer/" + query])
    }
}
