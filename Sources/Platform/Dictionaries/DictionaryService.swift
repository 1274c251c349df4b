import Foundation
import SQLKit

public struct DictionaryQuery: Sendable {
    public var text: String?
    public var active: Bool?
    /// Equality filters on ref fields, by API field name (`institutionId=2`).
    public var refs: [String: Int]
    public init(text: String? = nil, active: Bool? = nil, refs: [String: Int] = [:]) {
        self.text = text
        self.active = active
        self.refs = refs
    }
}

/// One generic service for every dictionary kind: list, read, create, update, delete, validated against
/// the kind's field definitions.
public struct DictionaryService: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public static func kind(_ name: String) throws -> DictionaryKind {
        guard let k = DictionaryCatalog.kind(name) else { throw DomainError.notFound("字典类型", "Dictionary kind") }
        return k
    }

    // MARK: Reading

    static func select(_ k: DictionaryKind) -> SQLQueryString {
        var columns: [String] = ["t.*"]
        var joins: [String] = []
        for f in k.fields where f.type == .ref {
            let target = DictionaryCatalog.kind(f.ref!)!
            columns.append("r_\(f.column).name AS \(f.column)__name")
            columns.append("r_\(f.column).code AS \(f.column)__code")
            joins.append("LEFT JOIN \(target.table) r_\(f.column) ON r_\(f.column).id = t.\(f.column)")
        }
        return rawSQL("SELECT \(columns.joined(separator: ", ")) FROM \(k.table) t \(joins.joined(separator: " "))")
    }

    static func filter(_ k: DictionaryKind, _ q: DictionaryQuery) -> SQLQueryString {
        var parts: [SQLQueryString] = ["1 = 1"]
        if let t = q.text?.trimmingCharacters(in: .whitespaces), !t.isEmpty {
            let p = likePattern(t)
            parts.append("(LOWER(t.code) LIKE \(bind: p) ESCAPE '\\' OR LOWER(t.name) LIKE \(bind: p) ESCAPE '\\')")
        }
        if let a = q.active { parts.append("t.active = \(bind: a)") }
        for (name, value) in q.refs.sorted(by: { $0.key < $1.key }) {
            if let f = k.field(name), f.type == .ref { parts.append(rawSQL("t.\(f.column) = ") + "\(bind: value)") }
        }
        return parts.joined(separator: " AND ")
    }

    public func list(_ kind: String, _ query: DictionaryQuery, page: PageRequest) async throws -> Page<JSONRecord> {
        let k = try Self.kind(kind)
        let filter = Self.filter(k, query)
        return try await database.read { sql in
            let total = try await sql.count(rawSQL("SELECT COUNT(*) AS n FROM \(k.table) t WHERE ") + filter)
            let rows = try await sql.raw(
                Self.select(k) + " WHERE " + filter
                    + " ORDER BY t.sort_order, t.code LIMIT \(unsafeRaw: String(page.pageSize)) OFFSET \(unsafeRaw: String(page.offset))"
            ).all()
            return Page(items: try rows.map { try Self.record(k, $0) }, total: total, request: page)
        }
    }

    public func all(_ kind: String) async throws -> [JSONRecord] {
        let k = try Self.kind(kind)
        return try await database.read { sql in
            try await sql.raw(Self.select(k) + " ORDER BY t.sort_order, t.code").all().map { try Self.record(k, $0) }
        }
    }

    public func get(_ kind: String, id: Int) async throws -> JSONRecord {
        let k = try Self.kind(kind)
        return try await database.read { sql in try await Self.fetch(k, id: id, sql: sql) }
    }

    static func fetch(_ k: DictionaryKind, id: Int, sql: any SQLDatabase) async throws -> JSONRecord {
        guard let row = try await sql.raw(Self.select(k) + " WHERE t.id = \(bind: id)").first() else {
            throw DomainError.notFound(k.zh, k.en)
        }
        return try record(k, row)
    }

    static func record(_ k: DictionaryKind, _ row: any SQLRow) throws -> JSONRecord {
        var r = JSONRecord()
        r["id"] = .int(try row.int("id"))
        for f in k.fields {
            switch f.type {
            case .int, .money, .ref: r[f.name] = try row.intOrNil(f.column).map(JSONValue.int) ?? .null
            case .decimal: r[f.name] = try row.doubleOrNil(f.column).map(JSONValue.double) ?? .null
            case .bool: r[f.name] = .bool(try row.bool(f.column))
            case .text, .textarea, .choice: r[f.name] = try row.stringOrNil(f.column).map(JSONValue.string) ?? .null
            }
            if f.type == .ref {
                let base = f.name.hasSuffix("Id") ? String(f.name.dropLast(2)) : f.name
                r[base + "Name"] = try row.stringOrNil("\(f.column)__name").map(JSONValue.string) ?? .null
                r[base + "Code"] = try row.stringOrNil("\(f.column)__code").map(JSONValue.string) ?? .null
            }
        }
        r["createdAt"] = .string(try row.string("created_at"))
        r["updatedAt"] = .string(try row.string("updated_at"))
        return r
    }

    // MARK: Writing

    /// Validated column values, ready to bind.
    struct Columns {
        var values: [(column: String, value: any Encodable & Sendable)] = []
        subscript(field: DictionaryField) -> (any Encodable & Sendable)? {
            values.first { $0.column == field.column }?.value
        }
    }

    public func create(_ kind: String, _ input: [String: JSONValue], scope: Scope) async throws -> JSONRecord {
        let k = try Self.kind(kind)
        let id = try await database.write { sql in try await Self.insert(k, input, scope: scope, sql: sql, rowLabel: nil) }
        return try await get(kind, id: id)
    }

    public func update(_ kind: String, id: Int, _ input: [String: JSONValue], scope: Scope) async throws -> JSONRecord {
        let k = try Self.kind(kind)
        try await database.write { sql in try await Self.update(k, id: id, input, scope: scope, sql: sql, rowLabel: nil) }
        return try await get(kind, id: id)
    }

    static func insert(_ k: DictionaryKind, _ input: [String: JSONValue], scope: Scope, sql: any SQLDatabase, rowLabel: (zh: String, en: String)?)
        async throws -> Int
    {
        try checkScope(k, JSONRecord(), scope: scope)
        let cols = try await validate(k, input, existingID: nil, scope: scope, sql: sql, rowLabel: rowLabel)
        let stamp = Timestamp.string()
        var names = cols.values.map(\.column)
        names += ["created_at", "updated_at"]
        var q = rawSQL("INSERT INTO \(k.table) (\(names.joined(separator: ", "))) VALUES (")
        let binds: [any Encodable & Sendable] = cols.values.map(\.value) + [stamp, stamp]
        q += "\(binds: binds)) RETURNING id"
        return try await sql.raw(q).first()!.int("id")
    }

    static func update(_ k: DictionaryKind, id: Int, _ input: [String: JSONValue], scope: Scope, sql: any SQLDatabase, rowLabel: (zh: String, en: String)?)
        async throws
    {
        let existing = try await fetch(k, id: id, sql: sql)
        try checkScope(k, existing, scope: scope)
        let cols = try await validate(k, input, existingID: id, scope: scope, sql: sql, rowLabel: rowLabel)
        var sets: [SQLQueryString] = cols.values.map { rawSQL("\($0.column) = ") + "\(bind: $0.value)" }
        sets.append("updated_at = \(bind: Timestamp.string())")
        try await sql.raw(rawSQL("UPDATE \(k.table) SET ") + sets.joined(separator: ", ") + " WHERE id = \(bind: id)").run()
    }

    public func delete(_ kind: String, id: Int, scope: Scope) async throws {
        let k = try Self.kind(kind)
        try await database.write { sql in
            let existing = try await Self.fetch(k, id: id, sql: sql)
            try Self.checkScope(k, existing, scope: scope)
            for ref in k.referencedBy {
                let n = try await sql.count(rawSQL("SELECT COUNT(*) AS n FROM \(ref.table) WHERE \(ref.column) = ") + "\(bind: id)")
                if n > 0 {
                    throw DomainError.conflict(
                        "in_use", "仍有 \(n) \(ref.zh)引用该\(k.zh)，不能删除；如不再使用，请将其停用",
                        "\(n) \(ref.en) still refer to it; deactivate it instead of deleting")
                }
            }
            try await sql.raw(rawSQL("DELETE FROM \(k.table) WHERE id = ") + "\(bind: id)").run()
        }
    }

    static func checkScope(_ k: DictionaryKind, _ record: JSONRecord, scope: Scope) throws {
        for f in k.fields where f.institutionScoped {
            if case .int(let i) = record[f.name] ?? .null, !scope.allows(institutionID: i) {
                throw DomainError.forbidden("您无权维护其他机构的\(k.zh)", "You may not maintain \(k.en) of other institutions")
            }
        }
        if k.kind == "institutions", case .int(let id) = record["id"] ?? .null, !scope.allows(institutionID: id) {
            throw DomainError.forbidden("您无权维护其他机构", "You may not maintain other institutions")
        }
        if k.kind == "institutions", !scope.allInstitutions, record["id"] == nil {
            throw DomainError.forbidden("只有全院范围的管理员可以新增机构", "Only unscoped administrators may add institutions")
        }
    }

    /// Checks every field (type, range, required, options, references, uniqueness, scope) and returns the
    /// column values. All problems are reported together.
    static func validate(
        _ k: DictionaryKind, _ input: [String: JSONValue], existingID: Int?, scope: Scope, sql: any SQLDatabase,
        rowLabel: (zh: String, en: String)?
    ) async throws -> Columns {
        var v = Validator()
        var cols = Columns()
        func fail(_ f: DictionaryField, _ code: String, _ zh: String, _ en: String) {
            v.add(f.name, code, (rowLabel.map { "\($0.zh)：" } ?? "") + zh, (rowLabel.map { "\($0.en): " } ?? "") + en)
        }
        var intValues: [String: Int] = [:]
        for f in k.fields {
            let raw = input[f.name] ?? .null
            let isEmpty: Bool = {
                if case .null = raw { return true }
                if case .string(let s) = raw, s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return true }
                return false
            }()
            if isEmpty {
                if f.type == .bool {
                    cols.values.append((f.column, f.name == "active" ? true : false))
                } else if f.required {
                    fail(f, "required", "请填写\(f.zh)", "\(f.en) is required")
                } else if f.name == "sortOrder" {
                    cols.values.append((f.column, 0))
                } else {
                    cols.values.append((f.column, nullValue(f.type)))
                }
                continue
            }
            switch f.type {
            case .text, .textarea:
                guard let s = raw.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) else { continue }
                if s.count > f.maxLength {
                    fail(f, "too_long", "\(f.zh)不能超过 \(f.maxLength) 个字符", "\(f.en) must be at most \(f.maxLength) characters")
                }
                if f.name == "code", !s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
                    fail(f, "invalid", "\(f.zh)只能包含字母、数字和 - _ .", "\(f.en) may contain only letters, digits, - _ .")
                }
                cols.values.append((f.column, s))
            case .choice:
                let s = raw.stringValue ?? ""
                if !f.options.contains(where: { $0.value == s }) {
                    fail(f, "invalid", "\(f.zh)的取值无效", "\(f.en) has an invalid value")
                }
                cols.values.append((f.column, s))
            case .bool:
                guard case .bool(let b) = raw else {
                    fail(f, "invalid", "\(f.zh)的取值无效", "\(f.en) must be true or false")
                    continue
                }
                cols.values.append((f.column, b))
            case .int, .money, .ref:
                let number: Int? = {
                    switch raw {
                    case .int(let i): return i
                    case .double(let d) where d == d.rounded(): return Int(exactly: d)
                    case .string(let s): return Int(s.trimmingCharacters(in: .whitespaces))
                    default: return nil
                    }
                }()
                guard let n = number else {
                    fail(f, "invalid", "\(f.zh)须为整数", "\(f.en) must be a whole number")
                    continue
                }
                if let lo = f.min, Double(n) < lo {
                    fail(f, "out_of_range", "\(f.zh)不能小于 \(format(lo, f))", "\(f.en) must be at least \(format(lo, f))")
                }
                if let hi = f.max, Double(n) > hi {
                    fail(f, "out_of_range", "\(f.zh)不能大于 \(format(hi, f))", "\(f.en) must be at most \(format(hi, f))")
                }
                intValues[f.name] = n
                cols.values.append((f.column, n))
            case .decimal:
                let number: Double? = {
                    switch raw {
                    case .int(let i): return Double(i)
                    case .double(let d): return d
                    case .string(let s): return Double(s.trimmingCharacters(in: .whitespaces))
                    default: return nil
                    }
                }()
                guard let d = number, d.isFinite else {
                    fail(f, "invalid", "\(f.zh)须为数字", "\(f.en) must be a number")
                    continue
                }
                if let lo = f.min, d < lo {
                    fail(f, "out_of_range", "\(f.zh)不能小于 \(format(lo, f))", "\(f.en) must be at least \(format(lo, f))")
                }
                if let hi = f.max, d > hi {
                    fail(f, "out_of_range", "\(f.zh)不能大于 \(format(hi, f))", "\(f.en) must be at most \(format(hi, f))")
                }
                cols.values.append((f.column, d))
            }
        }
        // References exist, match their parent, and are not the record itself.
        for f in k.fields where f.type == .ref {
            guard let id = intValues[f.name] else { continue }
            let target = DictionaryCatalog.kind(f.ref!)!
            if target.kind == k.kind, id == existingID {
                fail(f, "self", "\(f.zh)不能是自身", "\(f.en) cannot be the record itself")
                continue
            }
            let extra = f.refMustMatch.map { ", \($0.column) AS parent" } ?? ""
            guard let row = try await sql.raw(rawSQL("SELECT id\(extra) FROM \(target.table) WHERE id = ") + "\(bind: id)").first() else {
                fail(f, "not_found", "所选\(f.zh)不存在", "The selected \(f.en) does not exist")
                continue
            }
            if let m = f.refMustMatch, try row.intOrNil("parent") != intValues[m.field] {
                let other = k.field(m.field)!
                fail(f, "mismatch", "\(f.zh)不属于所选\(other.zh)", "\(f.en) does not belong to the selected \(other.en)")
            }
            if f.institutionScoped, !scope.allows(institutionID: id) {
                throw DomainError.forbidden("您无权维护其他机构的\(k.zh)", "You may not maintain \(k.en) of other institutions")
            }
        }
        // Uniqueness (checked here for a clear message; the database constraint is the backstop).
        for f in k.fields where f.unique {
            guard let value = cols[f] else { continue }
            var q = rawSQL("SELECT COUNT(*) AS n FROM \(k.table) WHERE LOWER(\(f.column)) = LOWER(") + "\(bind: value))"
            if let w = f.uniqueWithin, let wf = k.field(w), let wv = intValues[w] {
                q += rawSQL(" AND \(wf.column) = ") + "\(bind: wv)"
            }
            if let existingID { q += " AND id <> \(bind: existingID)" }
            if try await sql.count(q) > 0 {
                let s = String(describing: value)
                fail(f, "duplicate", "\(f.zh)“\(s)”已存在", "\(f.en) \(s) already exists")
            }
        }
        if !v.errors.isEmpty {
            let duplicateOnly = v.errors.allSatisfy { $0.code == "duplicate" }
            var error = DomainError.validation(v.errors)
            if duplicateOnly {
                error.status = 409
                error.code = "duplicate"
            }
            throw error
        }
        return cols
    }

    static func nullValue(_ type: DictionaryField.FieldType) -> any Encodable & Sendable {
        switch type {
        case .int, .money, .ref: Int?.none
        case .decimal: Double?.none
        case .bool: Bool?.none
        case .text, .textarea, .choice: String?.none
        }
    }

    static func format(_ value: Double, _ f: DictionaryField) -> String {
        if f.type == .money { return String(format: "%.2f 元", value / 100) }
        return value == value.rounded() ? String(Int(value)) : String(value)
    }
}
