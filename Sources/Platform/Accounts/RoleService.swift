import Foundation
import SQLKit

public struct RoleView: Sendable, Codable, Equatable {
    public var id: Int
    public var code: String
    public var name: String
    public var description: String?
    public var builtin: Bool
    public var permissions: [String]
    public var userCount: Int
}

public struct RoleInput: Sendable, Codable {
    public var code: String?
    public var name: String?
    public var description: String?
    public var permissions: [String]?
    public init(code: String? = nil, name: String? = nil, description: String? = nil, permissions: [String]? = nil) {
        self.code = code
        self.name = name
        self.description = description
        self.permissions = permissions
    }
}

/// Roles are data: a name and the permissions it grants (AUTH-01).
public struct RoleService: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public func list() async throws -> [RoleView] {
        try await database.read { sql in
            let rows = try await sql.raw(
                """
                SELECT r.*, (SELECT COUNT(DISTINCT a.user_id) FROM role_assignments a JOIN users u ON u.id = a.user_id
                  WHERE a.role_id = r.id AND u.deleted_at IS NULL) AS user_count FROM roles r ORDER BY r.builtin DESC, r.id
                """
            ).all()
            var permissions: [Int: [String]] = [:]
            for p in try await sql.raw("SELECT role_id, permission FROM role_permissions ORDER BY permission").all() {
                permissions[try p.int("role_id"), default: []].append(try p.string("permission"))
            }
            return try rows.map { r in
                let id = try r.int("id")
                return RoleView(
                    id: id, code: try r.string("code"), name: try r.string("name"),
                    description: try r.stringOrNil("description"), builtin: try r.bool("builtin"),
                    permissions: permissions[id] ?? [], userCount: try r.int("user_count"))
            }
        }
    }

    public func get(id: Int) async throws -> RoleView {
        guard let role = try await list().first(where: { $0.id == id }) else { throw DomainError.notFound("角色", "Role") }
        return role
    }

    func validate(_ input: RoleInput, requireCode: Bool) throws -> (
        code: String?, name: String, description: String?, permissions: [Permission]
    ) {
        var v = Validator()
        let code = requireCode ? v.text(input.code, field: "code", label: ("角色编码", "Role code"), required: true, maxLength: 32) : nil
        if let c = code, !c.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
            v.add("code", "invalid", "角色编码只能包含字母、数字和下划线", "Role code: letters, digits and underscore only")
        }
        let name = v.text(input.name, field: "name", label: ("角色名称", "Role name"), required: true, maxLength: 32)
        let description = v.text(input.description, field: "description", label: ("说明", "Description"), required: false, maxLength: 200)
        let codes = input.permissions ?? []
        let permissions = codes.compactMap(Permission.init(rawValue:))
        if permissions.count != codes.count {
            v.add("permissions", "unknown", "包含未知的权限项", "Unknown permission code")
        }
        try v.check()
        return (code, name ?? "", description, Array(Set(permissions)).sorted { $0.rawValue < $1.rawValue })
    }

    public func create(_ input: RoleInput) async throws -> RoleView {
        let r = try validate(input, requireCode: true)
        let stamp = Timestamp.string()
        let id = try await database.write { sql -> Int in
            if try await sql.count("SELECT COUNT(*) AS n FROM roles WHERE LOWER(code) = \(bind: r.code!.lowercased())") > 0 {
                throw DomainError(
                    status: 409, code: "duplicate", zh: "角色编码“\(r.code!)”已存在", en: "Role code \(r.code!) exists",
                    fields: [FieldError(field: "code", code: "duplicate", zh: "角色编码已存在", en: "Role code exists")])
            }
            if try await sql.count("SELECT COUNT(*) AS n FROM roles WHERE name = \(bind: r.name)") > 0 {
                throw DomainError(
                    status: 409, code: "duplicate", zh: "角色名称“\(r.name)”已存在", en: "Role name \(r.name) exists",
                    fields: [FieldError(field: "name", code: "duplicate", zh: "角色名称已存在", en: "Role name exists")])
            }
            let id = try await sql.raw(
                """
                INSERT INTO roles (code, name, description, builtin, created_at, updated_at)
                VALUES (\(bind: r.code!), \(bind: r.name), \(bind: r.description), \(bind: false), \(bind: stamp), \(bind: stamp)) RETURNING id
                """
            ).first()!.int("id")
            try await Self.setPermissions(sql, roleID: id, r.permissions)
            return id
        }
        return try await get(id: id)
    }

    public func update(id: Int, _ input: RoleInput) async throws -> RoleView {
        let existing = try await get(id: id)
        let r = try validate(input, requireCode: false)
        let stamp = Timestamp.string()
        try await database.write { sql in
            if try await sql.count("SELECT COUNT(*) AS n FROM roles WHERE name = \(bind: r.name) AND id <> \(bind: id)") > 0 {
                throw DomainError(
                    status: 409, code: "duplicate", zh: "角色名称“\(r.name)”已存在", en: "Role name \(r.name) exists",
                    fields: [FieldError(field: "name", code: "duplicate", zh: "角色名称已存在", en: "Role name exists")])
            }
            try await sql.raw(
                "UPDATE roles SET name = \(bind: r.name), description = \(bind: r.description), updated_at = \(bind: stamp) WHERE id = \(bind: existing.id)"
            ).run()
            try await sql.raw("DELETE FROM role_permissions WHERE role_id = \(bind: id)").run()
            try await Self.setPermissions(sql, roleID: id, r.permissions)
        }
        return try await get(id: id)
    }

    public func delete(id: Int) async throws {
        let role = try await get(id: id)
        if role.builtin { throw DomainError.conflict("in_use", "内置角色不能删除", "Built-in roles cannot be deleted") }
        if role.userCount > 0 {
            throw DomainError.conflict(
                "in_use", "仍有 \(role.userCount) 位用户拥有该角色，请先取消授权",
                "\(role.userCount) users still hold this role; revoke it first")
        }
        try await database.write { sql in
            try await sql.raw("DELETE FROM role_assignments WHERE role_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM role_permissions WHERE role_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM roles WHERE id = \(bind: id)").run()
        }
    }

    static func setPermissions(_ sql: any SQLDatabase, roleID: Int, _ permissions: [Permission]) async throws {
        for p in permissions {
            try await sql.raw("INSERT INTO role_permissions (role_id, permission) VALUES (\(bind: roleID), \(bind: p.rawValue))").run()
        }
    }

    /// Inserts the built-in roles that are missing (idempotent; runs at every start).
    public func seedBuiltins() async throws {
        let stamp = Timestamp.string()
        try await database.write { sql in
            for role in BuiltinRole.all {
                if try await sql.count("SELECT COUNT(*) AS n FROM roles WHERE code = \(bind: role.code)") > 0 { continue }
                let id = try await sql.raw(
                    """
                    INSERT INTO roles (code, name, description, builtin, created_at, updated_at)
                    VALUES (\(bind: role.code), \(bind: role.zh), \(bind: role.description), \(bind: true), \(bind: stamp), \(bind: stamp)) RETURNING id
                    """
                ).first()!.int("id")
                try await Self.setPermissions(sql, roleID: id, role.permissions)
            }
        }
    }
}
