import Foundation
import SQLKit

public struct UserView: Sendable, Codable, Equatable {
    public struct RoleRef: Sendable, Codable, Equatable {
        public let roleId: Int
        public let code: String
        public let name: String
    }
    public var id: Int
    public var username: String
    public var displayName: String
    public var title: String?
    public var institutionId: Int?
    public var institutionName: String?
    public var departmentId: Int?
    public var departmentName: String?
    public var mobile: String?
    public var active: Bool
    public var locked: Bool
    public var hasSignature: Bool
    public var mustChangePassword: Bool
    public var lastLoginAt: String?
    public var createdAt: String
    public var roles: [RoleRef]
}

public struct UserInput: Sendable, Codable {
    public var username: String?
    public var displayName: String?
    public var title: String?
    public var institutionId: Int?
    public var departmentId: Int?
    public var mobile: String?
    public var password: String?
    public var active: Bool?
    public init(
        username: String? = nil, displayName: String? = nil, title: String? = nil, institutionId: Int? = nil,
        departmentId: Int? = nil, mobile: String? = nil, password: String? = nil, active: Bool? = nil
    ) {
        self.username = username
        self.displayName = displayName
        self.title = title
        self.institutionId = institutionId
        self.departmentId = departmentId
        self.mobile = mobile
        self.password = password
        self.active = active
    }
}

/// One role granted to a user, with where it applies.
public struct RoleAssignment: Sendable, Codable, Equatable {
    public var roleId: Int
    public var allInstitutions: Bool
    public var institutionIds: [Int]
    public var allCategories: Bool
    public var categoryIds: [Int]
    public init(roleId: Int, allInstitutions: Bool, institutionIds: [Int] = [], allCategories: Bool = true, categoryIds: [Int] = []) {
        self.roleId = roleId
        self.allInstitutions = allInstitutions
        self.institutionIds = institutionIds
        self.allCategories = allCategories
        self.categoryIds = categoryIds
    }
}

public struct UserQuery: Sendable {
    public var text: String?
    public var institutionID: Int?
    public var active: Bool?
    public init(text: String? = nil, institutionID: Int? = nil, active: Bool? = nil) {
        self.text = text
        self.institutionID = institutionID
        self.active = active
    }
}

/// User accounts (DICT-01..03). Every read and write is limited to the institutions in the caller's scope
/// for the permission the operation needs.
public struct UserService: Sendable {
    let database: Database
    let auth: AuthService
    let now: @Sendable () -> Date

    public init(database: Database, auth: AuthService) {
        self.database = database
        self.auth = auth
        self.now = auth.now
    }

    static let maxSignatureBytes = 512 * 1024

    // MARK: Reading

    public func list(_ query: UserQuery, scope: Scope, page: PageRequest) async throws -> Page<UserView> {
        var parts: [SQLQueryString] = ["u.deleted_at IS NULL", Self.scopeFilter(scope)]
        if let t = query.text?.trimmingCharacters(in: .whitespaces), !t.isEmpty {
            let p = likePattern(t)
            parts.append(
                "(LOWER(u.username) LIKE \(bind: p) ESCAPE '\\' OR LOWER(u.display_name) LIKE \(bind: p) ESCAPE '\\' OR u.mobile LIKE \(bind: p) ESCAPE '\\')"
            )
        }
        if let i = query.institutionID { parts.append("u.institution_id = \(bind: i)") }
        if let a = query.active { parts.append("u.active = \(bind: a)") }
        let filter = parts.joined(separator: " AND ")
        return try await database.read { sql in
            let total = try await sql.count("SELECT COUNT(*) AS n FROM users u WHERE " + filter)
            let rows = try await sql.raw(
                Self.select + " WHERE " + filter
                    + " ORDER BY u.id LIMIT \(unsafeRaw: String(page.pageSize)) OFFSET \(unsafeRaw: String(page.offset))"
            ).all()
            return Page(items: try await Self.views(rows, sql: sql, at: now()), total: total, request: page)
        }
    }

    public func get(id: Int, scope: Scope) async throws -> UserView {
        try await database.read { sql in try await Self.fetch(id: id, scope: scope, sql: sql, at: now()) }
    }

    static let select: SQLQueryString = """
        SELECT u.id, u.username, u.display_name, u.title, u.institution_id, i.name AS institution_name, u.department_id,
          d.name AS department_name, u.mobile, u.active, u.locked_until, u.signature_type, u.must_change_password,
          u.last_login_at, u.created_at
        FROM users u LEFT JOIN institutions i ON i.id = u.institution_id LEFT JOIN departments d ON d.id = u.department_id
        """

    static func scopeFilter(_ scope: Scope) -> SQLQueryString {
        if scope.allInstitutions { return "1 = 1" }
        if scope.institutionIDs.isEmpty { return "1 = 0" }
        return "u.institution_id IN (\(binds: scope.institutionIDs.sorted()))"
    }

    static func fetch(id: Int, scope: Scope, sql: any SQLDatabase, at: Date) async throws -> UserView {
        let rows = try await sql.raw(Self.select + " WHERE u.id = \(bind: id) AND u.deleted_at IS NULL").all()
        guard let view = try await views(rows, sql: sql, at: at).first, scope.allows(institutionID: view.institutionId) else {
            throw DomainError.notFound("用户", "User")
        }
        return view
    }

    static func views(_ rows: [any SQLRow], sql: any SQLDatabase, at: Date) async throws -> [UserView] {
        var views: [UserView] = try rows.map { r in
            UserView(
                id: try r.int("id"), username: try r.string("username"), displayName: try r.string("display_name"),
                title: try r.stringOrNil("title"), institutionId: try r.intOrNil("institution_id"),
                institutionName: try r.stringOrNil("institution_name"), departmentId: try r.intOrNil("department_id"),
                departmentName: try r.stringOrNil("department_name"), mobile: try r.stringOrNil("mobile"),
                active: try r.bool("active"),
                locked: (try r.stringOrNil("locked_until").flatMap(Timestamp.parse)).map { $0 > at } ?? false,
                hasSignature: try r.stringOrNil("signature_type") != nil,
                mustChangePassword: try r.bool("must_change_password"), lastLoginAt: try r.stringOrNil("last_login_at"),
                createdAt: try r.string("created_at"), roles: [])
        }
        guard !views.isEmpty else { return views }
        let roleRows = try await sql.raw(
            """
            SELECT DISTINCT a.user_id, r.id, r.code, r.name FROM role_assignments a JOIN roles r ON r.id = a.role_id
            WHERE a.user_id IN (\(binds: views.map(\.id))) ORDER BY r.id
            """
        ).all()
        var byUser: [Int: [UserView.RoleRef]] = [:]
        for r in roleRows {
            byUser[try r.int("user_id"), default: []].append(
                UserView.RoleRef(roleId: try r.int("id"), code: try r.string("code"), name: try r.string("name")))
        }
        for i in views.indices { views[i].roles = byUser[views[i].id] ?? [] }
        return views
    }

    // MARK: Writing

    /// Creates a user. Without a password, a temporary one is generated and returned; either way the user
    /// must change it at first login.
    public func create(_ input: UserInput, scope: Scope) async throws -> (user: UserView, initialPassword: String?) {
        let policy = try await SecurityPolicyStore(database: database).load()
        var v = Validator()
        let username = v.text(input.username, field: "username", label: ("用户名", "User name"), required: true, maxLength: 32)
        if let u = username, u.count < 2 || !u.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) {
            v.add("username", "invalid", "用户名为 2–32 位字母、数字或 . _ -", "User name: 2–32 letters, digits, . _ or -")
        }
        let fields = try await validateCommon(input, validator: &v, scope: scope)
        if let p = input.password, !p.isEmpty {
            v.errors.append(contentsOf: policy.problems(password: p, username: username ?? "", field: "password"))
        }
        try v.check()
        let generated = (input.password ?? "").isEmpty ? Secrets.temporaryPassword() : nil
        let hash = Secrets.hashPassword(generated ?? input.password!)
        let stamp = Timestamp.string(now())
        let id = try await database.write { sql -> Int in
            let taken = try await sql.count("SELECT COUNT(*) AS n FROM users WHERE LOWER(username) = \(bind: username!.lowercased())")
            if taken > 0 {
                throw DomainError(
                    status: 409, code: "duplicate", zh: "用户名“\(username!)”已被使用", en: "User name \(username!) is taken",
                    fields: [FieldError(field: "username", code: "duplicate", zh: "用户名已被使用", en: "User name is taken")])
            }
            let id = try await sql.raw(
                """
                INSERT INTO users (username, display_name, title, institution_id, department_id, mobile, password_hash,
                  password_changed_at, must_change_password, active, created_at, updated_at)
                VALUES (\(bind: username!), \(bind: fields.displayName), \(bind: fields.title), \(bind: fields.institutionID),
                  \(bind: fields.departmentID), \(bind: fields.mobile), \(bind: hash), \(bind: stamp), \(bind: true),
                  \(bind: input.active ?? true), \(bind: stamp), \(bind: stamp)) RETURNING id
                """
            ).first()!.int("id")
            try await sql.raw(
                "INSERT INTO password_history (user_id, password_hash, created_at) VALUES (\(bind: id), \(bind: hash), \(bind: stamp))"
            ).run()
            return id
        }
        return (try await get(id: id, scope: scope), generated)
    }

    public func update(id: Int, _ input: UserInput, scope: Scope, by callerID: Int) async throws -> UserView {
        _ = try await get(id: id, scope: scope)
        var v = Validator()
        let fields = try await validateCommon(input, validator: &v, scope: scope)
        if input.active == false, id == callerID {
            v.add("active", "self", "不能停用自己的账户", "You cannot disable your own account")
        }
        try v.check()
        let stamp = Timestamp.string(now())
        try await database.write { sql in
            try await sql.raw(
                """
                UPDATE users SET display_name = \(bind: fields.displayName), title = \(bind: fields.title),
                  institution_id = \(bind: fields.institutionID), department_id = \(bind: fields.departmentID),
                  mobile = \(bind: fields.mobile), active = \(bind: input.active ?? true), updated_at = \(bind: stamp)
                WHERE id = \(bind: id)
                """
            ).run()
        }
        if input.active == false { _ = try await auth.endSessions(userID: id) }
        return try await get(id: id, scope: scope)
    }

    struct CommonFields {
        var displayName: String
        var title: String?
        var institutionID: Int
        var departmentID: Int?
        var mobile: String?
    }

    private func validateCommon(_ input: UserInput, validator v: inout Validator, scope: Scope) async throws -> CommonFields {
        let displayName = v.text(input.displayName, field: "displayName", label: ("姓名", "Name"), required: true, maxLength: 32)
        let title = v.text(input.title, field: "title", label: ("职称", "Title"), required: false, maxLength: 32)
        let mobile = v.text(input.mobile, field: "mobile", label: ("手机号", "Mobile"), required: false, maxLength: 11)
        if let m = mobile, !(m.count == 11 && m.hasPrefix("1") && m.allSatisfy(\.isASCII) && m.allSatisfy(\.isNumber)) {
            v.add("mobile", "invalid", "请输入 11 位手机号码", "Enter an 11-digit mobile number")
        }
        if input.institutionId == nil { v.add("institutionId", "required", "请选择所属机构", "Choose an institution") }
        if let i = input.institutionId {
            let exists = try await database.read { try await $0.count("SELECT COUNT(*) AS n FROM institutions WHERE id = \(bind: i)") }
            if exists == 0 {
                v.add("institutionId", "not_found", "所选机构不存在", "The institution does not exist")
            } else if !scope.allows(institutionID: i) {
                throw DomainError.forbidden("您无权管理该机构的用户", "You may not manage users of that institution")
            }
        }
        if let d = input.departmentId {
            let owner = try await database.read {
                try await $0.raw("SELECT institution_id FROM departments WHERE id = \(bind: d)").first()?.int("institution_id")
            }
            if owner == nil {
                v.add("departmentId", "not_found", "所选科室不存在", "The department does not exist")
            } else if owner != input.institutionId {
                v.add("departmentId", "mismatch", "科室不属于所选机构", "The department belongs to another institution")
            }
        }
        return CommonFields(
            displayName: displayName ?? "", title: title, institutionID: input.institutionId ?? 0,
            departmentID: input.departmentId, mobile: mobile)
    }

    /// Soft delete: the account can no longer sign in, its sessions end, its name stays reserved and its
    /// audit history keeps pointing at it.
    public func delete(id: Int, scope: Scope, by callerID: Int) async throws {
        _ = try await get(id: id, scope: scope)
        if id == callerID { throw DomainError.conflict("self", "不能删除自己的账户", "You cannot delete your own account") }
        let stamp = Timestamp.string(now())
        try await database.write { sql in
            try await sql.raw(
                "UPDATE users SET deleted_at = \(bind: stamp), active = \(bind: false), updated_at = \(bind: stamp) WHERE id = \(bind: id)"
            ).run()
            try await sql.raw("DELETE FROM role_assignments WHERE user_id = \(bind: id)").run()
            try await sql.raw("UPDATE api_tokens SET revoked_at = \(bind: stamp) WHERE user_id = \(bind: id) AND revoked_at IS NULL").run()
        }
        _ = try await auth.endSessions(userID: id)
    }

    /// Sets a new temporary password that must be changed at next login; ends the user's sessions.
    public func resetPassword(id: Int, scope: Scope) async throws -> String {
        _ = try await get(id: id, scope: scope)
        let password = Secrets.temporaryPassword()
        try await AuthService.setPassword(database: database, userID: id, hash: Secrets.hashPassword(password), mustChange: true, at: now())
        try await unlock(id: id, scope: scope)
        _ = try await auth.endSessions(userID: id)
        return password
    }

    public func unlock(id: Int, scope: Scope) async throws {
        _ = try await get(id: id, scope: scope)
        try await database.write { sql in
            try await sql.raw("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = \(bind: id)").run()
        }
    }

    // MARK: Electronic signature (DICT-02)

    public func setSignature(id: Int, data: Data, scope: Scope) async throws {
        _ = try await get(id: id, scope: scope)
        let type: String
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            type = "image/png"
        } else if data.starts(with: [0xFF, 0xD8, 0xFF]) {
            type = "image/jpeg"
        } else {
            throw DomainError(
                status: 415, code: "unsupported_media_type", zh: "签名图片须为 PNG 或 JPEG 格式",
                en: "The signature must be a PNG or JPEG image")
        }
        guard data.count <= Self.maxSignatureBytes else {
            throw DomainError(
                status: 413, code: "payload_too_large", zh: "签名图片不能超过 512 KB", en: "The signature image must be at most 512 KB")
        }
        let encoded = data.base64EncodedString()
        let stamp = Timestamp.string(now())
        try await database.write { sql in
            try await sql.raw(
                "UPDATE users SET signature = \(bind: encoded), signature_type = \(bind: type), updated_at = \(bind: stamp) WHERE id = \(bind: id)"
            ).run()
        }
    }

    public func signature(id: Int, scope: Scope) async throws -> (type: String, data: Data) {
        _ = try await get(id: id, scope: scope)
        let row = try await database.read { try await $0.raw("SELECT signature, signature_type FROM users WHERE id = \(bind: id)").first() }
        guard let row, let type = try row.stringOrNil("signature_type"), let text = try row.stringOrNil("signature"),
            let data = Data(base64Encoded: text)
        else { throw DomainError.notFound("电子签名", "Signature") }
        return (type, data)
    }

    public func deleteSignature(id: Int, scope: Scope) async throws {
        _ = try await get(id: id, scope: scope)
        try await database.write { sql in
            try await sql.raw("UPDATE users SET signature = NULL, signature_type = NULL WHERE id = \(bind: id)").run()
        }
    }

    // MARK: Role assignments (DICT-03, AUTH-01)

    public func assignments(userID: Int, scope: Scope) async throws -> [RoleAssignment] {
        _ = try await get(id: userID, scope: scope)
        return try await database.read { sql in
            var result: [RoleAssignment] = []
            for a in try await sql.raw("SELECT * FROM role_assignments WHERE user_id = \(bind: userID) ORDER BY id").all() {
                let aid = try a.int("id")
                result.append(
                    RoleAssignment(
                        roleId: try a.int("role_id"), allInstitutions: try a.bool("all_institutions"),
                        institutionIds: try await sql.raw(
                            "SELECT institution_id FROM role_assignment_institutions WHERE assignment_id = \(bind: aid) ORDER BY institution_id"
                        ).all().map { try $0.int("institution_id") },
                        allCategories: try a.bool("all_categories"),
                        categoryIds: try await sql.raw(
                            "SELECT category_id FROM role_assignment_categories WHERE assignment_id = \(bind: aid) ORDER BY category_id"
                        ).all().map { try $0.int("category_id") }))
            }
            return result
        }
    }

    /// Replaces a user's role assignments. A caller scoped to some institutions can grant only within them,
    /// and nobody changes their own grants (that needs a second administrator).
    public func setAssignments(userID: Int, _ items: [RoleAssignment], callerScope: Scope, viewScope: Scope, by callerID: Int)
        async throws
    {
        _ = try await get(id: userID, scope: viewScope)
        if userID == callerID {
            throw DomainError.forbidden(
                "不能修改自己的授权，请由另一位安全管理员操作",
                "You cannot change your own grants; ask another security administrator")
        }
        var v = Validator()
        let (roleIDs, institutionIDs, categoryIDs) = try await database.read { sql in
            (
                Set(try await sql.raw("SELECT id FROM roles").all().map { try $0.int("id") }),
                Set(try await sql.raw("SELECT id FROM institutions").all().map { try $0.int("id") }),
                Set(try await sql.raw("SELECT id FROM exam_categories").all().map { try $0.int("id") })
            )
        }
        for (n, item) in items.enumerated() {
            let row = "第 \(n + 1) 行"
            if !roleIDs.contains(item.roleId) { v.add("items[\(n)].roleId", "not_found", "\(row)：角色不存在", "Row \(n + 1): role not found") }
            if !item.allInstitutions && item.institutionIds.isEmpty {
                v.add("items[\(n)].institutionIds", "required", "\(row)：请选择适用机构或选择“全部机构”", "Row \(n + 1): choose institutions or all")
            }
            if !item.allInstitutions && !Set(item.institutionIds).isSubset(of: institutionIDs) {
                v.add("items[\(n)].institutionIds", "not_found", "\(row)：所选机构不存在", "Row \(n + 1): unknown institution")
            }
            if !item.allCategories && item.categoryIds.isEmpty {
                v.add("items[\(n)].categoryIds", "required", "\(row)：请选择检查类别或选择“全部类别”", "Row \(n + 1): choose exam categories or all")
            }
            if !item.allCategories && !Set(item.categoryIds).isSubset(of: categoryIDs) {
                v.add("items[\(n)].categoryIds", "not_found", "\(row)：所选检查类别不存在", "Row \(n + 1): unknown exam category")
            }
            let withinScope =
                callerScope.allInstitutions || (!item.allInstitutions && Set(item.institutionIds).isSubset(of: callerScope.institutionIDs))
            if !withinScope {
                throw DomainError.forbidden("您只能在自己管辖的机构范围内授权", "You can grant roles only within your own institutions")
            }
        }
        try v.check()
        let stamp = Timestamp.string(now())
        try await database.write { sql in
            try await sql.raw("DELETE FROM role_assignments WHERE user_id = \(bind: userID)").run()
            for item in items {
                let aid = try await sql.raw(
                    """
                    INSERT INTO role_assignments (user_id, role_id, all_institutions, all_categories, created_at)
                    VALUES (\(bind: userID), \(bind: item.roleId), \(bind: item.allInstitutions), \(bind: item.allCategories), \(bind: stamp)) RETURNING id
                    """
                ).first()!.int("id")
                if !item.allInstitutions {
                    for i in Set(item.institutionIds).sorted() {
                        try await sql.raw(
                            "INSERT INTO role_assignment_institutions (assignment_id, institution_id) VALUES (\(bind: aid), \(bind: i))"
                        ).run()
                    }
                }
                if !item.allCategories {
                    for c in Set(item.categoryIds).sorted() {
                        try await sql.raw(
                            "INSERT INTO role_assignment_categories (assignment_id, category_id) VALUES (\(bind: aid), \(bind: c))"
                        ).run()
                    }
                }
            }
        }
    }
}
