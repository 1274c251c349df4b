import Foundation
import Platform
import SQLKit

/// Queues of equivalent devices, their slot templates, and the slots made from them (REG-12, REG-14, REG-18).
///
/// For a queue and a day, the templates of the most specific kind that applies win, whole: a date's own templates,
/// else the holiday's (a holiday without templates is closed), else a seasonal cycle's covering the day (winter and
/// summer timetables), else the weekday's, else the every-day ones. A date or holiday template with capacity 0 closes
/// the day. Slots are made ahead for a horizon and never rewritten once booked.
public struct SlotCalendar: Sendable {
    public let database: Database
    /// Dates and times are the hospital's local ones.
    public let timeZone: TimeZone

    public init(database: Database, timeZone: TimeZone) {
        self.database = database
        self.timeZone = timeZone
    }

    // MARK: Queues

    public struct QueueInput: Codable, Sendable {
        public var code: String?
        public var name: String?
        public var modality: String?
        public var department: String?
        public var institutionId: Int?
        public var stationAETitle: String?
        public var devices: String?
        public var active: Bool?
    }

    public func queues() async throws -> [SchedQueue] {
        try await database.read { sql in try await sql.raw("SELECT * FROM sched_queues ORDER BY code").all().map(Self.decodeQueue) }
    }

    public func queue(_ id: Int) async throws -> SchedQueue {
        let row = try await database.read { sql in try await sql.raw("SELECT * FROM sched_queues WHERE id = \(bind: id)").first() }
        guard let row else { throw DomainError.notFound("预约队列", "Queue") }
        return try Self.decodeQueue(row)
    }

    public func createQueue(_ input: QueueInput) async throws -> SchedQueue {
        var v = Validator()
        let code = v.text(input.code, field: "code", label: ("队列编码", "Code"), required: true, maxLength: 32) ?? ""
        let name = v.text(input.name, field: "name", label: ("队列名称", "Name"), required: true, maxLength: 64) ?? ""
        let modality = (v.text(input.modality, field: "modality", label: ("设备类型", "Modality"), required: true, maxLength: 16) ?? "").uppercased()
        if let ae = input.stationAETitle, ae.count > 16 { v.add("stationAETitle", "too_long", "AE 名称最多 16 个字符", "AE title at most 16 characters") }
        try v.check()
        let now = Timestamp.string()
        let id = try await database.write { sql in
            if try await sql.raw("SELECT id FROM sched_queues WHERE code = \(bind: code)").first() != nil {
                throw DomainError.conflict("duplicate", "队列编码 \(code) 已存在", "queue \(code) exists")
            }
            return try await sql.raw("""
                INSERT INTO sched_queues (code, name, modality, department, institution_id, station_ae, devices, active, created_at, updated_at)
                VALUES (\(bind: code), \(bind: name), \(bind: modality), \(bind: input.department ?? ""), \(bind: input.institutionId),
                        \(bind: input.stationAETitle ?? ""), \(bind: input.devices ?? ""), \(bind: input.active ?? true), \(bind: now), \(bind: now))
                RETURNING id
                """).first()!.int("id")
        }
        return try await queue(id)
    }

    static func decodeQueue(_ r: any SQLRow) throws -> SchedQueue {
        SchedQueue(id: try r.int("id"), code: try r.string("code"), name: try r.string("name"), modality: try r.string("modality"),
                   department: try r.string("department"), institutionId: try r.intOrNil("institution_id"), stationAETitle: try r.string("station_ae"),
                   devices: try r.string("devices"), active: try r.bool("active"))
    }

    // MARK: Cycles and holidays

    /// A seasonal cycle from `startMD` to `endMD` (`MM-DD`, may wrap over the new year: winter 10-01 … 04-30).
    public func createCycle(name: String, startMD: String, endMD: String) async throws -> Int {
        var v = Validator()
        _ = v.text(name, field: "name", label: ("周期名称", "Name"), required: true, maxLength: 32)
        for (field, value) in [("startMD", startMD), ("endMD", endMD)] where Self.monthDay(value) == nil {
            v.add(field, "invalid", "日期应为 MM-DD", "must be MM-DD")
        }
        try v.check()
        let now = Timestamp.string()
        return try await database.write { sql in
            try await sql.raw("""
                INSERT INTO slot_cycles (name, start_md, end_md, created_at, updated_at) VALUES (\(bind: name), \(bind: startMD), \(bind: endMD),
                \(bind: now), \(bind: now)) RETURNING id
                """).first()!.int("id")
        }
    }

    public struct CycleInfo: Codable, Sendable, Equatable {
        public var id: Int
        public var name: String
        public var startMD: String
        public var endMD: String
        /// Templates that use it (a cycle in use cannot be deleted).
        public var templates: Int
    }

    public struct Holiday: Codable, Sendable, Equatable {
        public var date: String
        public var name: String
    }

    public func cycles() async throws -> [CycleInfo] {
        try await database.read { sql in
            try await sql.raw("""
                SELECT c.*, (SELECT COUNT(*) FROM slot_templates t WHERE t.cycle_pk = c.id) AS n FROM slot_cycles c ORDER BY c.start_md, c.id
                """).all().map {
                CycleInfo(id: try $0.int("id"), name: try $0.string("name"), startMD: try $0.string("start_md"), endMD: try $0.string("end_md"),
                          templates: try $0.int("n"))
            }
        }
    }

    public func deleteCycle(_ id: Int) async throws {
        try await database.write { sql in
            if try await sql.count("SELECT COUNT(*) AS n FROM slot_templates WHERE cycle_pk = \(bind: id)") > 0 {
                throw DomainError.conflict("in_use", "该周期仍有号源模板使用，请先删除这些模板", "templates still use the cycle")
            }
            guard try await sql.raw("DELETE FROM slot_cycles WHERE id = \(bind: id) RETURNING id").first() != nil else {
                throw DomainError.notFound("号源周期", "Cycle")
            }
        }
    }

    public func holidays(from: String, to: String) async throws -> [Holiday] {
        try await database.read { sql in
            try await sql.raw("SELECT on_date, name FROM holidays WHERE on_date >= \(bind: from) AND on_date <= \(bind: to) ORDER BY on_date").all()
                .map { Holiday(date: try $0.string("on_date"), name: try $0.string("name")) }
        }
    }

    public func deleteHoliday(date: String) async throws {
        try await database.write { sql in
            guard try await sql.raw("DELETE FROM holidays WHERE on_date = \(bind: date) RETURNING id").first() != nil else {
                throw DomainError.notFound("节假日", "Holiday")
            }
        }
    }

    /// Changes a queue's name, department, station AE, devices or whether it takes bookings (code and modality stay).
    public func updateQueue(_ id: Int, _ input: QueueInput) async throws -> SchedQueue {
        let current = try await queue(id)
        var v = Validator()
        let name = v.text(input.name ?? current.name, field: "name", label: ("队列名称", "Name"), required: true, maxLength: 64) ?? current.name
        if let ae = input.stationAETitle, ae.count > 16 { v.add("stationAETitle", "too_long", "AE 名称最多 16 个字符", "AE title at most 16 characters") }
        try v.check()
        try await database.write { sql in
            try await sql.raw("""
                UPDATE sched_queues SET name = \(bind: name), department = \(bind: input.department ?? current.department),
                  station_ae = \(bind: input.stationAETitle ?? current.stationAETitle), devices = \(bind: input.devices ?? current.devices),
                  active = \(bind: input.active ?? current.active), institution_id = \(bind: input.institutionId ?? current.institutionId),
                  updated_at = \(bind: Timestamp.string())
                WHERE id = \(bind: id)
                """).run()
        }
        return try await queue(id)
    }

    public func setHoliday(date: String, name: String) async throws {
        guard Self.day(date) != nil else {
            throw DomainError.validation([FieldError(field: "date", code: "invalid", zh: "日期应为 YYYY-MM-DD", en: "date must be YYYY-MM-DD")])
        }
        let now = Timestamp.string()
        try await database.write { sql in
            try await sql.raw("""
                INSERT INTO holidays (on_date, name, created_at, updated_at) VALUES (\(bind: date), \(bind: name), \(bind: now), \(bind: now))
                ON CONFLICT (on_date) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
                """).run()
        }
    }

    // MARK: Templates

    public struct TemplateInput: Codable, Sendable {
        public var kind: String?
        public var weekday: Int?
        public var onDate: String?
        public var cycleId: Int?
        public var startTime: String?
        public var endTime: String?
        public var capacity: Int?
        public var quotas: [Quota]?
        public var releaseRule: ReleaseRule?
        public var openDays: Int?
        public var doctor: String?

        public init(kind: String, weekday: Int? = nil, onDate: String? = nil, cycleId: Int? = nil, startTime: String, endTime: String,
                    capacity: Int, quotas: [Quota] = [], releaseRule: ReleaseRule? = nil, openDays: Int = 30, doctor: String? = nil) {
            self.doctor = doctor
            self.kind = kind
            self.weekday = weekday
            self.onDate = onDate
            self.cycleId = cycleId
            self.startTime = startTime
            self.endTime = endTime
            self.capacity = capacity
            self.quotas = quotas
            self.releaseRule = releaseRule
            self.openDays = openDays
        }
    }

    public func createTemplate(queue queueID: Int, _ input: TemplateInput) async throws -> SlotTemplate {
        _ = try await queue(queueID)
        var v = Validator()
        let kind = SlotTemplate.Kind(rawValue: input.kind ?? "")
        if kind == nil { v.add("kind", "invalid", "模板类型应为 daily、weekday、cycle、holiday 或 date", "kind must be daily, weekday, cycle, holiday or date") }
        if kind == .weekday, !(1...7).contains(input.weekday ?? 0) { v.add("weekday", "range", "星期应为 1（周一）到 7（周日）", "weekday must be 1–7") }
        if kind == .cycle, input.cycleId == nil { v.add("cycleId", "required", "请选择周期（如冬令时、夏令时）", "choose the cycle") }
        if kind == .date, Self.day(input.onDate ?? "") == nil { v.add("onDate", "invalid", "日期应为 YYYY-MM-DD", "date must be YYYY-MM-DD") }
        let start = input.startTime ?? "", end = input.endTime ?? ""
        if Self.minutes(start) == nil { v.add("startTime", "invalid", "开始时间应为 HH:MM", "start must be HH:MM") }
        if Self.minutes(end) == nil { v.add("endTime", "invalid", "结束时间应为 HH:MM", "end must be HH:MM") }
        if let s = Self.minutes(start), let e = Self.minutes(end), e <= s { v.add("endTime", "order", "结束时间应晚于开始时间", "end must be after start") }
        let capacity = input.capacity ?? 0
        if !(0...500).contains(capacity) { v.add("capacity", "range", "容量应为 0 到 500 个单位", "capacity must be 0–500") }
        for (i, q) in (input.quotas ?? []).enumerated() {
            if !["orderType", "examClass", "source", "channelGroup"].contains(q.dimension) {
                v.add("quotas[\(i)].dimension", "invalid", "限额维度应为 orderType、examClass、source 或 channelGroup",
                      "dimension must be orderType, examClass, source or channelGroup")
            }
            if q.dimension == "channelGroup", !["online", "desk"].contains(q.value) {
                v.add("quotas[\(i)].value", "invalid", "渠道分组应为 online（自助渠道）或 desk（人工窗口）", "channel group must be online or desk")
            }
            if q.isReservation, !(0...168).contains(q.releaseHoursBefore ?? -1) {
                v.add("quotas[\(i)].releaseHoursBefore", "range", "预留号源释放时间应为检查前 0 到 168 小时", "release 0–168 hours before")
            }
            if q.value.isEmpty { v.add("quotas[\(i)].value", "required", "请填写限额对象", "value is required") }
            if q.max < 0 || q.max > capacity { v.add("quotas[\(i)].max", "range", "限额应在 0 到容量之间", "max must be within the capacity") }
        }
        if let rule = input.releaseRule {
            if rule.onlySources.isEmpty || rule.onlySources.contains(where: { PatientSource(rawValue: $0) == nil }) {
                v.add("releaseRule.onlySources", "invalid", "请选择有效的患者来源", "choose valid patient sources")
            }
            if !(0...60).contains(rule.openToAllDaysBefore) { v.add("releaseRule.openToAllDaysBefore", "range", "开放天数应为 0 到 60", "0–60 days") }
        }
        let openDays = input.openDays ?? 30
        if !(0...365).contains(openDays) { v.add("openDays", "range", "提前开放天数应为 0 到 365", "openDays must be 0–365") }
        let doctor = v.text(input.doctor, field: "doctor", label: ("排班医生", "Doctor"), required: false, maxLength: 64) ?? ""
        try v.check()
        let quotas = String(decoding: try JSONEncoder().encode(input.quotas ?? []), as: UTF8.self)
        let release = try input.releaseRule.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) } ?? ""
        let now = Timestamp.string()
        let id = try await database.write { sql in
            try await sql.raw("""
                INSERT INTO slot_templates (queue_pk, kind, weekday, on_date, cycle_pk, start_time, end_time, capacity, quotas, release_rule, open_days,
                  doctor, created_at, updated_at)
                VALUES (\(bind: queueID), \(bind: kind!.rawValue), \(bind: input.weekday), \(bind: input.onDate), \(bind: input.cycleId),
                        \(bind: start), \(bind: end), \(bind: capacity), \(bind: quotas), \(bind: release), \(bind: openDays), \(bind: doctor),
                        \(bind: now), \(bind: now))
                RETURNING id
                """).first()!.int("id")
        }
        return try await templates(queue: queueID).first { $0.id == id }!
    }

    public func templates(queue queueID: Int) async throws -> [SlotTemplate] {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM slot_templates WHERE queue_pk = \(bind: queueID) ORDER BY kind, weekday, on_date, start_time").all()
                .map(Self.decodeTemplate)
        }
    }

    public func deleteTemplate(_ id: Int) async throws {
        try await database.write { sql in try await sql.raw("DELETE FROM slot_templates WHERE id = \(bind: id)").run() }
    }

    static func decodeTemplate(_ r: any SQLRow) throws -> SlotTemplate {
        SlotTemplate(
            id: try r.int("id"), queueId: try r.int("queue_pk"), kind: SlotTemplate.Kind(rawValue: try r.string("kind")) ?? .daily,
            weekday: try r.intOrNil("weekday"), onDate: try r.stringOrNil("on_date"), cycleId: try r.intOrNil("cycle_pk"),
            startTime: try r.string("start_time"), endTime: try r.string("end_time"), capacity: try r.int("capacity"),
            quotas: (try? JSONDecoder().decode([Quota].self, from: Data(try r.string("quotas").utf8))) ?? [],
            releaseRule: try? JSONDecoder().decode(ReleaseRule.self, from: Data(try r.string("release_rule").utf8)),
            openDays: try r.int("open_days"), doctor: try r.string("doctor"))
    }

    // MARK: Which templates make a day

    struct Cycle {
        var id: Int
        var start: (Int, Int)
        var end: (Int, Int)

        func covers(month: Int, day: Int) -> Bool {
            let d = month * 100 + day, s = start.0 * 100 + start.1, e = end.0 * 100 + end.1
            return s <= e ? (s...e).contains(d) : d >= s || d <= e
        }
    }

    /// The templates that make `date` (YYYY-MM-DD): the most specific kind present wins (see the type's comment).
    static func effective(_ templates: [SlotTemplate], date: String, holiday: Bool, cycles: [Cycle], calendar: Calendar) -> [SlotTemplate] {
        guard let day = Self.day(date, calendar: calendar) else { return [] }
        let parts = calendar.dateComponents([.month, .day, .weekday], from: day)
        let isoWeekday = (parts.weekday! + 5) % 7 + 1  // Calendar: 1 = Sunday → ISO: 1 = Monday … 7 = Sunday
        let covering = Set(cycles.filter { $0.covers(month: parts.month!, day: parts.day!) }.map(\.id))
        let applicable = templates.filter { t in
            switch t.kind {
            case .date: t.onDate == date
            case .holiday: holiday
            case .cycle: t.cycleId.map(covering.contains) ?? false && (t.weekday == nil || t.weekday == isoWeekday)
            case .weekday: t.weekday == isoWeekday
            case .daily: true
            }
        }
        if holiday && !applicable.contains(where: { $0.kind == .date }) && !applicable.contains(where: { $0.kind == .holiday }) {
            return []  // a holiday without its own timetable is closed
        }
        guard let best = applicable.map(\.kind.rank).min() else { return [] }
        return applicable.filter { $0.kind.rank == best && $0.capacity > 0 }.sorted { $0.startTime < $1.startTime }
    }

    /// Makes the slots of `days` days from `from` for a queue (or all queues), skipping slots that exist.
    @discardableResult
    public func generate(queue queueID: Int? = nil, from: String, days: Int) async throws -> Int {
        let calendar = self.calendar
        guard let start = Self.day(from, calendar: calendar) else { throw DomainError.badRequest("起始日期应为 YYYY-MM-DD", "from must be YYYY-MM-DD") }
        let queues = try await self.queues().filter { q in queueID.map { q.id == $0 } ?? q.active }
        let (holidays, cycles) = try await database.read { sql in
            let holidays = Set(try await sql.raw("SELECT on_date FROM holidays").all().map { try $0.string("on_date") })
            let cycles = try await sql.raw("SELECT * FROM slot_cycles").all().compactMap { r -> Cycle? in
                guard let s = Self.monthDay(try r.string("start_md")), let e = Self.monthDay(try r.string("end_md")) else { return nil }
                return Cycle(id: try r.int("id"), start: s, end: e)
            }
            return (holidays, cycles)
        }
        var made = 0
        let now = Timestamp.string()
        for queue in queues {
            let templates = try await self.templates(queue: queue.id)
            // The templates of every day first, then the inserts.
            var plan: [(date: String, template: SlotTemplate, quotas: String, release: String)] = []
            for offset in 0..<max(0, days) {
                let date = Self.format(calendar.date(byAdding: .day, value: offset, to: start)!, calendar: calendar)
                for t in Self.effective(templates, date: date, holiday: holidays.contains(date), cycles: cycles, calendar: calendar) {
                    plan.append((date, t, String(decoding: try JSONEncoder().encode(t.quotas), as: UTF8.self),
                                 try t.releaseRule.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) } ?? ""))
                }
            }
            // In transactions of a few hundred slots: few enough commits to be quick, short enough that other
            // writers (a C-STORE's index commit) never wait long behind a year of slots.
            for first in stride(from: 0, to: plan.count, by: 300) {
                let work = plan[first..<min(plan.count, first + 300)]
                made += try await database.write { sql in
                    var n = 0
                    for (date, t, quotas, release) in work {
                        let inserted = try await sql.raw("""
                            INSERT INTO slots (queue_pk, slot_date, start_time, end_time, capacity, used, quotas, release_rule, open_days, template_pk,
                              doctor, created_at, updated_at)
                            VALUES (\(bind: queue.id), \(bind: date), \(bind: t.startTime), \(bind: t.endTime), \(bind: t.capacity), 0, \(bind: quotas),
                                    \(bind: release), \(bind: t.openDays), \(bind: t.id), \(bind: t.doctor), \(bind: now), \(bind: now))
                            ON CONFLICT (queue_pk, slot_date, start_time) DO NOTHING RETURNING id
                            """).first()
                        if inserted != nil { n += 1 }
                    }
                    return n
                }
            }
        }
        return made
    }

    /// Removes the unbooked slots from `from` on and makes them again (after a template change).
    @discardableResult
    public func regenerate(queue queueID: Int, from: String, days: Int) async throws -> Int {
        try await database.write { sql in
            try await sql.raw("""
                DELETE FROM slots WHERE queue_pk = \(bind: queueID) AND slot_date >= \(bind: from) AND used = 0
                  AND id NOT IN (SELECT slot_pk FROM appointment_slots)
                """).run()
        }
        return try await generate(queue: queueID, from: from, days: days)
    }

    /// The slots of a queue between two dates, with their use.
    public func slots(queue queueID: Int, from: String, to: String) async throws -> [Slot] {
        try await database.read { sql in
            let rows = try await sql.raw("""
                SELECT * FROM slots WHERE queue_pk = \(bind: queueID) AND slot_date >= \(bind: from) AND slot_date <= \(bind: to)
                ORDER BY slot_date, start_time
                """).all()
            // Quota use of the whole range in one query (one per slot made a 90-day search a thousand queries).
            var use: [Int: [String: Int]] = [:]
            for u in try await sql.raw("""
                SELECT u.slot_pk, u.quota, u.used FROM slot_quota_use u JOIN slots s ON s.id = u.slot_pk
                WHERE s.queue_pk = \(bind: queueID) AND s.slot_date >= \(bind: from) AND s.slot_date <= \(bind: to)
                """).all() {
                use[try u.int("slot_pk"), default: [:]][try u.string("quota")] = try u.int("used")
            }
            return try rows.map { r in try Self.decodeSlot(r, use: use[try r.int("id")] ?? [:]) }
        }
    }

    static func decodeSlot(_ r: any SQLRow, use: [String: Int]) throws -> Slot {
        Slot(id: try r.int("id"), queueId: try r.int("queue_pk"), date: try r.string("slot_date"), startTime: try r.string("start_time"),
             endTime: try r.string("end_time"), capacity: try r.int("capacity"), used: try r.int("used"),
             quotas: (try? JSONDecoder().decode([Quota].self, from: Data(try r.string("quotas").utf8))) ?? [], quotaUse: use,
             releaseRule: try? JSONDecoder().decode(ReleaseRule.self, from: Data(try r.string("release_rule").utf8)),
             openDays: try r.int("open_days"), doctor: try r.string("doctor"))
    }

    // MARK: Dates

    public var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }

    static func day(_ text: String, calendar: Calendar = Calendar(identifier: .gregorian)) -> Date? {
        let parts = text.split(separator: "-")
        guard text.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        let date = calendar.date(from: DateComponents(year: y, month: m, day: d))
        // Reject 02-30 and the like (Calendar would roll them over).
        return date.flatMap { Self.format($0, calendar: calendar) == text ? $0 : nil }
    }

    static func format(_ date: Date, calendar: Calendar) -> String {
        let p = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", p.year!, p.month!, p.day!)
    }

    static func minutes(_ hhmm: String) -> Int? {
        let p = hhmm.split(separator: ":")
        guard hhmm.count == 5, p.count == 2, let h = Int(p[0]), let m = Int(p[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
        return h * 60 + m
    }

    static func monthDay(_ text: String) -> (Int, Int)? {
        let p = text.split(separator: "-")
        guard text.count == 5, p.count == 2, let m = Int(p[0]), let d = Int(p[1]), (1...12).contains(m), (1...31).contains(d) else { return nil }
        return (m, d)
    }

    /// The instant a local date and time mean.
    func instant(_ date: String, _ time: String) -> Date? {
        guard let day = Self.day(date, calendar: calendar), let m = Self.minutes(time) else { return nil }
        return calendar.date(byAdding: .minute, value: m, to: day)
    }
}
