import Foundation
import Hummingbird
import Platform

/// Users, their signatures, sessions and role assignments (DICT-01..03, AUTH-01).
enum UserController {
    struct Created: Encodable, Sendable {
        let user: UserView
        let initialPassword: String?
    }
    struct Password: Encodable, Sendable { let initialPassword: String }
    struct Ended: Encodable, Sendable { let ended: Int }
    struct Assignments: Codable, Sendable { let items: [RoleAssignment] }

    /// A grant as an auditor reads it: 登记员（西城县人民医院；全部检查类别）.
    static func grantSummary(_ items: [RoleAssignment], _ s: AppServices) async throws -> String {
        if items.isEmpty { return "撤销全部授权" }
        let roles = Dictionary(uniqueKeysWithValues: try await s.roles.list().map { ($0.id, $0.name) })
        func names(_ kind: String) async throws -> [Int: String] {
            var map: [Int: String] = [:]
            for r in try await s.dictionaries.all(kind) {
                if case .int(let id) = r["id"] ?? .null, let name = r["name"]?.stringValue { map[id] = name }
            }
            return map
        }
        let institutions = try await names("institutions")
        let categories = try await names("exam-categories")
        return "授权：" + items.map { a in
            let where_ = a.allInstitutions ? "全部机构" : a.institutionIds.map { institutions[$0] ?? "#\($0)" }.joined(separator: "、")
            let what = a.allCategories ? "全部检查类别" : a.categoryIds.map { categories[$0] ?? "#\($0)" }.joined(separator: "、")
            return "\(roles[a.roleId] ?? "#\(a.roleId)")（\(where_)；\(what)）"
        }.joined(separator: "，")
    }

    static func register(_ r: Routes) {
        let s = r.services
        r.get("api/users", .permission(.usersView)) { request, context in
            let p = try context.require()
            let query = UserQuery(
                text: request.query("q"), institutionID: try request.queryInt("institutionId"), active: request.queryBool("active"))
            return JSONResponse(try await s.users.list(query, scope: p.scope(for: .usersView), page: try request.pageRequest))
        }
        r.get("api/users/:id", .permission(.usersView)) { _, context in
            JSONResponse(try await s.users.get(id: try context.intParameter("id"), scope: try context.require().scope(for: .usersView)))
        }
        r.post("api/users", .permission(.usersManage), audit: "user.create", object: "user") { request, context in
            let input = try await request.json(UserInput.self, context: context)
            context.auditNote.set(detail: input.username.map { "username=\($0)" })
            let (user, password) = try await s.users.create(input, scope: try context.require().scope(for: .usersManage))
            context.auditNote.set(objectID: String(user.id))
            return JSONResponse(Created(user: user, initialPassword: password), status: .created)
        }
        r.put("api/users/:id", .permission(.usersManage), audit: "user.update", object: "user") { request, context in
            let p = try context.require()
            let input = try await request.json(UserInput.self, context: context)
            return JSONResponse(
                try await s.users.update(id: try context.intParameter("id"), input, scope: p.scope(for: .usersManage), by: p.userID))
        }
        r.delete("api/users/:id", .permission(.usersManage), audit: "user.delete", object: "user") { _, context in
            let p = try context.require()
            try await s.users.delete(id: try context.intParameter("id"), scope: p.scope(for: .usersManage), by: p.userID)
            return NoContent()
        }
        r.post("api/users/:id/reset-password", .permission(.usersManage), audit: "user.password.reset", object: "user") { _, context in
            let password = try await s.users.resetPassword(
                id: try context.intParameter("id"), scope: try context.require().scope(for: .usersManage))
            return JSONResponse(Password(initialPassword: password))
        }
        r.post("api/users/:id/unlock", .permission(.usersManage), audit: "user.unlock", object: "user") { _, context in
            try await s.users.unlock(id: try context.intParameter("id"), scope: try context.require().scope(for: .usersManage))
            return NoContent()
        }
        r.put("api/users/:id/signature", .permission(.usersManage), audit: "user.signature.set", object: "user") { request, context in
            let data = try await request.bytes(limit: 600 * 1024)
            try await s.users.setSignature(
                id: try context.intParameter("id"), data: data, scope: try context.require().scope(for: .usersManage))
            return NoContent()
        }
        r.get("api/users/:id/signature", .permission(.usersView)) { _, context in
            let sig = try await s.users.signature(id: try context.intParameter("id"), scope: try context.require().scope(for: .usersView))
            return FileResponse(data: sig.data, contentType: sig.type)
        }
        r.delete("api/users/:id/signature", .permission(.usersManage), audit: "user.signature.delete", object: "user") { _, context in
            try await s.users.deleteSignature(id: try context.intParameter("id"), scope: try context.require().scope(for: .usersManage))
            return NoContent()
        }
        r.delete("api/users/:id/sessions", .permission(.sessionsManage), audit: "user.sessions.end", object: "user") { _, context in
            let id = try context.intParameter("id")
            _ = try await s.users.get(id: id, scope: try context.require().scope(for: .sessionsManage))
            return JSONResponse(Ended(ended: try await s.auth.endSessions(userID: id)))
        }
        r.get("api/users/:id/roles", .permission(.usersView)) { _, context in
            JSONResponse(
                Assignments(
                    items: try await s.users.assignments(
                        userID: try context.intParameter("id"), scope: try context.require().scope(for: .usersView))))
        }
        r.put("api/users/:id/roles", .permission(.rolesAssign), audit: "user.roles.assign", object: "user") { request, context in
            let p = try context.require()
            let input = try await request.json(Assignments.self, context: context)
            let id = try context.intParameter("id")
            context.auditNote.set(detail: try await grantSummary(input.items, s))
            try await s.users.setAssignments(
                userID: id, input.items, callerScope: p.scope(for: .rolesAssign),
                viewScope: p.scope(for: .rolesAssign), by: p.userID)
            return JSONResponse(Assignments(items: try await s.users.assignments(userID: id, scope: .everything)))
        }
    }
}

/// Roles and the permission catalogue (AUTH-01).
enum RoleController {
    struct Item: Encodable, Sendable {
        let code: String
        let name: String
    }
    struct Group: Encodable, Sendable {
        let code: String
        let name: String
        let permissions: [Item]
    }
    struct Catalogue: Encodable, Sendable { let groups: [Group] }

    static func register(_ r: Routes) {
        let s = r.services
        r.get("api/permissions", .permission(.rolesView)) { request, _ in
            let en = request.prefersEnglish
            return JSONResponse(
                Catalogue(
                    groups: Permission.groups.map { g in
                        Group(
                            code: g.code, name: en ? g.en : g.zh,
                            permissions: g.permissions.map { Item(code: $0.rawValue, name: en ? $0.en : $0.zh) })
                    }))
        }
        r.get("api/roles", .permission(.rolesView)) { _, _ in JSONResponse(["items": try await s.roles.list()]) }
        r.post("api/roles", .permission(.rolesManage), audit: "role.create", object: "role") { request, context in
            let role = try await s.roles.create(try await request.json(RoleInput.self, context: context))
            context.auditNote.set(objectID: String(role.id), detail: "\(role.name)：" + role.permissions.joined(separator: ","))
            return JSONResponse(role, status: .created)
        }
        r.put("api/roles/:id", .permission(.rolesManage), audit: "role.update", object: "role") { request, context in
            let role = try await s.roles.update(
                id: try context.intParameter("id"), try await request.json(RoleInput.self, context: context))
            context.auditNote.set(detail: "\(role.name)：" + role.permissions.joined(separator: ","))
            return JSONResponse(role)
        }
        r.delete("api/roles/:id", .permission(.rolesManage), audit: "role.delete", object: "role") { _, context in
            try await s.roles.delete(id: try context.intParameter("id"))
            return NoContent()
        }
        r.get("api/security/policy", .permission(.securityView)) { _, _ in JSONResponse(try await s.policies.load()) }
        r.put("api/security/policy", .permission(.securityManage), audit: "security.policy.update", object: "settings") {
            request, context in
            let policy = try await request.json(SecurityPolicy.self, context: context)
            try await s.policies.save(policy)
            return JSONResponse(policy)
        }
    }
}
