import Foundation
import Platform
import TestSupport
import Testing

@Suite("Users, roles and scopes")
struct UserTests {
    struct Fixture {
        let users: UserService
        let auth: AuthService
        let roles: RoleService
        let a: Int
        let b: Int
    }

    func fixture(_ db: Database) async throws -> Fixture {
        let auth = AuthService(database: db, audit: AuditLog(database: db))
        let dict = DictionaryService(database: db)
        func id(_ r: JSONRecord) -> Int { if case .int(let i) = r["id"] ?? .null { return i } else { return -1 } }
        let a = id(
            try await dict.create(
                "institutions", ["code": .string("A"), "name": .string("市中心医院"), "level": .string("central")], scope: .everything))
        let b = id(
            try await dict.create(
                "institutions", ["code": .string("B"), "name": .string("县医院"), "level": .string("subordinate")], scope: .everything))
        return Fixture(users: UserService(database: db, auth: auth), auth: auth, roles: RoleService(database: db), a: a, b: b)
    }

    @Test("creation validates and refuses duplicate user names", arguments: TestEngine.available)
    func create(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let f = try await fixture(db)
            let bad = await #expect(throws: DomainError.self) {
                _ = try await f.users.create(UserInput(username: "李 四", mobile: "123"), scope: .everything)
            }
            #expect(Set(bad?.fields.map(\.field) ?? []) == ["username", "displayName", "mobile", "institutionId"])
            let made = try await f.users.create(
                UserInput(username: "lisi", displayName: "李四", title: "主治医师", institutionId: f.a, mobile: "13800138000"), scope: .everything
            )
            #expect(made.initialPassword != nil && made.user.mustChangePassword && made.user.institutionName == "市中心医院")
            let dup = await #expect(throws: DomainError.self) {
                _ = try await f.users.create(UserInput(username: "LISI", displayName: "李四", institutionId: f.a), scope: .everything)
            }
            #expect(dup?.code == "duplicate")
        }
    }

    @Test("a user scoped to one institution sees none of another's users", arguments: TestEngine.available)
    func institutionScope(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let f = try await fixture(db)
            let inA = try await f.users.create(UserInput(username: "doc.a", displayName: "甲医生", institutionId: f.a), scope: .everything)
                .user
            _ = try await f.users.create(UserInput(username: "doc.b", displayName: "乙医生", institutionId: f.b), scope: .everything)
            let onlyB = Scope(institutionIDs: [f.b], allCategories: true)
            let listed = try await f.users.list(UserQuery(), scope: onlyB, page: PageRequest())
            #expect(listed.items.map(\.username) == ["doc.b"])
            let hidden = await #expect(throws: DomainError.self) { _ = try await f.users.get(id: inA.id, scope: onlyB) }
            #expect(hidden?.status == 404)
            await #expect(throws: DomainError.self) { _ = try await f.users.resetPassword(id: inA.id, scope: onlyB) }
            let cross = await #expect(throws: DomainError.self) {
                _ = try await f.users.create(UserInput(username: "sneaky", displayName: "越权", institutionId: f.a), scope: onlyB)
            }
            #expect(cross?.status == 403)
            #expect(try await f.users.list(UserQuery(), scope: Scope(), page: PageRequest()).total == 0, "no grant, no rows")
        }
    }

    @Test("grants are scoped; a principal's permissions follow its roles", arguments: TestEngine.available)
    func grants(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let f = try await fixture(db)
            let roles = try await f.roles.list()
            let registrar = roles.first { $0.code == "registrar" }!
            let attending = roles.first { $0.code == "attending" }!
            let u = try await f.users.create(
                UserInput(username: "nurse", displayName: "王护士", institutionId: f.b, password: "Scan#Desk2026"), scope: .everything
            ).user
            let scopedCaller = Scope(institutionIDs: [f.b], allCategories: true)
            let beyond = await #expect(throws: DomainError.self) {
                try await f.users.setAssignments(
                    userID: u.id, [RoleAssignment(roleId: registrar.id, allInstitutions: true)],
                    callerScope: scopedCaller, viewScope: scopedCaller, by: 999)
            }
            #expect(beyond?.status == 403)
            let selfGrant = await #expect(throws: DomainError.self) {
                try await f.users.setAssignments(userID: u.id, [], callerScope: .everything, viewScope: .everything, by: u.id)
            }
            #expect(selfGrant?.status == 403)
            let empty = await #expect(throws: DomainError.self) {
                try await f.users.setAssignments(
                    userID: u.id, [RoleAssignment(roleId: registrar.id, allInstitutions: false)],
                    callerScope: .everything, viewScope: .everything, by: 999)
            }
            #expect(empty?.fields.first?.code == "required")
            try await f.users.setAssignments(
                userID: u.id,
                [
                    RoleAssignment(roleId: registrar.id, allInstitutions: false, institutionIds: [f.b]),
                    RoleAssignment(roleId: attending.id, allInstitutions: false, institutionIds: [f.a]),
                ], callerScope: .everything, viewScope: .everything, by: 999)
            let p = try #require(try await f.auth.loadPrincipal(userID: u.id, sessionID: nil, csrfToken: nil, policy: SecurityPolicy()))
            #expect(p.has(.registrationManage) && p.has(.reportWrite) && !p.has(.usersView))
            #expect(p.scope(for: .registrationManage).institutionIDs == [f.b])
            #expect(p.scope(for: .reportWrite).institutionIDs == [f.a])
            #expect(p.scope(for: .dictView).institutionIDs == [f.a, f.b], "a permission both roles grant covers both scopes")
            #expect(try await f.users.assignments(userID: u.id, scope: .everything).count == 2)
        }
    }

    @Test("roles: custom roles validate; built-in and assigned roles cannot be deleted", arguments: TestEngine.available)
    func roles(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let f = try await fixture(db)
            let bad = await #expect(throws: DomainError.self) {
                _ = try await f.roles.create(RoleInput(code: "x y", name: "", permissions: ["nope"]))
            }
            #expect(Set(bad?.fields.map(\.field) ?? []) == ["code", "name", "permissions"])
            let reader = try await f.roles.create(
                RoleInput(code: "remote_reader", name: "远程阅片医生", permissions: ["study.view", "report.write"]))
            #expect(reader.permissions == ["report.write", "study.view"] && !reader.builtin)
            await #expect(throws: DomainError.self) { _ = try await f.roles.create(RoleInput(code: "REMOTE_READER", name: "别名")) }
            let builtin = try await f.roles.list().first { $0.builtin }!
            let refused = await #expect(throws: DomainError.self) { try await f.roles.delete(id: builtin.id) }
            #expect(refused?.code == "in_use")
            let u = try await f.users.create(UserInput(username: "reader", displayName: "读片", institutionId: f.b), scope: .everything).user
            try await f.users.setAssignments(
                userID: u.id, [RoleAssignment(roleId: reader.id, allInstitutions: true)], callerScope: .everything, viewScope: .everything,
                by: 999)
            await #expect(throws: DomainError.self) { try await f.roles.delete(id: reader.id) }
            try await f.users.delete(id: u.id, scope: .everything, by: 999)
            try await f.roles.delete(id: reader.id)
        }
    }

    @Test("deleted users cannot sign in and keep their name reserved", arguments: TestEngine.available)
    func softDelete(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let f = try await fixture(db)
            let u = try await f.users.create(
                UserInput(username: "temp", displayName: "临时", institutionId: f.a, password: "Scan#Desk2026"), scope: .everything
            ).user
            _ = try await f.auth.login(username: "temp", password: "Scan#Desk2026", clientIP: nil, userAgent: nil)
            try await f.users.delete(id: u.id, scope: .everything, by: 999)
            await #expect(throws: DomainError.self) {
                _ = try await f.auth.login(username: "temp", password: "Scan#Desk2026", clientIP: nil, userAgent: nil)
            }
            await #expect(throws: DomainError.self) {
                _ = try await f.users.create(UserInput(username: "temp", displayName: "重名", institutionId: f.a), scope: .everything)
            }
            let selfDelete = await #expect(throws: DomainError.self) { try await f.users.delete(id: 1, scope: .everything, by: 1) }
            #expect(selfDelete?.code == "self")
        }
    }

    @Test("signatures accept PNG and JPEG only", arguments: TestEngine.available)
    func signature(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let f = try await fixture(db)
            let u = try await f.users.create(UserInput(username: "sig", displayName: "签名", institutionId: f.a), scope: .everything).user
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(repeating: 7, count: 100)
            try await f.users.setSignature(id: u.id, data: png, scope: .everything)
            let back = try await f.users.signature(id: u.id, scope: .everything)
            #expect(back.type == "image/png" && back.data == png)
            #expect(try await f.users.get(id: u.id, scope: .everything).hasSignature)
            let gif = await #expect(throws: DomainError.self) {
                try await f.users.setSignature(id: u.id, data: Data("GIF89a".utf8), scope: .everything)
            }
            #expect(gif?.status == 415)
        }
    }
}
