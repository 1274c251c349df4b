import Foundation
import Platform
import SQLKit

/// Matching rules a department adds after the built-in ones (DCM-06 "configurable rules"): which header facts must
/// equal the exam's, within which date window, and whether one hit links the study or only proposes the exam for a
/// person to confirm. The typical rule is for studies from county hospitals, which carry their own patient IDs:
/// name + birth date + sex + modality within a day, confirmed by a person.
public struct MatchingRules: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The facts a rule can compare: study (image header) on the left, exam on the right.
    public enum Key: String, Codable, Sendable, CaseIterable {
        case patientId, patientName, birthDate, sex, modality, accessionNumber, studyDate

        public var zh: String {
            switch self {
            case .patientId: "患者 ID"
            case .patientName: "患者姓名"
            case .birthDate: "出生日期"
            case .sex: "性别"
            case .modality: "设备类型"
            case .accessionNumber: "检查号"
            case .studyDate: "检查日期（允许相差天数内）"
            }
        }

        public var en: String {
            switch self {
            case .patientId: "Patient ID"
            case .patientName: "Patient name"
            case .birthDate: "Birth date"
            case .sex: "Sex"
            case .modality: "Modality"
            case .accessionNumber: "Accession number"
            case .studyDate: "Exam date (within the window)"
            }
        }
    }

    public enum Action: String, Codable, Sendable {
        /// One candidate: linked, like the built-in rules.
        case match
        /// One candidate: proposed (status `suggested`), a person confirms on the 待匹配 page.
        case review
    }

    public struct Rule: Codable, Sendable, Equatable {
        public var id: Int
        public var name: String
        public var keys: [Key]
        public var windowDays: Int
        public var action: Action
        public var position: Int
        public var active: Bool
        public var updatedAt: String
    }

    public struct Input: Codable, Sendable {
        public var name: String?
        public var keys: [String]?
        public var windowDays: Int?
        public var action: String?
        public var position: Int?
        public var active: Bool?

        public init(name: String? = nil, keys: [String]? = nil, windowDays: Int? = nil, action: String? = nil, position: Int? = nil,
                    active: Bool? = nil) {
            self.name = name
            self.keys = keys
            self.windowDays = windowDays
            self.action = action
            self.position = position
            self.active = active
        }
    }

    public func list(activeOnly: Bool = false) async throws -> [Rule] {
        try await database.read { sql in
            try await sql.raw(
                SQLQueryString("SELECT * FROM matching_rules" + (activeOnly ? " WHERE active = TRUE" : "") + " ORDER BY position, id")
            ).all().map(Self.decode)
        }
    }

    public func create(_ input: Input) async throws -> Rule {
        let (name, keys, window, action) = try Self.validate(input, existing: nil)
        let now = Timestamp.string()
        let id = try await database.write { sql in
            let next = try await sql.raw("SELECT COALESCE(MAX(position), 0) + 1 AS n FROM matching_rules").first()!.int("n")
            return try await sql.raw(
                """
                INSERT INTO matching_rules (name, keys, window_days, action, position, active, created_at, updated_at)
                VALUES (\(bind: name), \(bind: keys.map(\.rawValue).joined(separator: ",")), \(bind: window), \(bind: action.rawValue),
                        \(bind: input.position ?? next), \(bind: input.active ?? true), \(bind: now), \(bind: now)) RETURNING id
                """
            ).first()!.int("id")
        }
        return try await get(id)
    }

    public func update(_ id: Int, _ input: Input) async throws -> Rule {
        let existing = try await get(id)
        let (name, keys, window, action) = try Self.validate(input, existing: existing)
        try await database.write { sql in
            try await sql.raw(
                """
                UPDATE matching_rules SET name = \(bind: name), keys = \(bind: keys.map(\.rawValue).joined(separator: ",")),
                  window_days = \(bind: window), action = \(bind: action.rawValue), position = \(bind: input.position ?? existing.position),
                  active = \(bind: input.active ?? existing.active), updated_at = \(bind: Timestamp.string())
                WHERE id = \(bind: id)
                """
            ).run()
        }
        return try await get(id)
    }

    public func delete(_ id: Int) async throws {
        _ = try await get(id)
        try await database.write { sql in try await sql.raw("DELETE FROM matching_rules WHERE id = \(bind: id)").run() }
    }

    public func get(_ id: Int) async throws -> Rule {
        let row = try await database.read { sql in try await sql.raw("SELECT * FROM matching_rules WHERE id = \(bind: id)").first() }
        guard let row else { throw DomainError.notFound("匹配规则", "Matching rule") }
        return try Self.decode(row)
    }

    static func decode(_ row: any SQLRow) throws -> Rule {
        Rule(id: try row.int("id"), name: try row.string("name"),
             keys: try row.string("keys").split(separator: ",").compactMap { Key(rawValue: String($0)) },
             windowDays: try row.int("window_days"), action: Action(rawValue: try row.string("action")) ?? .review,
             position: try row.int("position"), active: try row.bool("active"), updatedAt: try row.string("updated_at"))
    }

    /// A rule must say who the patient is (ID, or name with birth date) and what was done (modality or accession),
    /// so that it cannot link any CT of the day to any other; names alone never decide.
    static func validate(_ input: Input, existing: Rule?) throws -> (String, [Key], Int, Action) {
        var errors: [FieldError] = []
        let name = (input.name ?? existing?.name ?? "").trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 40 {
            errors.append(FieldError(field: "name", code: "length", zh: "规则名称应为 1 到 40 个字", en: "name must be 1–40 characters"))
        }
        var keys: [Key] = existing?.keys ?? []
        if let raw = input.keys {
            keys = []
            for k in raw {
                guard let key = Key(rawValue: k) else {
                    errors.append(FieldError(field: "keys", code: "invalid", zh: "不支持的匹配条件：\(k)", en: "unknown key \(k)"))
                    continue
                }
                if !keys.contains(key) { keys.append(key) }
            }
        }
        let identifies = keys.contains(.patientId) || (keys.contains(.patientName) && keys.contains(.birthDate))
        let what = keys.contains(.modality) || keys.contains(.accessionNumber)
        if !identifies || !what {
            errors.append(FieldError(field: "keys", code: "too_weak",
                                     zh: "规则至少要包含「患者 ID」或「患者姓名 + 出生日期」，以及「设备类型」或「检查号」",
                                     en: "a rule needs the patient ID (or name and birth date) and the modality (or accession number)"))
        }
        let window = input.windowDays ?? existing?.windowDays ?? 1
        if !(0...30).contains(window) {
            errors.append(FieldError(field: "windowDays", code: "range", zh: "允许相差天数应为 0 到 30", en: "window must be 0–30 days"))
        }
        let action = Action(rawValue: input.action ?? existing?.action.rawValue ?? "review")
        if action == nil {
            errors.append(FieldError(field: "action", code: "invalid", zh: "命中后的处理应为 match（直接匹配）或 review（人工确认）", en: "action must be match or review"))
        }
        if let p = input.position, !(0...1000).contains(p) {
            errors.append(FieldError(field: "position", code: "range", zh: "顺序应为 0 到 1000", en: "position must be 0–1000"))
        }
        if !errors.isEmpty { throw DomainError.validation(errors) }
        return (name, keys, window, action!)
    }
}
