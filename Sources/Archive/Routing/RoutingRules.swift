import DICOM
import Foundation
import Platform
import SQLKit
import Synchronization

/// One condition of a routing rule: an attribute of the arriving object (or who sent it) against a pattern.
public struct RoutingCondition: Codable, Sendable, Equatable {
    /// `callingAE`, a keyword (`Modality`, `InstitutionName`, `BodyPartExamined` …) or a tag (`00180015`).
    public var field: String
    /// DICOM wildcard pattern(s), `\`-separated alternatives, matched without regard to case: `CT\MR`, `胸*`.
    public var value: String
    /// True: the rule applies when the condition does NOT match.
    public var negate: Bool?

    public init(field: String, value: String, negate: Bool? = nil) {
        self.field = field
        self.value = value
        self.negate = negate
    }
}

public struct RoutingRule: Codable, Sendable, Equatable {
    public var id: Int
    public var name: String
    public var active: Bool
    /// All must hold (an empty list routes everything).
    public var conditions: [RoutingCondition]
    /// AE titles of known application entities.
    public var destinations: [String]
    public var description: String
    public var createdAt: String
    public var updatedAt: String

    /// Whether an object arriving from `callingAE` with data set `ds` is routed by this rule.
    public func matches(_ ds: DataSet, callingAE: String) -> Bool {
        conditions.allSatisfy { condition in
            let values: [String]
            if condition.field.caseInsensitiveCompare("callingAE") == .orderedSame {
                values = [callingAE]
            } else if let tag = RoutingRules.tag(condition.field) {
                values = ds.strings(tag) ?? []
            } else {
                values = []
            }
            let hit = condition.value.split(separator: "\\").contains { alternative in
                let pattern = alternative.trimmingCharacters(in: .whitespaces).uppercased()
                return values.contains { QueryMatcher.wildcard(pattern, $0.trimmingCharacters(in: .whitespaces).uppercased()) }
            }
            return hit != (condition.negate ?? false)
        }
    }
}

public struct RoutingRuleInput: Codable, Sendable {
    public var name: String?
    public var active: Bool?
    public var conditions: [RoutingCondition]?
    public var destinations: [String]?
    public var description: String?
    public init(name: String? = nil, active: Bool? = nil, conditions: [RoutingCondition]? = nil, destinations: [String]? = nil,
                description: String? = nil)
    {
        self.name = name
        self.active = active
        self.conditions = conditions
        self.destinations = destinations
        self.description = description
    }
}

/// Routing rules (DCM-02), edited by administrators and kept in memory for the ingest pipeline, which asks for the
/// destinations of every object it files.
public final class RoutingRules: Sendable {
    let database: Database
    let applicationEntities: ApplicationEntityService
    let active = Mutex<[RoutingRule]>([])

    public init(database: Database, applicationEntities: ApplicationEntityService) {
        self.database = database
        self.applicationEntities = applicationEntities
    }

    static func tag(_ field: String) -> Tag? {
        if field.count == 8, let v = UInt32(field, radix: 16) { return Tag(UInt16(v >> 16), UInt16(v & 0xFFFF)) }
        return DataDictionary.tag(forKeyword: field)
    }

    /// Destinations for an arriving object, each with the rule that chose it (first rule wins per destination).
    public func destinations(for ds: DataSet, callingAE: String) -> [(destination: String, ruleID: Int)] {
        var out: [(String, Int)] = []
        for rule in active.withLock({ $0 }) where rule.matches(ds, callingAE: callingAE) {
            for d in rule.destinations where !out.contains(where: { $0.0 == d }) && d != callingAE { out.append((d, rule.id)) }
        }
        return out
    }

    public func reload() async throws {
        let rules = try await database.read { sql in
            try await sql.raw("SELECT * FROM routing_rules WHERE active = \(bind: true) ORDER BY id").all().map(Self.decode)
        }
        active.withLock { $0 = rules }
    }

    static func decode(_ row: any SQLRow) throws -> RoutingRule {
        let conditions = try JSONDecoder().decode([RoutingCondition].self, from: Data(try row.string("conditions").utf8))
        return RoutingRule(
            id: try row.int("id"), name: try row.string("name"), active: try row.bool("active"), conditions: conditions,
            destinations: try row.string("destinations").split(separator: ",").map(String.init), description: try row.string("description"),
            createdAt: try row.string("created_at"), updatedAt: try row.string("updated_at"))
    }

    // MARK: Administration

    public func list() async throws -> [RoutingRule] {
        try await database.read { sql in try await sql.raw("SELECT * FROM routing_rules ORDER BY id").all().map(Self.decode) }
    }

    func validate(_ input: RoutingRuleInput, current: RoutingRule?) throws -> RoutingRule {
        var v = Validator()
        var rule = current ?? RoutingRule(id: 0, name: "", active: true, conditions: [], destinations: [], description: "", createdAt: "", updatedAt: "")
        if let name = v.text(input.name ?? current?.name, field: "name", label: ("规则名称", "Rule name"), required: true, maxLength: 64) {
            rule.name = name
        }
        rule.description = v.text(input.description ?? current?.description, field: "description", label: ("说明", "Description"),
                                  required: false, maxLength: 256) ?? ""
        rule.active = input.active ?? rule.active
        if let conditions = input.conditions {
            for (n, c) in conditions.enumerated() {
                if c.field.caseInsensitiveCompare("callingAE") != .orderedSame, Self.tag(c.field) == nil {
                    v.add("conditions[\(n)].field", "invalid", "未知的属性：\(c.field)", "Unknown attribute: \(c.field)")
                }
                if c.value.trimmingCharacters(in: .whitespaces).isEmpty {
                    v.add("conditions[\(n)].value", "required", "请填写匹配值（可用 * 和 ?）", "Enter a value to match (* and ? allowed)")
                }
            }
            rule.conditions = conditions.map {
                RoutingCondition(field: $0.field.trimmingCharacters(in: .whitespaces), value: $0.value.trimmingCharacters(in: .whitespaces),
                                 negate: $0.negate == true ? true : nil)
            }
        }
        if let destinations = input.destinations {
            rule.destinations = destinations.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if rule.destinations.isEmpty {
            v.add("destinations", "required", "请至少选择一个目标节点", "Choose at least one destination")
        }
        for d in rule.destinations where !applicationEntities.isKnown(d) {
            v.add("destinations", "unknown", "目标节点 \(d) 未登记，请先在 DICOM 节点中添加", "Destination \(d) is not a known node")
        }
        try v.check()
        return rule
    }

    public func create(_ input: RoutingRuleInput) async throws -> RoutingRule {
        let rule = try validate(input, current: nil)
        let now = Timestamp.string()
        let conditions = String(decoding: try JSONEncoder().encode(rule.conditions), as: UTF8.self)
        let created = try await database.write { sql in
            let id = try await sql.raw("""
                INSERT INTO routing_rules (name, active, conditions, destinations, description, created_at, updated_at)
                VALUES (\(bind: rule.name), \(bind: rule.active), \(bind: conditions), \(bind: rule.destinations.joined(separator: ",")),
                        \(bind: rule.description), \(bind: now), \(bind: now)) RETURNING id
                """).first()!.int("id")
            return try await Self.fetch(id, sql)
        }
        try await reload()
        return created
    }

    public func update(_ id: Int, _ input: RoutingRuleInput) async throws -> RoutingRule {
        let current = try await database.read { sql in try await Self.fetch(id, sql) }
        let rule = try validate(input, current: current)
        let now = Timestamp.string()
        let conditions = String(decoding: try JSONEncoder().encode(rule.conditions), as: UTF8.self)
        let updated = try await database.write { sql in
            try await sql.raw("""
                UPDATE routing_rules SET name = \(bind: rule.name), active = \(bind: rule.active), conditions = \(bind: conditions),
                  destinations = \(bind: rule.destinations.joined(separator: ",")), description = \(bind: rule.description), updated_at = \(bind: now)
                WHERE id = \(bind: id)
                """).run()
            return try await Self.fetch(id, sql)
        }
        try await reload()
        return updated
    }

    public func delete(_ id: Int) async throws {
        try await database.write { sql in
            _ = try await Self.fetch(id, sql)
            try await sql.raw("DELETE FROM routing_rules WHERE id = \(bind: id)").run()
        }
        try await reload()
    }

    static func fetch(_ id: Int, _ sql: any SQLDatabase) async throws -> RoutingRule {
        guard let row = try await sql.raw("SELECT * FROM routing_rules WHERE id = \(bind: id)").first() else {
            throw DomainError.notFound("路由规则", "Routing rule")
        }
        return try decode(row)
    }
}
