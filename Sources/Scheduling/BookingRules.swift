import Foundation
import Platform
import SQLKit

/// Booking rules as data (REG-07, REG-08, REG-10), edited by the department and evaluated over the order's fields
/// when an item is booked. Each rule says in Chinese why it fired.
/// - `restrict`: an item matching the conditions may not be booked (e.g. bedside exams not through self-service).
/// - `preparation`: the message is a preparation note on the booking (fasting, a full bladder, remove metal).
/// - `conflict`: the item may not be booked within `minDays` after a live appointment of another kind for the same
///   patient (barium meal before abdominal CT).
/// - `merge`: items of the same patient that agree on `sameFields`, have the same priority and were ordered at most
///   `maxDays` apart are proposed to be booked together (one visit); `sameItem` allows an item with itself.
/// Items are always booked one by one, so a multi-item order can be split over several dates (REG-08, REG-11).
public struct BookingRules: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public enum Kind: String, Codable, Sendable, CaseIterable {
        case restrict, preparation, conflict, merge
    }

    /// The order and booking fields a condition may name (REG-10).
    public static let fields = [
        "category", "institutionId", "ward", "department", "nursingUnit", "requestingDoctor", "priority", "source", "channel",
        "performingDoctor", "diagnosis", "bedside", "itemCode", "itemName", "modality", "examClass", "orderType", "orderHour", "bookingHour",
    ]

    public struct Condition: Codable, Sendable, Equatable {
        public var field: String
        /// `eq`, `ne`, `in` (comma-separated values), `contains`, `prefix`.
        public var op: String
        public var value: String

        public init(field: String, op: String, value: String) {
            self.field = field
            self.op = op
            self.value = value
        }

        func holds(_ facts: [String: String]) -> Bool {
            let actual = facts[field] ?? ""
            switch op {
            case "eq": return actual == value
            case "ne": return actual != value
            case "in": return value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains(actual)
            case "contains": return !value.isEmpty && actual.contains(value)
            case "prefix": return actual.hasPrefix(value)
            default: return false
            }
        }
    }

    public struct Params: Codable, Sendable, Equatable {
        /// conflict: the earlier item, by field and value (e.g. `examClass` = `钡餐造影`), and the days to keep apart.
        public var otherField: String?
        public var otherValue: String?
        public var minDays: Int?
        /// merge: fields that must agree, the most days between the orders, and whether an item merges with itself.
        public var sameFields: [String]?
        public var maxDays: Int?
        public var sameItem: Bool?

        public init(otherField: String? = nil, otherValue: String? = nil, minDays: Int? = nil, sameFields: [String]? = nil, maxDays: Int? = nil,
                    sameItem: Bool? = nil) {
            self.otherField = otherField
            self.otherValue = otherValue
            self.minDays = minDays
            self.sameFields = sameFields
            self.maxDays = maxDays
            self.sameItem = sameItem
        }
    }

    public struct Rule: Codable, Sendable, Equatable {
        public var id: Int
        public var name: String
        public var kind: Kind
        public var conditions: [Condition]
        public var params: Params
        public var message: String
        public var position: Int
        public var active: Bool
    }

    public struct Input: Codable, Sendable {
        public var name: String?
        public var kind: String?
        public var conditions: [Condition]?
        public var params: Params?
        public var message: String?
        public var position: Int?
        public var active: Bool?

        public init(name: String, kind: String, conditions: [Condition], params: Params = Params(), message: String, position: Int? = nil,
                    active: Bool = true) {
            self.name = name
            self.kind = kind
            self.conditions = conditions
            self.params = params
            self.message = message
            self.position = position
            self.active = active
        }
    }

    // MARK: Storage

    public func list(activeOnly: Bool = false) async throws -> [Rule] {
        try await database.read { sql in
            try await sql.raw(SQLQueryString("SELECT * FROM booking_rules" + (activeOnly ? " WHERE active = TRUE" : "") + " ORDER BY position, id"))
                .all().map(Self.decode)
        }
    }

    public func create(_ input: Input) async throws -> Rule {
        let v = try Self.validate(input)
        let now = Timestamp.string()
        let id = try await database.write { sql in
            let next = try await sql.raw("SELECT COALESCE(MAX(position), 0) + 1 AS n FROM booking_rules").first()!.int("n")
            return try await sql.raw("""
                INSERT INTO booking_rules (name, kind, conditions, params, message, position, active, created_at, updated_at)
                VALUES (\(bind: v.name), \(bind: v.kind.rawValue), \(bind: v.conditions), \(bind: v.params), \(bind: v.message),
                        \(bind: input.position ?? next), \(bind: input.active ?? true), \(bind: now), \(bind: now)) RETURNING id
                """).first()!.int("id")
        }
        return try await list().first { $0.id == id }!
    }

    public func update(_ id: Int, _ input: Input) async throws -> Rule {
        guard let existing = try await list().first(where: { $0.id == id }) else { throw DomainError.notFound("预约规则", "Booking rule") }
        var merged = input
        merged.name = input.name ?? existing.name
        merged.kind = input.kind ?? existing.kind.rawValue
        merged.conditions = input.conditions ?? existing.conditions
        merged.params = input.params ?? existing.params
        merged.message = input.message ?? existing.message
        let v = try Self.validate(merged)
        try await database.write { sql in
            try await sql.raw("""
                UPDATE booking_rules SET name = \(bind: v.name), kind = \(bind: v.kind.rawValue), conditions = \(bind: v.conditions),
                  params = \(bind: v.params), message = \(bind: v.message), position = \(bind: input.position ?? existing.position),
                  active = \(bind: input.active ?? existing.active), updated_at = \(bind: Timestamp.string())
                WHERE id = \(bind: id)
                """).run()
        }
        return try await list().first { $0.id == id }!
    }

    public func delete(_ id: Int) async throws {
        try await database.write { sql in
            guard try await sql.raw("DELETE FROM booking_rules WHERE id = \(bind: id) RETURNING id").first() != nil else {
                throw DomainError.notFound("预约规则", "Booking rule")
            }
        }
    }

    static func decode(_ r: any SQLRow) throws -> Rule {
        Rule(id: try r.int("id"), name: try r.string("name"), kind: Kind(rawValue: try r.string("kind")) ?? .restrict,
             conditions: (try? JSONDecoder().decode([Condition].self, from: Data(try r.string("conditions").utf8))) ?? [],
             params: (try? JSONDecoder().decode(Params.self, from: Data(try r.string("params").utf8))) ?? Params(),
             message: try r.string("message"), position: try r.int("position"), active: try r.bool("active"))
    }

    static func validate(_ input: Input) throws -> (name: String, kind: Kind, conditions: String, params: String, message: String) {
        var v = Validator()
        let name = v.text(input.name, field: "name", label: ("规则名称", "Name"), required: true, maxLength: 40) ?? ""
        let message = v.text(input.message, field: "message", label: ("提示语", "Message"), required: true, maxLength: 200) ?? ""
        let kind = Kind(rawValue: input.kind ?? "")
        if kind == nil { v.add("kind", "invalid", "规则类型应为 restrict、preparation、conflict 或 merge", "unknown kind") }
        let conditions = input.conditions ?? []
        for (i, c) in conditions.enumerated() {
            if !fields.contains(c.field) { v.add("conditions[\(i)].field", "invalid", "不支持的条件字段：\(c.field)", "unknown field \(c.field)") }
            if !["eq", "ne", "in", "contains", "prefix"].contains(c.op) { v.add("conditions[\(i)].op", "invalid", "比较方式无效", "unknown operator") }
        }
        if kind != .merge && conditions.isEmpty { v.add("conditions", "required", "请至少设置一个条件", "at least one condition") }
        let p = input.params ?? Params()
        if kind == .conflict {
            if !fields.contains(p.otherField ?? "") || (p.otherValue ?? "").isEmpty {
                v.add("params.otherField", "required", "请设置与之冲突的检查（字段与取值）", "name the conflicting exam")
            }
            if !(1...60).contains(p.minDays ?? 0) { v.add("params.minDays", "range", "间隔天数应为 1 到 60", "minDays must be 1–60") }
        }
        if kind == .merge {
            if (p.sameFields ?? []).contains(where: { !fields.contains($0) }) { v.add("params.sameFields", "invalid", "合并条件字段无效", "unknown field") }
            if !(0...30).contains(p.maxDays ?? 0) { v.add("params.maxDays", "range", "开单间隔天数应为 0 到 30", "maxDays must be 0–30") }
        }
        try v.check()
        return (name, kind!, String(decoding: try JSONEncoder().encode(conditions), as: UTF8.self),
                String(decoding: try JSONEncoder().encode(p), as: UTF8.self), message)
    }

    // MARK: Evaluation

    /// The fields of an item as the conditions see them.
    static func facts(item: OrderItem, order: Order, channel: String, performingDoctor: String, now: Date, calendar: Calendar) -> [String: String] {
        let orderedHour = Timestamp.parse(order.orderedAt).map { String(calendar.component(.hour, from: $0)) } ?? ""
        return [
            "category": order.category, "institutionId": order.institutionId.map(String.init) ?? "", "ward": order.ward, "department": order.department,
            "nursingUnit": order.nursingUnit, "requestingDoctor": order.requestingDoctor, "priority": order.priority, "source": order.source,
            "channel": channel, "performingDoctor": performingDoctor, "diagnosis": order.diagnosis, "bedside": order.bedside ? "true" : "false",
            "itemCode": item.itemCode, "itemName": item.itemName, "modality": item.modality, "examClass": item.examClass, "orderType": item.orderType,
            "orderHour": orderedHour, "bookingHour": String(calendar.component(.hour, from: now)),
        ]
    }

    public struct Verdict: Sendable, Equatable {
        /// Why the booking is refused, when a restrict or conflict rule fired.
        public var refusal: String?
        /// Preparation notes for the patient, in rule order.
        public var preparations: [String]
    }

    /// Restrict, conflict and preparation rules for booking `item` on `date` (YYYY-MM-DD).
    func evaluate(item: OrderItem, order: Order, date: String, channel: String, performingDoctor: String, now: Date, calendar: Calendar) async throws
        -> Verdict
    {
        let facts = Self.facts(item: item, order: order, channel: channel, performingDoctor: performingDoctor, now: now, calendar: calendar)
        var verdict = Verdict(refusal: nil, preparations: [])
        for rule in try await list(activeOnly: true) where rule.conditions.allSatisfy({ $0.holds(facts) }) {
            switch rule.kind {
            case .restrict:
                return Verdict(refusal: "「\(rule.name)」：\(rule.message)", preparations: [])
            case .preparation:
                verdict.preparations.append(rule.message)
            case .conflict:
                guard let field = rule.params.otherField, let value = rule.params.otherValue, let days = rule.params.minDays,
                      let day = SlotCalendar.day(date, calendar: calendar) else { continue }
                let from = SlotCalendar.format(calendar.date(byAdding: .day, value: -days, to: day)!, calendar: calendar)
                let earlier = try await liveAppointments(patient: order.patient.id, from: from, to: date, except: item.id)
                if earlier.contains(where: { ($0.facts[field] ?? "") == value }) {
                    return Verdict(refusal: "「\(rule.name)」：\(rule.message)", preparations: [])
                }
            case .merge:
                continue
            }
        }
        return verdict
    }

    /// The patient's live appointments (held, booked, registered) with exam dates in a range, and their items' facts.
    func liveAppointments(patient: Int, from: String, to: String, except itemID: Int) async throws -> [(date: String, facts: [String: String])] {
        try await database.read { sql in
            try await sql.raw("""
                SELECT a.slot_date, i.item_code, i.item_name, i.modality, i.exam_class, i.order_type
                FROM appointments a JOIN order_items i ON i.id = a.order_item_pk JOIN orders o ON o.id = i.order_pk
                WHERE o.patient_pk = \(bind: patient) AND a.status IN ('held', 'booked', 'checked-in') AND a.slot_date >= \(bind: from)
                  AND a.slot_date <= \(bind: to) AND i.id <> \(bind: itemID)
                """).all().map { r in
                (try r.string("slot_date"), ["itemCode": try r.string("item_code"), "itemName": try r.string("item_name"),
                                             "modality": try r.string("modality"), "examClass": try r.string("exam_class"),
                                             "orderType": try r.string("order_type")])
            }
        }
    }

    public struct MergeProposal: Codable, Sendable, Equatable {
        public var orderItemId: Int
        public var itemName: String
        public var modality: String
        public var orderNo: String
        public var rule: String
        public var reason: String
    }

    /// Other open items of the same patient a merge rule would book together with this one (REG-07).
    public func mergeCandidates(itemID: Int, orders: OrderService, calendar: Calendar) async throws -> [MergeProposal] {
        let rules = try await list(activeOnly: true).filter { $0.kind == .merge }
        guard !rules.isEmpty else { return [] }
        let itemOrder = try await database.read { sql in
            try await sql.raw("SELECT order_pk FROM order_items WHERE id = \(bind: itemID)").first()?.int("order_pk")
        }
        guard let orderID = itemOrder else { throw DomainError.notFound("检查项目", "Order item") }
        let order = try await orders.get(orderID)
        let item = order.items.first { $0.id == itemID }!
        let mine = Self.facts(item: item, order: order, channel: "", performingDoctor: "", now: Date(), calendar: calendar)
        let otherOrders = try await database.read { sql in
            try await sql.raw("""
                SELECT DISTINCT o.id FROM orders o JOIN order_items i ON i.order_pk = o.id
                WHERE o.patient_pk = \(bind: order.patient.id) AND o.status = 'active' AND i.status IN ('ordered', 'no-show')
                """).all().map { try $0.int("id") }
        }
        var out: [MergeProposal] = []
        for other in otherOrders {
            let candidateOrder = try await orders.get(other)
            for candidate in candidateOrder.items where candidate.id != itemID && ["ordered", "no-show"].contains(candidate.status) {
                let theirs = Self.facts(item: candidate, order: candidateOrder, channel: "", performingDoctor: "", now: Date(), calendar: calendar)
                for rule in rules where rule.conditions.allSatisfy({ $0.holds(mine) }) && rule.conditions.allSatisfy({ $0.holds(theirs) }) {
                    guard mine["priority"] == theirs["priority"] else { continue }  // only equal priorities merge
                    let same = rule.params.sameFields ?? []
                    guard same.allSatisfy({ mine[$0] == theirs[$0] }) else { continue }
                    if candidate.itemCode == item.itemCode, rule.params.sameItem != true { continue }
                    if let a = Timestamp.parse(order.orderedAt), let b = Timestamp.parse(candidateOrder.orderedAt),
                       abs(a.timeIntervalSince(b)) > Double(rule.params.maxDays ?? 0) * 86_400 + 86_399 {
                        continue
                    }
                    out.append(MergeProposal(orderItemId: candidate.id, itemName: candidate.itemName, modality: candidate.modality,
                                             orderNo: candidateOrder.orderNo, rule: rule.name, reason: "「\(rule.name)」：\(rule.message)"))
                    break
                }
            }
        }
        return out
    }
}
