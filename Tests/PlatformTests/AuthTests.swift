import Foundation
import Platform
import TestSupport
import Testing

@Suite("Logins, lockout, sessions and passwords")
struct AuthTests {
    static let password = "Yy#Passw0rd2026"

    func makeUser(_ db: Database, _ name: String = "zhangsan") async throws -> (UserService, AuthService, Int) {
        let auth = AuthService(database: db, audit: AuditLog(database: db))
        let users = UserService(database: db, auth: auth)
        let inst = try await DictionaryService(database: db).create(
            "institutions", ["code": .string("H1"), "name": .string("一院"), "level": .string("central")], scope: .everything)
        guard case .int(let instID) = inst["id"] ?? .null else { throw TestFailure("no id") }
        let created = try await users.create(
            UserInput(username: name, displayName: "张三", institutionId: instID, password: "Lung#Ct2026x"),
            scope: .everything)
        return (users, auth, created.user.id)
    }

    @Test("wrong password is refused; the account locks after the threshold, even for the right password", arguments: TestEngine.available)
    func lockout(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let (users, auth, id) = try await makeUser(db)
            let threshold = try await SecurityPolicyStore(database: db).load().lockoutThreshold
            for attempt in 1...threshold {
                let error = await #expect(throws: DomainError.self) {
                    _ = try await auth.login(username: "zhangsan", password: "wrong", clientIP: nil, userAgent: nil)
                }
                #expect(error?.code == (attempt < threshold ? "invalid_credentials" : "account_locked"))
            }
            let locked = await #expect(throws: DomainError.self) {
                _ = try await auth.login(username: "zhangsan", password: "Lung#Ct2026x", clientIP: nil, userAgent: nil)
            }
            #expect(locked?.code == "account_locked")
            #expect(try await users.get(id: id, scope: .everything).locked)
            try await users.unlock(id: id, scope: .everything)
            let ok = try await auth.login(username: "ZhangSan", password: "Lung#Ct2026x", clientIP: nil, userAgent: nil)
            #expect(ok.principal.userID == id)
            #expect(ok.principal.passwordChangeRequired, "a password set by an administrator must be changed")
            // Unknown users answer exactly like wrong passwords.
            let unknown = await #expect(throws: DomainError.self) {
                _ = try await auth.login(username: "nobody", password: "x", clientIP: nil, userAgent: nil)
            }
            #expect(unknown?.code == "invalid_credentials")
        }
    }

    @Test("sessions end after the idle timeout and after the absolute lifetime", arguments: TestEngine.available)
    func sessionExpiry(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let clock = TestClock()
            let auth = AuthService(database: db, audit: AuditLog(database: db), now: { clock.now() })
            let policy = try await SecurityPolicyStore(database: db).load()
            let first = try await auth.login(username: "admin", password: Self.password, clientIP: nil, userAgent: nil)
            #expect(try await auth.authenticate(sessionToken: first.sessionToken) != nil)
            clock.advance(Double(policy.sessionIdleMinutes * 60 - 60))
            #expect(try await auth.authenticate(sessionToken: first.sessionToken) != nil, "activity within the idle window keeps it alive")
            clock.advance(Double(policy.sessionIdleMinutes * 60 + 1))
            #expect(try await auth.authenticate(sessionToken: first.sessionToken) == nil, "idle too long")
            clock.advance(-Double(policy.sessionIdleMinutes * 60 + 1))
            #expect(try await auth.authenticate(sessionToken: first.sessionToken) == nil, "an ended session stays ended")

            let second = try await auth.login(username: "admin", password: Self.password, clientIP: nil, userAgent: nil)
            let step = Double(policy.sessionIdleMinutes * 60 - 60)
            var elapsed = 0.0
            while elapsed + step < Double(policy.sessionAbsoluteHours * 3600) {
                clock.advance(step)
                elapsed += step
                #expect(try await auth.authenticate(sessionToken: second.sessionToken) != nil)
            }
            clock.advance(step)
            #expect(try await auth.authenticate(sessionToken: second.sessionToken) == nil, "absolute lifetime reached")
            #expect(try await auth.authenticate(sessionToken: "forged") == nil)
        }
    }

    @Test("password change checks the current password, the policy and the history", arguments: TestEngine.available)
    func passwordChange(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let (_, auth, id) = try await makeUser(db)
            let wrong = await #expect(throws: DomainError.self) {
                try await auth.changePassword(userID: id, current: "nope", new: "Brain#Mr2026y")
            }
            #expect(wrong?.fields.first?.field == "currentPassword")
            let weak = await #expect(throws: DomainError.self) {
                try await auth.changePassword(userID: id, current: "Lung#Ct2026x", new: "abc")
            }
            #expect(weak?.fields.map(\.code).contains("too_short") == true)
            let withName = await #expect(throws: DomainError.self) {
                try await auth.changePassword(userID: id, current: "Lung#Ct2026x", new: "Zhangsan#2026")
            }
            #expect(withName?.fields.map(\.code).contains("contains_username") == true)
            try await auth.changePassword(userID: id, current: "Lung#Ct2026x", new: "Brain#Mr2026y")
            try await auth.changePassword(userID: id, current: "Brain#Mr2026y", new: "Knee#Dr2026z")
            let reused = await #expect(throws: DomainError.self) {
                try await auth.changePassword(userID: id, current: "Knee#Dr2026z", new: "Lung#Ct2026x")
            }
            #expect(reused?.fields.first?.code == "reused")
            let login = try await auth.login(username: "zhangsan", password: "Knee#Dr2026z", clientIP: nil, userAgent: nil)
            #expect(!login.principal.passwordChangeRequired)
        }
    }

    @Test("a password older than the policy's lifetime must be changed", arguments: TestEngine.available)
    func rotation(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let clock = TestClock()
            let auth = AuthService(database: db, audit: AuditLog(database: db), now: { clock.now() })
            let fresh = try await auth.login(username: "admin", password: Self.password, clientIP: nil, userAgent: nil)
            #expect(!fresh.principal.passwordChangeRequired)
            let maxAge = try await SecurityPolicyStore(database: db).load().maxAgeDays
            clock.advance(Double(maxAge * 86400 + 3600))
            let old = try await auth.login(username: "admin", password: Self.password, clientIP: nil, userAgent: nil)
            #expect(old.principal.passwordChangeRequired)
            var never = SecurityPolicy()
            never.maxAgeDays = 0
            try await SecurityPolicyStore(database: db).save(never)
            let unlimited = try await auth.login(username: "admin", password: Self.password, clientIP: nil, userAgent: nil)
            #expect(!unlimited.principal.passwordChangeRequired, "0 turns rotation off")
            var bad = SecurityPolicy()
            bad.minLength = 4
            let refused = await #expect(throws: DomainError.self) { try await SecurityPolicyStore(database: db).save(bad) }
            #expect(refused?.fields.first?.field == "minLength")
        }
    }

    @Test("API tokens authenticate until revoked; ending sessions logs a user out", arguments: TestEngine.available)
    func tokensAndSessions(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let auth = AuthService(database: db, audit: AuditLog(database: db))
            let login = try await auth.login(username: "admin", password: Self.password, clientIP: nil, userAgent: nil)
            let token = try await auth.createToken(userID: login.principal.userID, name: "HIS 接口", expiresInDays: 30)
            let viaToken = try #require(try await auth.authenticate(bearerToken: token.token!))
            #expect(viaToken.sessionID == nil && viaToken.has(.usersView))
            try await auth.revokeToken(userID: login.principal.userID, tokenID: token.id)
            #expect(try await auth.authenticate(bearerToken: token.token!) == nil)
            #expect(try await auth.endSessions(userID: login.principal.userID) == 1)
            #expect(try await auth.authenticate(sessionToken: login.sessionToken) == nil)
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
