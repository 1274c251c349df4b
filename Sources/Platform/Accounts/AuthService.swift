import Foundation
import SQLKit

/// Logins, sessions, API tokens and password changes.
public struct AuthService: Sendable {
    let database: Database
    let audit: AuditLog
    let policies: SecurityPolicyStore
    /// Injectable clock so tests can move time past idle and absolute session limits.
    let now: @Sendable () -> Date

    public init(database: Database, audit: AuditLog, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.audit = audit
        self.policies = SecurityPolicyStore(database: database)
        self.now = now
    }

    public struct LoginResult: Sendable {
        public let principal: Principal
        public let sessionToken: String
        public let maxAgeSeconds: Int
    }

    static let invalidCredentials = DomainError(
        status: 401, code: "invalid_credentials", zh: "用户名或密码错误", en: "Wrong user name or password")

    static func locked(minutes: Int) -> DomainError {
        DomainError(
            status: 401, code: "account_locked",
            zh: "密码连续输错次数过多，账户已锁定，请 \(minutes) 分钟后再试或联系管理员解锁",
            en: "Too many failed attempts; the account is locked. Try again in \(minutes) minutes or ask an administrator")
    }

    /// A bcrypt hash of nothing in particular, checked when the user does not exist so that timing does not
    /// reveal which user names are real.
    static let dummyHash = Secrets.hashPassword(Secrets.token())

    public func login(username rawName: String, password: String, clientIP: String?, userAgent: String?) async throws
        -> LoginResult
    {
        let username = rawName.trimmingCharacters(in: .whitespaces)
        let policy = try await policies.load()
        let at = now()
        let attempt = AuditActor(username: String(username.prefix(64)), clientIP: clientIP)
        guard !username.isEmpty, !password.isEmpty,
            let row = try await database.read({ sql in
                try await sql.raw(
                    "SELECT * FROM users WHERE LOWER(username) = \(bind: username.lowercased()) AND deleted_at IS NULL"
                ).first()
            })
        else {
            _ = Secrets.verifyPassword(password, hash: Self.dummyHash)
            try await audit.record(AuditEvent(action: "auth.login", outcome: .failure, detail: "用户名不存在"), by: attempt)
            throw Self.invalidCredentials
        }
        let userID = try row.int("id")
        let actor = AuditActor(userID: userID, username: try row.string("username"), clientIP: clientIP)
        if let until = try row.stringOrNil("locked_until").flatMap(Timestamp.parse), until > at {
            try await audit.record(
                AuditEvent(
                    action: "auth.login", objectType: "user", objectID: String(userID),
                    outcome: .denied, detail: "账户已锁定"), by: actor)
            throw Self.locked(minutes: max(1, Int((until.timeIntervalSince(at) / 60).rounded(.up))))
        }
        guard Secrets.verifyPassword(password, hash: try row.string("password_hash")) else {
            let failures = try row.int("failed_logins") + 1
            let lock = failures >= policy.lockoutThreshold
            let until = Timestamp.string(at.addingTimeInterval(Double(policy.lockoutMinutes * 60)))
            try await database.write { sql in
                if lock {
                    try await sql.raw("UPDATE users SET failed_logins = 0, locked_until = \(bind: until) WHERE id = \(bind: userID)").run()
                } else {
                    try await sql.raw("UPDATE users SET failed_logins = \(bind: failures) WHERE id = \(bind: userID)").run()
                }
            }
            try await audit.record(
                AuditEvent(
                    action: lock ? "auth.lockout" : "auth.login", objectType: "user",
                    objectID: String(userID), outcome: .failure,
                    detail: "密码错误，连续失败 \(failures)/\(policy.lockoutThreshold) 次"), by: actor)
            throw lock ? Self.locked(minutes: policy.lockoutMinutes) : Self.invalidCredentials
        }
        guard try row.bool("active") else {
            try await audit.record(
                AuditEvent(
                    action: "auth.login", objectType: "user", objectID: String(userID),
                    outcome: .denied, detail: "账户已停用"), by: actor)
            throw DomainError(
                status: 401, code: "account_disabled", zh: "该账户已停用，请联系管理员",
                en: "This account is disabled; contact an administrator")
        }
        let token = Secrets.token()
        let sessionID = Secrets.digest(token)
        let csrf = Secrets.token()
        let stamp = Timestamp.string(at)
        let expires = Timestamp.string(at.addingTimeInterval(Double(policy.sessionAbsoluteHours * 3600)))
        try await database.write { sql in
            try await sql.raw(
                "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = \(bind: stamp) WHERE id = \(bind: userID)"
            ).run()
            try await sql.raw(
                """
                INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at, client_ip, user_agent)
                VALUES (\(bind: sessionID), \(bind: userID), \(bind: csrf), \(bind: stamp), \(bind: stamp), \(bind: expires),
                  \(bind: clientIP), \(bind: userAgent.map { String($0.prefix(300)) }))
                """
            ).run()
        }
        guard let principal = try await loadPrincipal(userID: userID, sessionID: sessionID, csrfToken: csrf, policy: policy) else {
            throw Self.invalidCredentials
        }
        try await audit.record(
            AuditEvent(action: "auth.login", objectType: "user", objectID: String(userID)),
            by: AuditActor(principal, clientIP: clientIP))
        return LoginResult(principal: principal, sessionToken: token, maxAgeSeconds: policy.sessionAbsoluteHours * 3600)
    }

    /// The principal of a session cookie, or nil when the session is unknown, ended, idle too long or too old.
    public func authenticate(sessionToken token: String) async throws -> Principal? {
        let sessionID = Secrets.digest(token)
        guard
            let row = try await database.read({ sql in
                try await sql.raw("SELECT * FROM sessions WHERE id = \(bind: sessionID) AND ended_at IS NULL").first()
            })
        else { return nil }
        let policy = try await policies.load()
        let at = now()
        let lastSeen = Timestamp.parse(try row.string("last_seen_at")) ?? .distantPast
        let expires = Timestamp.parse(try row.string("expires_at")) ?? .distantPast
        if at >= expires || at.timeIntervalSince(lastSeen) > Double(policy.sessionIdleMinutes * 60) {
            try await endSession(id: sessionID, reason: at >= expires ? "expired" : "idle")
            return nil
        }
        if at.timeIntervalSince(lastSeen) > 15 {
            let stamp = Timestamp.string(at)
            try await database.write { sql in
                try await sql.raw("UPDATE sessions SET last_seen_at = \(bind: stamp) WHERE id = \(bind: sessionID)").run()
            }
        }
        return try await loadPrincipal(
            userID: try row.int("user_id"), sessionID: sessionID,
            csrfToken: try row.string("csrf_token"), policy: policy)
    }

    /// The principal of a bearer API token, or nil.
    public func authenticate(bearerToken token: String) async throws -> Principal? {
        let digest = Secrets.digest(token)
        guard
            let row = try await database.read({ sql in
                try await sql.raw("SELECT * FROM api_tokens WHERE token_hash = \(bind: digest) AND revoked_at IS NULL").first()
            })
        else { return nil }
        let at = now()
        if let expires = try row.stringOrNil("expires_at").flatMap(Timestamp.parse), expires <= at { return nil }
        let stamp = Timestamp.string(at)
        let tokenID = try row.int("id")
        try await database.write { sql in
            try await sql.raw("UPDATE api_tokens SET last_used_at = \(bind: stamp) WHERE id = \(bind: tokenID)").run()
        }
        let policy = try await policies.load()
        let principal = try await loadPrincipal(userID: try row.int("user_id"), sessionID: nil, csrfToken: nil, policy: policy)
        // Machines cannot answer a password-change prompt; a token simply carries the user's grants.
        return principal.map {
            Principal(
                userID: $0.userID, username: $0.username, displayName: $0.displayName, institutionID: $0.institutionID,
                roles: $0.roles, grants: $0.grants, passwordChangeRequired: false, sessionID: nil, csrfToken: nil)
        }
    }

    func endSession(id: String, reason: String) async throws {
        let stamp = Timestamp.string(now())
        try await database.write { sql in
            try await sql.raw("UPDATE sessions SET ended_at = \(bind: stamp) WHERE id = \(bind: id) AND ended_at IS NULL").run()
        }
    }

    public func logout(sessionID: String) async throws { try await endSession(id: sessionID, reason: "logout") }

    /// Ends every open session of a user; returns how many.
    public func endSessions(userID: Int) async throws -> Int {
        let stamp = Timestamp.string(now())
        return try await database.write { sql in
            let n = try await sql.count(
                "SELECT COUNT(*) AS n FROM sessions WHERE user_id = \(bind: userID) AND ended_at IS NULL")
            try await sql.raw(
                "UPDATE sessions SET ended_at = \(bind: stamp) WHERE user_id = \(bind: userID) AND ended_at IS NULL"
            ).run()
            return n
        }
    }

    /// Loads user, roles and grants. Nil when the user is gone, disabled or locked.
    public func loadPrincipal(userID: Int, sessionID: String?, csrfToken: String?, policy: SecurityPolicy) async throws
        -> Principal?
    {
        let at = now()
        return try await database.read { sql -> Principal? in
            guard
                let user = try await sql.raw(
                    "SELECT * FROM users WHERE id = \(bind: userID) AND deleted_at IS NULL AND active = \(bind: true)"
                ).first()
            else { return nil }
            if let until = try user.stringOrNil("locked_until").flatMap(Timestamp.parse), until > at { return nil }
            let assignments = try await sql.raw(
                """
                SELECT a.id, a.role_id, a.all_institutions, a.all_categories, r.code, r.name
                FROM role_assignments a JOIN roles r ON r.id = a.role_id WHERE a.user_id = \(bind: userID) ORDER BY a.id
                """
            ).all()
            var grants: [Permission: Scope] = [:]
            var roles: [Principal.RoleRef] = []
            for a in assignments {
                let assignmentID = try a.int("id")
                let roleRef = Principal.RoleRef(code: try a.string("code"), name: try a.string("name"))
                if !roles.contains(roleRef) { roles.append(roleRef) }
                var scope = Scope(allInstitutions: try a.bool("all_institutions"), allCategories: try a.bool("all_categories"))
                if !scope.allInstitutions {
                    scope.institutionIDs = Set(
                        try await sql.raw(
                            "SELECT institution_id FROM role_assignment_institutions WHERE assignment_id = \(bind: assignmentID)"
                        ).all().map { try $0.int("institution_id") })
                }
                if !scope.allCategories {
                    scope.categoryIDs = Set(
                        try await sql.raw(
                            "SELECT category_id FROM role_assignment_categories WHERE assignment_id = \(bind: assignmentID)"
                        ).all().map { try $0.int("category_id") })
                }
                let permissions = try await sql.raw(
                    "SELECT permission FROM role_permissions WHERE role_id = \(bind: try a.int("role_id"))"
                ).all().compactMap { Permission(rawValue: try $0.string("permission")) }
                for permission in permissions { grants[permission, default: Scope()].formUnion(scope) }
            }
            let changedAt = Timestamp.parse(try user.string("password_changed_at")) ?? .distantPast
            let expired = policy.maxAgeDays > 0 && at.timeIntervalSince(changedAt) > Double(policy.maxAgeDays * 86400)
            return Principal(
                userID: userID, username: try user.string("username"), displayName: try user.string("display_name"),
                institutionID: try user.intOrNil("institution_id"), roles: roles, grants: grants,
                passwordChangeRequired: try user.bool("must_change_password") || expired, sessionID: sessionID,
                csrfToken: csrfToken)
        }
    }

    /// Changes the caller's own password after checking the current one, the policy and the history.
    public func changePassword(userID: Int, current: String, new: String) async throws {
        let policy = try await policies.load()
        guard
            let row = try await database.read({ sql in
                try await sql.raw("SELECT username, password_hash FROM users WHERE id = \(bind: userID)").first()
            })
        else { throw DomainError.unauthenticated }
        guard Secrets.verifyPassword(current, hash: try row.string("password_hash")) else {
            throw DomainError.validation([
                FieldError(
                    field: "currentPassword", code: "wrong", zh: "当前密码不正确",
                    en: "The current password is wrong")
            ])
        }
        var problems = policy.problems(password: new, username: try row.string("username"))
        if current == new {
            problems.append(
                FieldError(
                    field: "newPassword", code: "unchanged", zh: "新密码不能与当前密码相同",
                    en: "The new password must differ from the current one"))
        } else if policy.historyCount > 0 {
            let history = try await database.read { sql in
                try await sql.raw(
                    "SELECT password_hash FROM password_history WHERE user_id = \(bind: userID) ORDER BY id DESC LIMIT \(unsafeRaw: String(policy.historyCount))"
                ).all().map { try $0.string("password_hash") }
            }
            if history.contains(where: { Secrets.verifyPassword(new, hash: $0) }) {
                problems.append(
                    FieldError(
                        field: "newPassword", code: "reused",
                        zh: "不能使用最近 \(policy.historyCount) 次用过的密码",
                        en: "The password was used recently (last \(policy.historyCount))"))
            }
        }
        if !problems.isEmpty { throw DomainError.validation(problems) }
        try await Self.setPassword(database: database, userID: userID, hash: Secrets.hashPassword(new), mustChange: false, at: now())
    }

    /// Stores a new password hash, records it in the history and sets or clears the change-required flag.
    static func setPassword(database: Database, userID: Int, hash: String, mustChange: Bool, at: Date) async throws {
        let stamp = Timestamp.string(at)
        try await database.write { sql in
            try await sql.raw(
                """
                UPDATE users SET password_hash = \(bind: hash), password_changed_at = \(bind: stamp),
                  must_change_password = \(bind: mustChange), updated_at = \(bind: stamp) WHERE id = \(bind: userID)
                """
            ).run()
            try await sql.raw(
                "INSERT INTO password_history (user_id, password_hash, created_at) VALUES (\(bind: userID), \(bind: hash), \(bind: stamp))"
            ).run()
        }
    }

    // MARK: API tokens

    public struct APIToken: Sendable, Codable {
        public let id: Int
        public let name: String
        public let createdAt: String
        public let expiresAt: String?
        public let lastUsedAt: String?
        /// Only in the answer that creates it.
        public var token: String?
    }

    public func createToken(userID: Int, name: String, expiresInDays: Int?) async throws -> APIToken {
        var v = Validator()
        let name = v.text(name, field: "name", label: ("名称", "Name"), required: true, maxLength: 64) ?? ""
        if let d = expiresInDays, !(1...3650).contains(d) {
            v.add("expiresInDays", "out_of_range", "有效期应在 1–3650 天之间", "Lifetime must be 1–3650 days")
        }
        try v.check()
        let token = "yyt_" + Secrets.token()
        let at = now()
        let created = Timestamp.string(at)
        let expires = expiresInDays.map { Timestamp.string(at.addingTimeInterval(Double($0 * 86400))) }
        let id = try await database.write { sql in
            try await sql.raw(
                """
                INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at)
                VALUES (\(bind: userID), \(bind: name), \(bind: Secrets.digest(token)), \(bind: created), \(bind: expires)) RETURNING id
                """
            ).first()!.int("id")
        }
        return APIToken(id: id, name: name, createdAt: created, expiresAt: expires, lastUsedAt: nil, token: token)
    }

    public func listTokens(userID: Int) async throws -> [APIToken] {
        try await database.read { sql in
            try await sql.raw(
                "SELECT * FROM api_tokens WHERE user_id = \(bind: userID) AND revoked_at IS NULL ORDER BY id"
            ).all().map {
                APIToken(
                    id: try $0.int("id"), name: try $0.string("name"), createdAt: try $0.string("created_at"),
                    expiresAt: try $0.stringOrNil("expires_at"), lastUsedAt: try $0.stringOrNil("last_used_at"), token: nil)
            }
        }
    }

    public func revokeToken(userID: Int, tokenID: Int) async throws {
        let stamp = Timestamp.string(now())
        let n = try await database.write { sql in
            let n = try await sql.count(
                "SELECT COUNT(*) AS n FROM api_tokens WHERE id = \(bind: tokenID) AND user_id = \(bind: userID) AND revoked_at IS NULL")
            try await sql.raw("UPDATE api_tokens SET revoked_at = \(bind: stamp) WHERE id = \(bind: tokenID) AND user_id = \(bind: userID)")
                .run()
            return n
        }
        if n == 0 { throw DomainError.notFound("令牌", "Token") }
    }
}
