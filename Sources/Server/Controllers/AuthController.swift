import Foundation
import Hummingbird
import Platform

struct MeView: Encodable, Sendable {
    let id: Int
    let username: String
    let displayName: String
    let title: String?
    let institutionId: Int?
    let institutionName: String?
    let departmentId: Int?
    let departmentName: String?
    let roles: [Principal.RoleRef]
    let permissions: [String]
    let passwordChangeRequired: Bool
    let csrfToken: String?
    /// The rules a new password must meet, so the forced-change page can state them.
    let passwordPolicy: PasswordRules
}

struct PasswordRules: Encodable, Sendable {
    let minLength: Int
    let minClasses: Int
    let historyCount: Int
    let maxAgeDays: Int
}

struct LoginAnswer: Encodable, Sendable {
    let user: MeView
    let csrfToken: String?
}

/// Login, logout, the current user, own password and API tokens.
enum AuthController {
    struct LoginInput: Decodable {
        let username: String?
        let password: String?
    }
    struct PasswordInput: Decodable {
        let currentPassword: String?
        let newPassword: String?
    }
    struct TokenInput: Decodable {
        let name: String?
        let expiresInDays: Int?
    }

    static func me(_ p: Principal, _ s: AppServices) async throws -> MeView {
        let user = try? await s.users.get(id: p.userID, scope: .everything)
        let policy = try await s.policies.load()
        return MeView(
            id: p.userID, username: p.username, displayName: p.displayName, title: user?.title,
            institutionId: p.institutionID, institutionName: user?.institutionName, departmentId: user?.departmentId,
            departmentName: user?.departmentName, roles: p.roles, permissions: p.permissionCodes,
            passwordChangeRequired: p.passwordChangeRequired, csrfToken: p.csrfToken,
            passwordPolicy: PasswordRules(
                minLength: policy.minLength, minClasses: policy.minClasses, historyCount: policy.historyCount,
                maxAgeDays: policy.maxAgeDays))
    }

    static func register(_ r: Routes) {
        let s = r.services
        let secure = s.config.secureCookies
        r.post("api/auth/login", .anonymous) { request, context -> Response in
            let input = try await request.json(LoginInput.self, context: context)
            let result = try await s.auth.login(
                username: input.username ?? "", password: input.password ?? "", clientIP: context.clientIP,
                userAgent: request.headers[.userAgent])
            var response = try JSONResponse(LoginAnswer(user: try await me(result.principal, s), csrfToken: result.principal.csrfToken))
                .response(from: request, context: context)
            response.setCookie(
                Cookie(
                    name: AuthenticationMiddleware.cookieName, value: result.sessionToken, maxAge: result.maxAgeSeconds,
                    path: "/", secure: secure, httpOnly: true, sameSite: .strict))
            return response
        }
        r.post("api/auth/logout", .authenticated(duringPasswordChange: true), audit: "auth.logout", object: "session") {
            request, context -> Response in
            let p = try context.require()
            if let sid = p.sessionID { try await s.auth.logout(sessionID: sid) }
            var response = Response(status: .noContent)
            response.setCookie(
                Cookie(
                    name: AuthenticationMiddleware.cookieName, value: "", maxAge: 0, path: "/", secure: secure,
                    httpOnly: true, sameSite: .strict))
            return response
        }
        r.get("api/me", .authenticated(duringPasswordChange: true)) { _, context in
            JSONResponse(try await me(try context.require(), s))
        }
        r.post("api/me/password", .authenticated(duringPasswordChange: true), audit: "user.password.change", object: "user") {
            request, context in
            let p = try context.require()
            let input = try await request.json(PasswordInput.self, context: context)
            context.auditNote.set(objectID: String(p.userID))
            try await s.auth.changePassword(userID: p.userID, current: input.currentPassword ?? "", new: input.newPassword ?? "")
            return NoContent()
        }
        r.get("api/me/tokens", .authenticated(duringPasswordChange: false)) { _, context in
            JSONResponse(["items": try await s.auth.listTokens(userID: try context.require().userID)])
        }
        r.post("api/me/tokens", .authenticated(duringPasswordChange: false), audit: "token.create", object: "api_token") {
            request, context in
            let input = try await request.json(TokenInput.self, context: context)
            let token = try await s.auth.createToken(
                userID: try context.require().userID, name: input.name ?? "", expiresInDays: input.expiresInDays)
            context.auditNote.set(objectID: String(token.id))
            return JSONResponse(token, status: .created)
        }
        r.delete("api/me/tokens/:id", .authenticated(duringPasswordChange: false), audit: "token.revoke", object: "api_token") {
            _, context in
            try await s.auth.revokeToken(userID: try context.require().userID, tokenID: try context.intParameter("id"))
            return NoContent()
        }
    }
}
