import DICOM
import Foundation
import Platform
import SQLKit

/// A registered exam as the modality worklist needs it (the scheduling module publishes, the archive serves it).
public struct ScheduledExam: Sendable, Equatable {
    public var accessionNumber: String
    public var studyInstanceUID: String
    public var patientId: String
    public var patientName: String
    public var sex: String
    public var birthDate: String
    public var modality: String
    public var stationAETitle: String
    public var date: String  // YYYYMMDD
    public var time: String  // HHMMSS
    public var procedureDescription: String
    public var referringPhysician: String
    public var performingPhysician: String
}

/// Where registered exams go: the archive's worklist (wired by the server). Publishing the same accession number
/// again must be harmless (a retried check-in).
public protocol WorklistPublisher: Sendable {
    func publish(_ exam: ScheduledExam) async throws
    /// What the modality reported (MPPS) for these exams: SCHEDULED, IN PROGRESS, COMPLETED or DISCONTINUED.
    func statuses(accessionNumbers: [String]) async throws -> [String: String]
}

/// Finds, holds, books, moves, cancels, checks in and marks no-shows (REG-01, REG-04, REG-06, REG-13, REG-17,
/// REG-18, REG-19), shaped on FHIR Slot/Appointment. Capacity is counted in units (a long exam takes several);
/// every change to a slot's use is one conditional UPDATE (`used + n <= capacity`) inside the booking transaction,
/// so no slot is overbooked however many clients book at once, on SQLite and PostgreSQL alike.
public struct BookingEngine: Sendable {
    public let database: Database
    public let calendar: SlotCalendar
    public var worklist: (any WorklistPublisher)?
    /// The department's booking rules (restrict, conflict, preparation); nil: none.
    public var rules: BookingRules?
    /// How long a hold keeps its units before they return to the slot.
    public var holdMinutes = 10
    /// More no-shows than this blacklists a patient for the self-service channels (REG-17).
    public var noShowLimit = 3
    /// Days until a blacklisting lifts itself (nil: only by hand).
    public var blacklistDays: Int? = 90

    public init(database: Database, calendar: SlotCalendar) {
        self.database = database
        self.calendar = calendar
    }

    /// The facts of one order item the rules look at.
    struct Facts {
        var item: OrderItem
        var order: Order
        /// The booking's channel (set when booking; reservations by channel group look at it).
        let channel: String

        func value(_ dimension: String) -> String {
            switch dimension {
            case "orderType": item.orderType
            case "examClass": item.examClass
            case "source": order.source
            case "channelGroup": BookingChannel(rawValue: channel)?.selfService == true ? "online" : "desk"
            default: ""
            }
        }
    }

    /// The item's facts as a booking on `channel` sees them.
    func facts(_ itemID: Int, channel: String = "") async throws -> Facts {
        let orderID = try await database.read { sql in
            try await sql.raw("SELECT order_pk FROM order_items WHERE id = \(bind: itemID)").first()?.int("order_pk")
        }
        guard let orderID else { throw DomainError.notFound("检查项目", "Order item") }
        let order = try await OrderService(database: database).get(orderID)
        return Facts(item: order.items.first { $0.id == itemID }!, order: order, channel: channel)
    }

    // MARK: Rules for one slot

    /// Why this slot cannot take `units` of the item now, in words for the desk; nil when it can.
    func refusal(_ slot: Slot, _ f: Facts, units: Int, now: Date, doctor: String? = nil) -> String? {
        // A slot without a doctor takes any; one in a doctor's shift takes only that doctor's patients.
        if let doctor, !doctor.isEmpty, !slot.doctor.isEmpty, slot.doctor != doctor { return "该时段为 \(slot.doctor) 医生的班次" }
        let cal = calendar.calendar
        guard let start = calendar.instant(slot.date, slot.startTime), let midnight = SlotCalendar.day(slot.date, calendar: cal) else {
            return "时段数据有误"
        }
        if start <= now { return "该时段已过" }
        let opens = cal.date(byAdding: .day, value: -slot.openDays, to: midnight)!
        if now < opens { return "该时段 \(SlotCalendar.format(opens, calendar: cal)) 起才开放预约（提前 \(slot.openDays) 天）" }
        if let rule = slot.releaseRule, !rule.onlySources.contains(f.order.source) {
            let openToAll = cal.date(byAdding: .day, value: -rule.openToAllDaysBefore, to: midnight)!
            if now < openToAll {
                let who = rule.onlySources.compactMap { PatientSource(rawValue: $0)?.zh }.joined(separator: "、")
                return "该时段在 \(SlotCalendar.format(openToAll, calendar: cal)) 前仅供\(who)患者预约"
            }
        }
        for quota in slot.quotas where !quota.isReservation && f.value(quota.dimension) == quota.value {
            if (slot.quotaUse[quota.key] ?? 0) + units > quota.max {
                return "该时段「\(quota.value)」限额 \(quota.max) 个单位已满"
            }
        }
        let held = Self.reservedFor(others: f, slot: slot, start: start, now: now)
        if slot.free - held < units {
            return held > 0 ? "该时段剩余 \(slot.free) 个单位，其中 \(held) 个为\(Self.groupName(slot, f))预留，暂不能预约" : "该时段剩余 \(slot.free) 个单位，不足 \(units) 个"
        }
        return nil
    }

    /// Units a slot still keeps for other kinds of booking than this one (reservations not yet released).
    static func reservedFor(others f: Facts, slot: Slot, start: Date, now: Date) -> Int {
        slot.quotas.filter { q in
            q.isReservation && f.value(q.dimension) != q.value && now < start.addingTimeInterval(-Double(q.releaseHoursBefore ?? 0) * 3600)
        }.reduce(0) { $0 + max(0, $1.max - (slot.quotaUse[$1.key] ?? 0)) }
    }

    static func groupName(_ slot: Slot, _ f: Facts) -> String {
        slot.quotas.filter { $0.isReservation && f.value($0.dimension) != $0.value }
            .map { $0.dimension == "channelGroup" ? ($0.value == "online" ? "自助渠道" : "人工窗口") : "「\($0.value)」" }.joined(separator: "、")
    }

    // MARK: Availability

    public struct Option: Codable, Sendable, Equatable {
        public var date: String
        public var startTime: String
        public var endTime: String
        /// Slot id and units taken from it: one slot, or several on the same day when one is not enough (REG-19).
        public var parts: [Part]
        public var free: Int

        public struct Part: Codable, Sendable, Equatable {
            public var slotId: Int
            public var units: Int

            public init(slotId: Int, units: Int) {
                self.slotId = slotId
                self.units = units
            }
        }
    }

    public struct SlotView: Codable, Sendable, Equatable {
        public var slot: Slot
        /// Why the item cannot go there (nil: bookable).
        public var refusal: String?

        public init(slot: Slot, refusal: String?) {
            self.slot = slot
            self.refusal = refusal
        }
    }

    /// Every slot of the queue in the date range with whether the item fits and why not.
    public func calendarView(queue: Int, itemID: Int, from: String, to: String, channel: String = "desk", now: Date = Date()) async throws -> [SlotView] {
        try await expireHolds(now: now)
        let f = try await facts(itemID, channel: channel)
        return try await calendar.slots(queue: queue, from: from, to: to).map { SlotView(slot: $0, refusal: refusal($0, f, units: f.item.units, now: now)) }
    }

    /// The first options for the item in the queue from `from` (REG-19: one slot if one has room, else consecutive
    /// slots of one day, else — when `anyOrder` — any slots of one day).
    /// With `doctor`, only that doctor's shifts (REG-13).
    public func nextAvailable(queue: Int, itemID: Int, from: String, days: Int = 30, limit: Int = 5, anyOrder: Bool = false, doctor: String? = nil,
                              channel: String = "desk", now: Date = Date()) async throws -> [Option]
    {
        try await expireHolds(now: now)
        let f = try await facts(itemID, channel: channel)
        let cal = calendar.calendar
        let to = SlotCalendar.format(cal.date(byAdding: .day, value: max(0, days - 1), to: SlotCalendar.day(from, calendar: cal) ?? now)!, calendar: cal)
        var slots = try await calendar.slots(queue: queue, from: from, to: to)
        if let doctor, !doctor.isEmpty {
            // The doctor's own shifts first, then slots open to any doctor.
            slots = slots.filter { $0.doctor == doctor } + slots.filter { $0.doctor.isEmpty }
        }
        return Self.options(slots, units: f.item.units, limit: limit, anyOrder: anyOrder) { refusal($0, f, units: $1, now: now, doctor: doctor) }
    }

    static func options(_ slots: [Slot], units: Int, limit: Int, anyOrder: Bool, refusal: (Slot, Int) -> String?) -> [Option] {
        var out: [Option] = []
        for slot in slots where refusal(slot, units) == nil {
            out.append(Option(date: slot.date, startTime: slot.startTime, endTime: slot.endTime, parts: [.init(slotId: slot.id, units: units)], free: slot.free))
            if out.count >= limit { return out }
        }
        // Not one slot with room: runs of slots on one day.
        for (date, day) in Dictionary(grouping: slots, by: \.date).sorted(by: { $0.key < $1.key }) {
            let ordered = day.sorted { $0.startTime < $1.startTime }
            for first in ordered.indices {
                var parts: [Option.Part] = [], need = units, previous: Slot?
                for slot in ordered[first...] {
                    if let p = previous, !anyOrder, p.endTime != slot.startTime { break }
                    let take = min(need, slot.free)
                    guard take > 0, refusal(slot, take) == nil else {
                        if anyOrder { continue } else { break }
                    }
                    parts.append(.init(slotId: slot.id, units: take))
                    need -= take
                    previous = slot
                    if need == 0 { break }
                }
                if need == 0, parts.count > 1, let last = ordered.first(where: { $0.id == parts.last!.slotId }) {
                    out.append(Option(date: date, startTime: ordered[first].startTime, endTime: last.endTime, parts: parts, free: 0))
                    if out.count >= limit { return out }
                    break
                }
            }
        }
        return out
    }

    // MARK: Booking

    public struct BookInput: Codable, Sendable {
        public var orderItemId: Int?
        /// The slots and units to take, as an `Option` listed them; or one `slotId` for the whole item.
        public var parts: [Option.Part]?
        public var slotId: Int?
        public var channel: String?
        public var idempotencyKey: String?
        /// Hold (expires after `holdMinutes`) instead of booking; `confirm` makes it a booking.
        public var hold: Bool?
        public var performingDoctor: String?
        public var note: String?

        public init(orderItemId: Int, slotId: Int? = nil, parts: [Option.Part]? = nil, channel: String, idempotencyKey: String? = nil,
                    hold: Bool = false, performingDoctor: String? = nil) {
            self.orderItemId = orderItemId
            self.slotId = slotId
            self.parts = parts
            self.channel = channel
            self.idempotencyKey = idempotencyKey
            self.hold = hold
            self.performingDoctor = performingDoctor
        }
    }

    /// Books (or holds) the item in the slots named. A second request with the same channel and idempotency key
    /// answers with the first one's appointment (`created` false) instead of booking twice.
    public func book(_ input: BookInput, by user: String, now: Date = Date()) async throws -> (appointment: Appointment, created: Bool) {
        var v = Validator()
        guard let itemID = input.orderItemId else {
            throw DomainError.validation([FieldError(field: "orderItemId", code: "required", zh: "请选择检查项目", en: "orderItemId is required")])
        }
        guard let channel = BookingChannel(rawValue: input.channel ?? "") else {
            throw DomainError.validation([FieldError(field: "channel", code: "invalid", zh: "预约渠道无效", en: "unknown channel")])
        }
        let key = input.idempotencyKey?.trimmingCharacters(in: .whitespaces)
        if let key, key.count > 100 { v.add("idempotencyKey", "too_long", "幂等键最多 100 个字符", "idempotency key at most 100 characters") }
        try v.check()
        if let key, !key.isEmpty, let existing = try await appointmentID(channel: channel.rawValue, key: key) {
            return (try await appointment(existing), false)
        }
        try await expireHolds(now: now)
        let f = try await facts(itemID, channel: channel.rawValue)
        if channel.selfService, let until = f.order.patient.blacklistedUntil, until > Timestamp.string(now) {
            throw DomainError(status: 403, code: "blacklisted",
                              zh: "该患者因多次爽约暂停自助预约（至 \(until.prefix(10))），请到预约中心办理", en: "the patient may not book through self-service channels")
        }
        if f.order.status != "active" { throw DomainError.conflict("order_closed", "申请单已作废或完成", "the order is not active") }
        if !["ordered", "no-show"].contains(f.item.status) {
            throw DomainError.conflict("already_booked", "该检查项目已预约，请改约或先取消", "the item already has an appointment")
        }
        var requested = input.parts ?? []
        if requested.isEmpty, let slot = input.slotId { requested = [.init(slotId: slot, units: f.item.units)] }
        let parts = requested
        guard !parts.isEmpty, parts.reduce(0, { $0 + $1.units }) == f.item.units, parts.allSatisfy({ $0.units > 0 }),
              Set(parts.map(\.slotId)).count == parts.count else {
            throw DomainError.validation([FieldError(field: "parts", code: "invalid", zh: "所选时段应正好容纳该项目的 \(f.item.units) 个单位",
                                                     en: "the slots must hold the item's \(f.item.units) units exactly")])
        }
        // Rule checks on the slots as they are now, for a precise answer; the transaction re-checks capacity and quotas.
        let slots = try await slotsByID(parts.map(\.slotId))
        guard slots.count == parts.count, Set(slots.map(\.queueId)).count == 1, Set(slots.map(\.date)).count == 1 else {
            throw DomainError.validation([FieldError(field: "parts", code: "invalid", zh: "所选时段须在同一队列的同一天", en: "slots must be one queue and day")])
        }
        for part in parts {
            let slot = slots.first { $0.id == part.slotId }!
            if let why = refusal(slot, f, units: part.units, now: now, doctor: input.performingDoctor) {
                throw DomainError.conflict("slot_unavailable", why, why)
            }
        }
        let first = slots.min { $0.startTime < $1.startTime }!
        // A slot in a doctor's shift books that doctor unless one was named (and then it had to be that doctor).
        let doctor = input.performingDoctor?.isEmpty == false ? input.performingDoctor! : (slots.first { !$0.doctor.isEmpty }?.doctor ?? "")
        let verdict = try await rules?.evaluate(item: f.item, order: f.order, date: first.date, channel: channel.rawValue,
                                                performingDoctor: doctor, now: now, calendar: calendar.calendar)
        if let why = verdict?.refusal { throw DomainError.conflict("rule_refused", why, why) }
        let preparations = (verdict?.preparations ?? []).joined(separator: "\n")
        let stamp = Timestamp.string(now)
        let status = input.hold == true ? "held" : "booked"
        let heldUntil = input.hold == true ? Timestamp.string(now.addingTimeInterval(Double(holdMinutes) * 60)) : nil
        let id: Int
        do {
            id = try await database.write { sql -> Int in
                // The item can have one live appointment: the status guard serialises two desks booking the same item.
                guard try await sql.raw("""
                    UPDATE order_items SET status = \(bind: status), updated_at = \(bind: stamp) WHERE id = \(bind: itemID) AND status IN ('ordered', 'no-show') RETURNING id
                    """).first() != nil else {
                    throw DomainError.conflict("already_booked", "该检查项目已预约，请改约或先取消", "the item already has an appointment")
                }
                try await Self.take(parts, slots: slots, facts: f, start: calendar.instant(first.date, first.startTime) ?? now, now: now, sql: sql)
                let appointment = try await sql.raw("""
                    INSERT INTO appointments (order_item_pk, queue_pk, slot_date, start_time, status, channel, idempotency_key, held_until,
                      performing_doctor, booked_by, note, preparations, created_at, updated_at)
                    VALUES (\(bind: itemID), \(bind: first.queueId), \(bind: first.date), \(bind: first.startTime), \(bind: status),
                            \(bind: channel.rawValue), \(bind: key?.isEmpty == false ? key : nil), \(bind: heldUntil),
                            \(bind: doctor), \(bind: user), \(bind: input.note ?? ""), \(bind: preparations),
                            \(bind: stamp), \(bind: stamp))
                    RETURNING id
                    """).first()!.int("id")
                try await Self.record(parts, of: appointment, slots: slots, facts: f, sql: sql)
                return appointment
            }
        } catch let error as DomainError {
            throw error
        } catch {
            // A unique violation on (channel, idempotency key): the same request raced itself; answer with the winner.
            if let key, !key.isEmpty, let existing = try await appointmentID(channel: channel.rawValue, key: key) {
                return (try await appointment(existing), false)
            }
            throw error
        }
        return (try await appointment(id), true)
    }

    /// Books several items of one patient in one visit (REG-07: what a merge rule proposed): the first time from
    /// `from` where the queue has room for all of them, one after another; all or nothing — if one cannot be booked,
    /// those already booked are cancelled again.
    public func bookTogether(itemIDs: [Int], queue: Int, from: String, days: Int = 30, channel: String, by user: String, now: Date = Date()) async throws
        -> [Appointment]
    {
        guard itemIDs.count >= 2, itemIDs.count <= 10, Set(itemIDs).count == itemIDs.count else {
            throw DomainError.validation([FieldError(field: "orderItemIds", code: "count", zh: "合并预约需选择 2 到 10 个不同的检查项目",
                                                     en: "choose 2 to 10 different items")])
        }
        var all: [Facts] = []
        for id in itemIDs { all.append(try await facts(id, channel: channel)) }
        guard Set(all.map(\.order.patient.id)).count == 1 else {
            throw DomainError.conflict("not_same_patient", "合并预约的项目须属于同一患者", "items of one patient only")
        }
        let screen = all[0]
        let total = all.reduce(0) { $0 + $1.item.units }
        let cal = calendar.calendar
        let to = SlotCalendar.format(cal.date(byAdding: .day, value: max(0, days - 1), to: SlotCalendar.day(from, calendar: cal) ?? now)!, calendar: cal)
        let slots = try await calendar.slots(queue: queue, from: from, to: to)
        guard let option = Self.options(slots, units: total, limit: 1, anyOrder: false, refusal: { refusal($0, screen, units: $1, now: now) }).first else {
            throw DomainError.conflict("no_room", "\(days) 天内该队列没有能一次容纳全部 \(total) 个单位的连续时段", "no room for all the items together")
        }
        // Hand out the option's units item by item, in slot order.
        var remaining = option.parts
        var booked: [Appointment] = []
        do {
            for f in all {
                var need = f.item.units
                var parts: [Option.Part] = []
                while need > 0, !remaining.isEmpty {
                    let take = min(need, remaining[0].units)
                    parts.append(.init(slotId: remaining[0].slotId, units: take))
                    remaining[0].units -= take
                    need -= take
                    if remaining[0].units == 0 { remaining.removeFirst() }
                }
                var input = BookInput(orderItemId: f.item.id, parts: parts, channel: channel)
                input.note = "合并预约"
                booked.append(try await book(input, by: user, now: now).appointment)
            }
        } catch {
            for a in booked { _ = try? await cancel(a.id, reason: "合并预约未能全部完成，已撤销") }
            throw error
        }
        return booked
    }

    /// Takes the units from each slot and its quotas; throws (rolling the transaction back) when one is full.
    /// `start` is when the slots begin, `now` the booking time: reservations for other kinds still in force are kept
    /// free in the same conditional UPDATE, so racing bookings cannot eat into them either.
    static func take(_ parts: [Option.Part], slots: [Slot], facts f: Facts, start: Date, now: Date, sql: any SQLDatabase) async throws {
        for part in parts {
            let slot = slots.first { $0.id == part.slotId }!
            var kept = SQLQueryString("0")
            for q in slot.quotas where q.isReservation && f.value(q.dimension) != q.value
                && now < start.addingTimeInterval(-Double(q.releaseHoursBefore ?? 0) * 3600) {
                kept = kept + " + (CASE WHEN \(bind: q.max) > COALESCE((SELECT u.used FROM slot_quota_use u WHERE u.slot_pk = \(bind: part.slotId) AND u.quota = \(bind: q.key)), 0) THEN \(bind: q.max) - COALESCE((SELECT u.used FROM slot_quota_use u WHERE u.slot_pk = \(bind: part.slotId) AND u.quota = \(bind: q.key)), 0) ELSE 0 END)"
            }
            guard try await sql.raw("""
                UPDATE slots SET used = used + \(bind: part.units) WHERE id = \(bind: part.slotId) AND used + \(bind: part.units) +
                """ + " " + kept + " <= capacity RETURNING id").first() != nil else {
                throw DomainError.conflict("slot_full", "\(slot.date) \(slot.startTime) 时段已约满，请选择其他时段", "the slot is full")
            }
            for quota in slot.quotas where f.value(quota.dimension) == quota.value {
                try await sql.raw("INSERT INTO slot_quota_use (slot_pk, quota, used) VALUES (\(bind: part.slotId), \(bind: quota.key), 0) ON CONFLICT DO NOTHING").run()
                if quota.isReservation {
                    // Bookings of the reserved kind count against the reservation; they are never capped by it.
                    try await sql.raw("UPDATE slot_quota_use SET used = used + \(bind: part.units) WHERE slot_pk = \(bind: part.slotId) AND quota = \(bind: quota.key)").run()
                    continue
                }
                guard try await sql.raw("""
                    UPDATE slot_quota_use SET used = used + \(bind: part.units)
                    WHERE slot_pk = \(bind: part.slotId) AND quota = \(bind: quota.key) AND used + \(bind: part.units) <= \(bind: quota.max) RETURNING used
                    """).first() != nil else {
                    throw DomainError.conflict("quota_full", "该时段「\(quota.value)」限额 \(quota.max) 个单位已满", "the quota is used up")
                }
            }
        }
    }

    /// Notes which units of which slots (and which quotas) an appointment holds, so `release` can give them back.
    static func record(_ parts: [Option.Part], of appointment: Int, slots: [Slot], facts f: Facts, sql: any SQLDatabase) async throws {
        for part in parts {
            let slot = slots.first { $0.id == part.slotId }!
            let keys = slot.quotas.filter { f.value($0.dimension) == $0.value }.map(\.key).joined(separator: ",")
            try await sql.raw("""
                INSERT INTO appointment_slots (appointment_pk, slot_pk, units, quotas)
                VALUES (\(bind: appointment), \(bind: part.slotId), \(bind: part.units), \(bind: keys))
                """).run()
        }
    }

    /// Gives back what an appointment took from its slots.
    static func release(_ appointmentID: Int, sql: any SQLDatabase) async throws {
        for row in try await sql.raw("SELECT slot_pk, units, quotas FROM appointment_slots WHERE appointment_pk = \(bind: appointmentID)").all() {
            let slot = try row.int("slot_pk"), units = try row.int("units")
            try await sql.raw("UPDATE slots SET used = used - \(bind: units) WHERE id = \(bind: slot)").run()
            for quota in try row.string("quotas").split(separator: ",") {
                try await sql.raw("UPDATE slot_quota_use SET used = used - \(bind: units) WHERE slot_pk = \(bind: slot) AND quota = \(bind: String(quota))").run()
            }
        }
        try await sql.raw("DELETE FROM appointment_slots WHERE appointment_pk = \(bind: appointmentID)").run()
    }

    func slotsByID(_ ids: [Int]) async throws -> [Slot] {
        try await database.read { sql in
            var out: [Slot] = []
            for id in ids {
                guard let row = try await sql.raw("SELECT * FROM slots WHERE id = \(bind: id)").first() else { continue }
                let use = try await sql.raw("SELECT quota, used FROM slot_quota_use WHERE slot_pk = \(bind: id)").all()
                out.append(try SlotCalendar.decodeSlot(row, use: Dictionary(uniqueKeysWithValues: try use.map { (try $0.string("quota"), try $0.int("used")) })))
            }
            return out
        }
    }

    func appointmentID(channel: String, key: String) async throws -> Int? {
        try await database.read { sql in
            try await sql.raw("SELECT id FROM appointments WHERE channel = \(bind: channel) AND idempotency_key = \(bind: key)").first()?.int("id")
        }
    }

    public func appointment(_ id: Int) async throws -> Appointment {
        try await database.read { sql in
            guard let r = try await sql.raw("""
                SELECT a.*, i.accession_number, i.study_uid FROM appointments a JOIN order_items i ON i.id = a.order_item_pk WHERE a.id = \(bind: id)
                """).first() else {
                throw DomainError.notFound("预约", "Appointment")
            }
            let parts = try await sql.raw("""
                SELECT x.slot_pk, x.units, s.start_time FROM appointment_slots x JOIN slots s ON s.id = x.slot_pk WHERE x.appointment_pk = \(bind: id)
                ORDER BY s.start_time
                """).all().map { Appointment.SlotUse(slotId: try $0.int("slot_pk"), startTime: try $0.string("start_time"), units: try $0.int("units")) }
            return Appointment(
                id: id, orderItemId: try r.int("order_item_pk"), queueId: try r.int("queue_pk"), date: try r.string("slot_date"),
                startTime: try r.string("start_time"), status: try r.string("status"), channel: try r.string("channel"),
                heldUntil: try r.stringOrNil("held_until"), performingDoctor: try r.string("performing_doctor"), bookedBy: try r.string("booked_by"),
                checkedInAt: try r.stringOrNil("checked_in_at"), slots: parts, accessionNumber: try r.stringOrNil("accession_number"),
                studyInstanceUID: try r.stringOrNil("study_uid"),
                preparations: try r.string("preparations").split(separator: "\n").map(String.init))
        }
    }

    // MARK: Lists

    /// An appointment with what the desk shows beside it.
    public struct Entry: Codable, Sendable, Equatable {
        public var appointment: Appointment
        public var patientId: String
        public var patientName: String
        public var sex: String
        public var birthDate: String
        public var orderNo: String
        public var itemName: String
        public var modality: String
        public var source: String
        public var priority: String
        public var queueName: String
        /// The exam's progress on the modality as MPPS reported it (SCHEDULED, IN PROGRESS, COMPLETED,
        /// DISCONTINUED), once registered.
        public var examStatus: String?
    }

    /// Appointments of a day (and queue, status), in time order.
    public func list(date: String?, queue: Int?, status: String?, orderItem: Int? = nil, page: PageRequest) async throws -> Page<Entry> {
        var condition: SQLQueryString = "1 = 1"
        if let orderItem { condition = condition + " AND a.order_item_pk = \(bind: orderItem)" }
        if let date, !date.isEmpty { condition = condition + " AND a.slot_date = \(bind: date)" }
        if let queue { condition = condition + " AND a.queue_pk = \(bind: queue)" }
        if let status, !status.isEmpty { condition = condition + " AND a.status = \(bind: status)" }
        let filter = condition
        let (total, rows) = try await database.read { sql in
            let from = SQLQueryString("""
                FROM appointments a JOIN order_items i ON i.id = a.order_item_pk JOIN orders o ON o.id = i.order_pk
                JOIN sched_patients p ON p.id = o.patient_pk JOIN sched_queues q ON q.id = a.queue_pk WHERE
                """)
            let total = try await sql.count("SELECT COUNT(*) AS n " + from + " " + filter)
            let rows = try await sql.raw("""
                SELECT a.id, p.patient_id, p.name, p.sex, p.birth_date, o.order_no, o.source, o.priority, i.item_name, i.modality, q.name AS queue_name
                """ + " " + from + " " + filter
                + " ORDER BY a.slot_date, a.start_time, a.id LIMIT \(unsafeRaw: String(page.pageSize)) OFFSET \(unsafeRaw: String(page.offset))").all()
            return (total, rows)
        }
        var items: [Entry] = []
        for r in rows {
            items.append(Entry(
                appointment: try await appointment(try r.int("id")), patientId: try r.string("patient_id"), patientName: try r.string("name"),
                sex: try r.string("sex"), birthDate: try r.string("birth_date"), orderNo: try r.string("order_no"), itemName: try r.string("item_name"),
                modality: try r.string("modality"), source: try r.string("source"), priority: try r.string("priority"),
                queueName: try r.string("queue_name"), examStatus: nil))
        }
        let accessions = items.compactMap(\.appointment.accessionNumber)
        if let worklist, !accessions.isEmpty {
            let statuses = try await worklist.statuses(accessionNumbers: accessions)
            for i in items.indices { items[i].examStatus = items[i].appointment.accessionNumber.flatMap { statuses[$0] } }
        }
        return Page(items: items, total: total, request: page)
    }

    public struct ChannelStatistics: Codable, Sendable, Equatable {
        public var channel: String
        public var channelName: String
        public var bookings: Int
        public var checkedIn: Int
        public var noShows: Int
        public var cancelled: Int
    }

    /// Bookings and no-shows by channel for exam dates in a range (the issue's booking statistics).
    public func statistics(from: String, to: String) async throws -> [ChannelStatistics] {
        let rows = try await database.read { sql in
            try await sql.raw("""
                SELECT channel, COUNT(*) AS total,
                  SUM(CASE WHEN status IN ('checked-in', 'completed') THEN 1 ELSE 0 END) AS checked_in,
                  SUM(CASE WHEN status = 'no-show' THEN 1 ELSE 0 END) AS no_shows,
                  SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled
                FROM appointments WHERE slot_date >= \(bind: from) AND slot_date <= \(bind: to) AND status <> 'expired'
                GROUP BY channel ORDER BY total DESC, channel
                """).all()
        }
        return try rows.map { r in
            let channel = try r.string("channel")
            return ChannelStatistics(channel: channel, channelName: BookingChannel(rawValue: channel)?.zh ?? channel, bookings: try r.int("total"),
                                     checkedIn: try r.int("checked_in"), noShows: try r.int("no_shows"), cancelled: try r.int("cancelled"))
        }
    }

    // MARK: Life cycle

    /// A hold becomes a booking.
    public func confirm(_ id: Int, now: Date = Date()) async throws -> Appointment {
        try await expireHolds(now: now)
        try await transition(id, from: ["held"], to: "booked", item: "booked")
        return try await appointment(id)
    }

    /// Cancels a hold or booking; the units go back to their slots and the item can be booked again.
    public func cancel(_ id: Int, reason: String) async throws -> Appointment {
        let stamp = Timestamp.string()
        try await database.write { sql in
            guard let row = try await sql.raw("""
                UPDATE appointments SET status = 'cancelled', note = \(bind: reason), updated_at = \(bind: stamp)
                WHERE id = \(bind: id) AND status IN ('held', 'booked') RETURNING order_item_pk
                """).first() else {
                throw DomainError.conflict("not_cancellable", "只能取消已锁定或已预约、尚未登记的预约", "only held or booked appointments can be cancelled")
            }
            try await Self.release(id, sql: sql)
            try await sql.raw("UPDATE order_items SET status = 'ordered', updated_at = \(bind: stamp) WHERE id = \(bind: try row.int("order_item_pk"))").run()
        }
        return try await appointment(id)
    }

    /// Moves a booking to other slots in one transaction: the new slots are taken before the old ones are given back,
    /// so a failed move leaves the booking where it was.
    public func reschedule(_ id: Int, parts: [Option.Part], now: Date = Date()) async throws -> Appointment {
        let current = try await appointment(id)
        guard ["held", "booked"].contains(current.status) else {
            throw DomainError.conflict("not_movable", "只能改约尚未登记的预约", "only held or booked appointments can be moved")
        }
        let f = try await facts(current.orderItemId, channel: current.channel)
        let slots = try await slotsByID(parts.map(\.slotId))
        guard !parts.isEmpty, slots.count == parts.count, parts.reduce(0, { $0 + $1.units }) == f.item.units, Set(slots.map(\.date)).count == 1,
              Set(slots.map(\.queueId)).count == 1 else {
            throw DomainError.validation([FieldError(field: "parts", code: "invalid", zh: "所选时段应在同一天并正好容纳该项目", en: "invalid slots")])
        }
        for part in parts {
            let slot = slots.first { $0.id == part.slotId }!
            if let why = refusal(slot, f, units: part.units, now: now) { throw DomainError.conflict("slot_unavailable", why, why) }
        }
        let first = slots.min { $0.startTime < $1.startTime }!
        let verdict = try await rules?.evaluate(item: f.item, order: f.order, date: first.date, channel: current.channel,
                                                performingDoctor: current.performingDoctor, now: now, calendar: calendar.calendar)
        if let why = verdict?.refusal { throw DomainError.conflict("rule_refused", why, why) }
        let stamp = Timestamp.string(now)
        try await database.write { sql in
            try await Self.take(parts, slots: slots, facts: f, start: calendar.instant(first.date, first.startTime) ?? now, now: now, sql: sql)
            try await Self.release(id, sql: sql)
            try await Self.record(parts, of: id, slots: slots, facts: f, sql: sql)
            try await sql.raw("""
                UPDATE appointments SET queue_pk = \(bind: first.queueId), slot_date = \(bind: first.date), start_time = \(bind: first.startTime),
                  updated_at = \(bind: stamp) WHERE id = \(bind: id)
                """).run()
        }
        return try await appointment(id)
    }

    /// Registration at the department (登记): the exam number is made by the department's rule, the Study Instance
    /// UID assigned, and the exam published to the modality worklist. Checking in again re-publishes (idempotent).
    public func checkIn(_ id: Int, now: Date = Date()) async throws -> Appointment {
        let current = try await appointment(id)
        if current.status != "checked-in" {
            guard current.status == "booked" else {
                throw DomainError.conflict("not_booked", "只能为已预约的检查登记", "only booked appointments can be checked in")
            }
            let f = try await facts(current.orderItemId)
            let queue = try await calendar.queue(current.queueId)
            let cal = calendar.calendar
            let stamp = Timestamp.string(now)
            try await database.write { sql in
                guard try await sql.raw("""
                    UPDATE appointments SET status = 'checked-in', checked_in_at = \(bind: stamp), updated_at = \(bind: stamp)
                    WHERE id = \(bind: id) AND status = 'booked' RETURNING id
                    """).first() != nil else {
                    throw DomainError.conflict("not_booked", "只能为已预约的检查登记", "only booked appointments can be checked in")
                }
                let accession = try await ExamNumbers.next(sql, department: queue.department, modality: f.item.modality, now: now, calendar: cal)
                try await sql.raw("""
                    UPDATE order_items SET status = 'registered', accession_number = \(bind: accession), study_uid = \(bind: UIDGenerator.make()),
                      updated_at = \(bind: stamp) WHERE id = \(bind: f.item.id)
                    """).run()
            }
        }
        try await publish(id)
        return try await appointment(id)
    }

    func publish(_ id: Int) async throws {
        guard let worklist else { return }
        let a = try await appointment(id)
        let f = try await facts(a.orderItemId)
        let queue = try await calendar.queue(a.queueId)
        guard let accession = a.accessionNumber, let uid = a.studyInstanceUID else { return }
        let patient = f.order.patient
        try await worklist.publish(ScheduledExam(
            accessionNumber: accession, studyInstanceUID: uid, patientId: patient.patientId, patientName: patient.name, sex: patient.sex,
            birthDate: patient.birthDate, modality: f.item.modality, stationAETitle: queue.stationAETitle,
            date: a.date.replacingOccurrences(of: "-", with: ""), time: a.startTime.replacingOccurrences(of: ":", with: "") + "00",
            procedureDescription: f.item.itemName, referringPhysician: f.order.requestingDoctor, performingPhysician: a.performingDoctor))
    }

    /// The patient did not come: counted, and more than `noShowLimit` no-shows blacklist the patient for the
    /// self-service channels (until `blacklistDays` pass, or an administrator lifts it).
    public func noShow(_ id: Int, now: Date = Date()) async throws -> Appointment {
        let current = try await appointment(id)
        guard current.status == "booked" else { throw DomainError.conflict("not_booked", "只能将已预约未登记的检查标为爽约", "only booked appointments") }
        guard let start = calendar.instant(current.date, current.startTime), start <= now else {
            throw DomainError.conflict("not_yet", "预约时间未到，不能标为爽约", "the appointment has not started yet")
        }
        let f = try await facts(current.orderItemId)
        let stamp = Timestamp.string(now)
        let limit = noShowLimit, days = blacklistDays
        try await database.write { sql in
            try await sql.raw("UPDATE appointments SET status = 'no-show', updated_at = \(bind: stamp) WHERE id = \(bind: id)").run()
            try await sql.raw("UPDATE order_items SET status = 'no-show', updated_at = \(bind: stamp) WHERE id = \(bind: f.item.id)").run()
            let count = try await sql.raw("""
                UPDATE sched_patients SET no_shows = no_shows + 1, updated_at = \(bind: stamp) WHERE id = \(bind: f.order.patient.id) RETURNING no_shows
                """).first()!.int("no_shows")
            if count > limit {
                let until = days.map { Timestamp.string(now.addingTimeInterval(Double($0) * 86_400)) } ?? "9999-12-31T00:00:00.000Z"
                try await sql.raw("""
                    UPDATE sched_patients SET blacklisted_until = \(bind: until), blacklist_reason = \(bind: "爽约 \(count) 次")
                    WHERE id = \(bind: f.order.patient.id)
                    """).run()
            }
        }
        return try await appointment(id)
    }

    /// An administrator lifts a blacklisting; the no-show count starts again.
    public func liftBlacklist(patientID: String) async throws {
        try await database.write { sql in
            guard try await sql.raw("""
                UPDATE sched_patients SET blacklisted_until = NULL, blacklist_reason = '', no_shows = 0, updated_at = \(bind: Timestamp.string())
                WHERE patient_id = \(bind: patientID) RETURNING id
                """).first() != nil else { throw DomainError.notFound("患者", "Patient") }
        }
    }

    /// Patients blacklisted now.
    public func blacklist(now: Date = Date()) async throws -> [SchedPatient] {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM sched_patients WHERE blacklisted_until > \(bind: Timestamp.string(now)) ORDER BY blacklisted_until").all()
                .map(OrderService.decodePatient)
        }
    }

    /// Holds past their time give their units back.
    @discardableResult
    public func expireHolds(now: Date = Date()) async throws -> Int {
        let stamp = Timestamp.string(now)
        // Searches call this first: a read that finds nothing to expire keeps them out of the writers' queue.
        let due = try await database.read { sql in
            try await sql.raw("SELECT id FROM appointments WHERE status = 'held' AND held_until < \(bind: stamp) LIMIT 1").first() != nil
        }
        guard due else { return 0 }
        return try await database.write { sql in
            let expired = try await sql.raw("""
                UPDATE appointments SET status = 'expired', updated_at = \(bind: stamp) WHERE status = 'held' AND held_until < \(bind: stamp)
                RETURNING id, order_item_pk
                """).all()
            for row in expired {
                try await Self.release(try row.int("id"), sql: sql)
                try await sql.raw("UPDATE order_items SET status = 'ordered' WHERE id = \(bind: try row.int("order_item_pk")) AND status = 'held'").run()
            }
            return expired.count
        }
    }

    func transition(_ id: Int, from: [String], to: String, item: String) async throws {
        let stamp = Timestamp.string()
        try await database.write { sql in
            var list = SQLQueryString("(")
            for (n, s) in from.enumerated() { list = list + (n == 0 ? "" : ", ") + "\(bind: s)" }
            guard let row = try await sql.raw("UPDATE appointments SET status = \(bind: to), held_until = NULL, updated_at = \(bind: stamp) WHERE id = \(bind: id) AND status IN "
                + list + ") RETURNING order_item_pk").first() else {
                throw DomainError.conflict("invalid_state", "预约状态已变化（可能已过期），请刷新后重试", "the appointment is no longer in that state")
            }
            try await sql.raw("UPDATE order_items SET status = \(bind: item), updated_at = \(bind: stamp) WHERE id = \(bind: try row.int("order_item_pk"))").run()
        }
    }
}
