import Foundation
import Platform
import SQLKit

/// Window/level presets per department (VIEW-15). The viewer ships a built-in list (Web/lib/viewer/presets.js);
/// a department that reads differently (a head-and-neck team with its own nasopharynx window, a paediatric
/// department) keeps its own list here, and every member's viewer uses it instead.
public struct ViewerPresets: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public struct Preset: Codable, Sendable, Equatable {
        /// Stable identifier (the built-in ones keep theirs: `lung`, `bone`…), `[a-z0-9_-]`, unique in the list.
        public var id: String
        public var name: String
        public var nameEn: String?
        public var center: Double
        public var width: Double
    }

    public struct DepartmentPresets: Codable, Sendable, Equatable {
        public var departmentId: Int?
        public var departmentName: String?
        /// nil: the department uses the built-in list.
        public var presets: [Preset]?
        public var updatedAt: String?
        public var updatedBy: String?
        public var canEdit: Bool

        enum CodingKeys: String, CodingKey { case departmentId, departmentName, presets, updatedAt, updatedBy, canEdit }

        /// Every key written, null included: the viewer tells "no department list" from a missing field.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(departmentId, forKey: .departmentId)
            try c.encode(departmentName, forKey: .departmentName)
            try c.encode(presets, forKey: .presets)
            try c.encode(updatedAt, forKey: .updatedAt)
            try c.encode(updatedBy, forKey: .updatedBy)
            try c.encode(canEdit, forKey: .canEdit)
        }
    }

    public static let maximumCount = 16

    /// The caller's department and its list.
    public func get(userID: Int, canEdit: Bool) async throws -> DepartmentPresets {
        try await database.read { sql in
            let row = try await sql.raw(
                """
                SELECT d.id, d.name, v.presets, v.updated_at, w.display_name AS updated_by
                FROM users u LEFT JOIN departments d ON d.id = u.department_id
                LEFT JOIN viewer_presets v ON v.department_id = d.id LEFT JOIN users w ON w.id = v.updated_by
                WHERE u.id = \(bind: userID)
                """
            ).first()
            guard let row, let department = try row.intOrNil("id") else {
                return DepartmentPresets(departmentId: nil, departmentName: nil, presets: nil, updatedAt: nil, updatedBy: nil, canEdit: false)
            }
            let presets = try row.stringOrNil("presets").map { try JSONDecoder().decode([Preset].self, from: Data($0.utf8)) }
            return DepartmentPresets(departmentId: department, departmentName: try row.stringOrNil("name"), presets: presets,
                                     updatedAt: try row.stringOrNil("updated_at"), updatedBy: try row.stringOrNil("updated_by"), canEdit: canEdit)
        }
    }

    /// Replaces the caller's department list after checking every preset.
    public func put(userID: Int, presets: [Preset]) async throws -> DepartmentPresets {
        try Self.validate(presets)
        let department = try await departmentOf(userID)
        let json = String(decoding: try JSONEncoder().encode(presets), as: UTF8.self)
        let now = Timestamp.string()
        try await database.write { sql in
            try await sql.raw(
                """
                INSERT INTO viewer_presets (department_id, presets, updated_by, created_at, updated_at)
                VALUES (\(bind: department), \(bind: json), \(bind: userID), \(bind: now), \(bind: now))
                ON CONFLICT (department_id) DO UPDATE SET presets = excluded.presets, updated_by = excluded.updated_by, updated_at = excluded.updated_at
                """
            ).run()
        }
        return try await get(userID: userID, canEdit: true)
    }

    /// Back to the built-in list.
    public func reset(userID: Int) async throws {
        let department = try await departmentOf(userID)
        try await database.write { sql in
            try await sql.raw("DELETE FROM viewer_presets WHERE department_id = \(bind: department)").run()
        }
    }

    func departmentOf(_ userID: Int) async throws -> Int {
        let id = try await database.read { sql in
            try await sql.raw("SELECT department_id FROM users WHERE id = \(bind: userID)").first()?.intOrNil("department_id")
        }
        guard let id else {
            throw DomainError(status: 422, code: "no_department", zh: "您的账号未关联科室，无法保存科室预设；请联系管理员在用户管理中设置科室",
                              en: "your account has no department; ask an administrator to set one")
        }
        return id
    }

    static func validate(_ presets: [Preset]) throws {
        var errors: [FieldError] = []
        if presets.isEmpty || presets.count > maximumCount {
            errors.append(FieldError(field: "presets", code: "count", zh: "预设应为 1 到 \(maximumCount) 个", en: "1 to \(maximumCount) presets"))
        }
        var ids = Set<String>(), names = Set<String>()
        for (i, p) in presets.enumerated() {
            let field = "presets[\(i)]"
            let name = p.name.trimmingCharacters(in: .whitespaces)
            if name.isEmpty || name.count > 16 {
                errors.append(FieldError(field: field + ".name", code: "length", zh: "第 \(i + 1) 个预设的名称应为 1 到 16 个字", en: "name must be 1–16 characters"))
            } else if !names.insert(name).inserted {
                errors.append(FieldError(field: field + ".name", code: "duplicate", zh: "预设名称「\(name)」重复", en: "duplicate name \(name)"))
            }
            if (p.nameEn?.count ?? 0) > 32 {
                errors.append(FieldError(field: field + ".nameEn", code: "length", zh: "英文名称最多 32 个字符", en: "English name at most 32 characters"))
            }
            if p.id.isEmpty || p.id.count > 32 || !p.id.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }) {
                errors.append(FieldError(field: field + ".id", code: "format", zh: "预设标识只能由小写字母、数字、- 和 _ 组成", en: "id must be [a-z0-9_-], at most 32"))
            } else if !ids.insert(p.id).inserted {
                errors.append(FieldError(field: field + ".id", code: "duplicate", zh: "预设标识 \(p.id) 重复", en: "duplicate id \(p.id)"))
            }
            if !p.width.isFinite || p.width < 1 || p.width > 65536 {
                errors.append(FieldError(field: field + ".width", code: "range", zh: "第 \(i + 1) 个预设的窗宽应在 1 到 65536 之间", en: "width must be 1–65536"))
            }
            if !p.center.isFinite || p.center < -32768 || p.center > 65535 {
                errors.append(FieldError(field: field + ".center", code: "range", zh: "第 \(i + 1) 个预设的窗位应在 -32768 到 65535 之间", en: "centre must be -32768–65535"))
            }
        }
        if !errors.isEmpty { throw DomainError.validation(errors) }
    }
}
