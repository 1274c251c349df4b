import Foundation
import Platform
import SQLKit

/// Exam numbers (检查号, the DICOM Accession Number) made at registration by department rules per modality (REG-09):
/// prefix, date part, a sequence that restarts each day, month, year or never, suffix; at most 16 characters (SH).
/// A number is never handed out twice: the sequence only moves forward, inside the transaction that uses it.
public struct ExamNumbers: Sendable {
    public let database: Database
    /// The hospital's calendar: the example number shows today's date there.
    let calendar: Calendar

    public init(database: Database, timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) {
        self.database = database
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        calendar = c
    }

    public enum Reset: String, Codable, Sendable, CaseIterable {
        case daily, monthly, yearly, never
    }

    public static let dateFormats = ["", "yyyyMMdd", "yyMMdd", "yyyyMM", "yyMM", "yyyy", "yy"]

    public struct Rule: Codable, Sendable, Equatable {
        public var id: Int
        public var department: String
        public var modality: String
        public var prefix: String
        public var dateFormat: String
        public var sequenceLength: Int
        public var suffix: String
        public var reset: Reset
        /// What a number looks like, e.g. `CT2611290001`.
        public var example: String
    }

    public struct RuleInput: Codable, Sendable {
        public var department: String?
        public var modality: String?
        public var prefix: String?
        public var dateFormat: String?
        public var sequenceLength: Int?
        public var suffix: String?
        public var reset: String?

        public init(department: String? = nil, modality: String? = nil, prefix: String? = nil, dateFormat: String? = nil,
                    sequenceLength: Int? = nil, suffix: String? = nil, reset: String? = nil) {
            self.department = department
            self.modality = modality
            self.prefix = prefix
            self.dateFormat = dateFormat
            self.sequenceLength = sequenceLength
            self.suffix = suffix
            self.reset = reset
        }
    }

    public func rules() async throws -> [Rule] {
        let cal = calendar
        return try await database.read { sql in
            try await sql.raw("SELECT * FROM exam_number_rules ORDER BY department, modality").all().map { try Self.decode($0, calendar: cal) }
        }
    }

    public func delete(_ id: Int) async throws {
        try await database.write { sql in
            // A rule that has handed out numbers stays (change it instead): made again, it could hand them out twice.
            if try await sql.raw("SELECT rule_pk FROM exam_number_sequences WHERE rule_pk = \(bind: id) LIMIT 1").first() != nil {
                throw DomainError.conflict("in_use", "该规则已发放过检查号，不能删除，可修改其前缀或格式", "the rule has issued numbers; change it instead")
            }
            guard try await sql.raw("DELETE FROM exam_number_rules WHERE id = \(bind: id) RETURNING id").first() != nil else {
                throw DomainError.notFound("检查号规则", "Exam-number rule")
            }
        }
    }

    /// Adds or replaces the rule of a department and modality (empty = any).
    public func save(_ input: RuleInput) async throws -> Rule {
        var v = Validator()
        let prefix = (input.prefix ?? "").uppercased(), suffix = (input.suffix ?? "").uppercased()
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        if !(prefix + suffix).allSatisfy(allowed.contains) {
            v.add("prefix", "invalid", "前缀和后缀只能使用字母、数字、- 和 _", "prefix and suffix: letters, digits, - and _")
        }
        let format = input.dateFormat ?? "yyyyMMdd"
        if !Self.dateFormats.contains(format) { v.add("dateFormat", "invalid", "日期格式无效", "unknown date format") }
        let length = input.sequenceLength ?? 4
        if !(2...10).contains(length) { v.add("sequenceLength", "range", "流水号位数应为 2 到 10", "sequence length must be 2–10") }
        let reset = Reset(rawValue: input.reset ?? "daily")
        if reset == nil { v.add("reset", "invalid", "重置周期应为 daily、monthly、yearly 或 never", "reset must be daily, monthly, yearly or never") }
        let total = prefix.count + format.count + length + suffix.count
        if total > 16 {
            v.add("prefix", "too_long", "检查号最长 16 位（DICOM 检查号限制），当前规则为 \(total) 位", "an exam number is at most 16 characters; this rule makes \(total)")
        }
        try v.check()
        let department = input.department ?? "", modality = (input.modality ?? "").uppercased()
        let now = Timestamp.string()
        try await database.write { sql in
            try await sql.raw("""
                INSERT INTO exam_number_rules (department, modality, prefix, date_format, sequence_length, suffix, reset, created_at, updated_at)
                VALUES (\(bind: department), \(bind: modality), \(bind: prefix), \(bind: format), \(bind: length), \(bind: suffix), \(bind: reset!.rawValue),
                        \(bind: now), \(bind: now))
                ON CONFLICT (department, modality) DO UPDATE SET prefix = excluded.prefix, date_format = excluded.date_format,
                  sequence_length = excluded.sequence_length, suffix = excluded.suffix, reset = excluded.reset, updated_at = excluded.updated_at
                """).run()
        }
        return try await rules().first { $0.department == department && $0.modality == modality }!
    }

    static func decode(_ r: any SQLRow, calendar: Calendar) throws -> Rule {
        var rule = Rule(id: try r.int("id"), department: try r.string("department"), modality: try r.string("modality"), prefix: try r.string("prefix"),
                        dateFormat: try r.string("date_format"), sequenceLength: try r.int("sequence_length"), suffix: try r.string("suffix"),
                        reset: Reset(rawValue: try r.string("reset")) ?? .daily, example: "")
        rule.example = Self.compose(rule, date: Date(), calendar: calendar, sequence: 1)
        return rule
    }

    /// The next number for a department and modality, inside the caller's transaction. The most specific rule wins:
    /// department + modality, department, modality, then the catch-all (made on first use: modality, yyMMdd, 4 digits).
    static func next(_ sql: any SQLDatabase, department: String, modality: String, now: Date, calendar: Calendar) async throws -> String {
        var row = try await sql.raw("""
            SELECT * FROM exam_number_rules WHERE (department = \(bind: department) OR department = '') AND (modality = \(bind: modality) OR modality = '')
            ORDER BY CASE WHEN department = '' THEN 1 ELSE 0 END, CASE WHEN modality = '' THEN 1 ELSE 0 END LIMIT 1
            """).first()
        if row == nil {
            let stamp = Timestamp.string()
            try await sql.raw("""
                INSERT INTO exam_number_rules (department, modality, prefix, date_format, sequence_length, suffix, reset, created_at, updated_at)
                VALUES ('', \(bind: modality), \(bind: String(modality.prefix(4))), 'yyMMdd', 4, '', 'daily', \(bind: stamp), \(bind: stamp))
                ON CONFLICT (department, modality) DO NOTHING
                """).run()
            row = try await sql.raw("SELECT * FROM exam_number_rules WHERE department = '' AND modality = \(bind: modality)").first()
        }
        let rule = try decode(row!, calendar: calendar)
        let period: String =
            switch rule.reset {
            case .daily: Self.dateText("yyyyMMdd", now, calendar)
            case .monthly: Self.dateText("yyyyMM", now, calendar)
            case .yearly: Self.dateText("yyyy", now, calendar)
            case .never: ""
            }
        let sequence = try await sql.raw("""
            INSERT INTO exam_number_sequences (rule_pk, period, last) VALUES (\(bind: rule.id), \(bind: period), 1)
            ON CONFLICT (rule_pk, period) DO UPDATE SET last = exam_number_sequences.last + 1 RETURNING last
            """).first()!.int("last")
        guard String(sequence).count <= rule.sequenceLength else {
            throw DomainError.conflict("sequence_exhausted", "检查号流水号已用尽（\(rule.sequenceLength) 位），请调整规则", "the exam number sequence is used up")
        }
        return compose(rule, date: now, calendar: calendar, sequence: sequence)
    }

    static func compose(_ rule: Rule, date: Date, calendar: Calendar, sequence: Int) -> String {
        let digits = String(sequence)
        return rule.prefix + dateText(rule.dateFormat, date, calendar) + String(repeating: "0", count: max(0, rule.sequenceLength - digits.count)) + digits
            + rule.suffix
    }

    static func dateText(_ format: String, _ date: Date, _ calendar: Calendar) -> String {
        let p = calendar.dateComponents([.year, .month, .day], from: date)
        let y = String(format: "%04d", p.year!), m = String(format: "%02d", p.month!), d = String(format: "%02d", p.day!)
        switch format {
        case "yyyyMMdd": return y + m + d
        case "yyMMdd": return String(y.suffix(2)) + m + d
        case "yyyyMM": return y + m
        case "yyMM": return String(y.suffix(2)) + m
        case "yyyy": return y
        case "yy": return String(y.suffix(2))
        default: return ""
        }
    }
}
