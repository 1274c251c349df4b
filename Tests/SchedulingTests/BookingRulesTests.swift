import Foundation
import Platform
import TestSupport
import Testing

@testable import Scheduling

/// The tender's rule examples (REG-04, REG-06, REG-09, REG-12, REG-14, REG-17, REG-18, REG-19) on both engines.
struct BookingRulesTests {
    /// A queue with a daily template; times in Asia/Shanghai; "now" is 2026-12-01 09:00 local.
    struct Fixture {
        let database: Database
        let calendar: SlotCalendar
        var engine: BookingEngine
        let orders: OrderService
        let queue: SchedQueue
        static let tz = TimeZone(identifier: "Asia/Shanghai")!

        static func make(_ database: Database, templates: [SlotCalendar.TemplateInput]) async throws -> Fixture {
            try await Migrations.run(on: database)
            let calendar = SlotCalendar(database: database, timeZone: tz)
            let queue = try await calendar.createQueue(.init(code: "CT1", name: "CT 一号机", modality: "CT", department: "RAD", stationAETitle: "CT01"))
            for t in templates { _ = try await calendar.createTemplate(queue: queue.id, t) }
            _ = try await calendar.generate(queue: queue.id, from: "2026-12-01", days: 14)
            return Fixture(database: database, calendar: calendar, engine: BookingEngine(database: database, calendar: calendar),
                           orders: OrderService(database: database), queue: queue)
        }

        func at(_ date: String, _ time: String) -> Date { calendar.instant(date, time)! }
        var now: Date { at("2026-12-01", "09:00") }

        func order(_ patient: String, source: String = "outpatient", orderType: String = "", units: Int = 1, channel: String = "desk") async throws -> OrderItem {
            let (order, _) = try await orders.create(.init(
                patient: .init(patientId: patient, name: "患者" + patient), source: source, channel: channel,
                items: [.init(itemCode: "CT01", itemName: "胸部CT平扫", modality: "CT", orderType: orderType, units: units)]), by: "test")
            return order.items[0]
        }

        func slot(_ date: String, _ time: String) async throws -> Slot {
            try await calendar.slots(queue: queue.id, from: date, to: date).first { $0.startTime == time }!
        }

        func book(_ item: OrderItem, _ slot: Slot, channel: String = "desk", at now: Date? = nil) async throws -> Appointment {
            try await engine.book(.init(orderItemId: item.id, slotId: slot.id, channel: channel), by: "test", now: now ?? self.now).appointment
        }
    }

    @Test("templates: a date's own beats a holiday's beats a cycle's beats a weekday's beats every day's; a holiday without one is closed",
          arguments: TestEngine.available)
    func precedence(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            try await Migrations.run(on: db)
            let cal = SlotCalendar(database: db, timeZone: Fixture.tz)
            let q = try await cal.createQueue(.init(code: "MR1", name: "MR", modality: "MR"))
            let winter = try await cal.createCycle(name: "冬令时", startMD: "10-01", endMD: "04-30")
            _ = try await cal.createTemplate(queue: q.id, .init(kind: "daily", startTime: "08:00", endTime: "09:00", capacity: 4))
            _ = try await cal.createTemplate(queue: q.id, .init(kind: "weekday", weekday: 6, startTime: "09:00", endTime: "10:00", capacity: 2))
            _ = try await cal.createTemplate(queue: q.id, .init(kind: "cycle", cycleId: winter, startTime: "08:30", endTime: "09:30", capacity: 3))
            _ = try await cal.createTemplate(queue: q.id, .init(kind: "date", onDate: "2027-01-01", startTime: "10:00", endTime: "11:00", capacity: 1))
            try await cal.setHoliday(date: "2026-12-25", name: "测试假日")
            try await cal.setHoliday(date: "2027-01-01", name: "元旦")
            #expect(try await cal.generate(queue: q.id, from: "2026-09-29", days: 2) == 2, "September: every day's template")
            let sep = try await cal.slots(queue: q.id, from: "2026-09-29", to: "2026-09-30")
            #expect(sep.map(\.startTime) == ["08:00", "08:00"])
            _ = try await cal.generate(queue: q.id, from: "2026-12-24", days: 10)
            let dec = try await cal.slots(queue: q.id, from: "2026-12-24", to: "2027-01-02")
            #expect(dec.first { $0.date == "2026-12-24" }?.startTime == "08:30", "winter cycle beats weekday and daily")
            #expect(!dec.contains { $0.date == "2026-12-25" }, "a holiday without its own template is closed")
            #expect(dec.filter { $0.date == "2027-01-01" }.map(\.startTime) == ["10:00"], "the date's own template on a holiday")
            #expect(try await cal.generate(queue: q.id, from: "2026-12-24", days: 10) == 0, "slots are made once")
            let bad = await #expect(throws: DomainError.self) {
                _ = try await cal.createTemplate(queue: q.id, .init(kind: "weekday", weekday: 9, startTime: "10:00", endTime: "09:00", capacity: -1))
            }
            #expect(Set(bad?.fields.map(\.field) ?? []) == ["weekday", "endTime", "capacity"])
        }
    }

    @Test("REG-04: twins capped at 2 units per slot, singletons may take the whole slot", arguments: TestEngine.available)
    func quotaWithOverflow(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            let f = try await Fixture.make(db, templates: [
                .init(kind: "daily", startTime: "08:00", endTime: "09:00", capacity: 4, quotas: [Quota(dimension: "orderType", value: "双胎", max: 2)])
            ])
            let slot = try await f.slot("2026-12-02", "08:00")
            _ = try await f.book(try await f.order("T1", orderType: "双胎"), slot)
            _ = try await f.book(try await f.order("T2", orderType: "双胎"), slot)
            let third = try await f.order("T3", orderType: "双胎")
            let refused = await #expect(throws: DomainError.self) { _ = try await f.book(third, try await f.slot("2026-12-02", "08:00")) }
            #expect(refused?.code == "slot_unavailable" && refused?.zh.contains("双胎") == true)
            _ = try await f.book(try await f.order("S1", orderType: "单胎"), try await f.slot("2026-12-02", "08:00"))
            _ = try await f.book(try await f.order("S2", orderType: "单胎"), try await f.slot("2026-12-02", "08:00"))
            let full = try await f.slot("2026-12-02", "08:00")
            #expect(full.used == 4 && full.quotaUse["orderType=双胎"] == 2)
            // Another day with no twins booked: singletons fill all four units.
            for n in 1...4 { _ = try await f.book(try await f.order("X\(n)", orderType: "单胎"), try await f.slot("2026-12-03", "08:00")) }
            #expect(try await f.slot("2026-12-03", "08:00").used == 4)
        }
    }

    @Test("REG-06 and REG-18: outpatients only until the day before; booking opens a set number of days ahead", arguments: TestEngine.available)
    func releaseAndEarliest(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            let f = try await Fixture.make(db, templates: [
                .init(kind: "daily", startTime: "08:00", endTime: "09:00", capacity: 4,
                      releaseRule: ReleaseRule(onlySources: ["outpatient"], openToAllDaysBefore: 1), openDays: 7)
            ])
            let inpatient = try await f.order("I1", source: "inpatient")
            let slot = try await f.slot("2026-12-05", "08:00")
            let early = await #expect(throws: DomainError.self) { _ = try await f.book(inpatient, slot, at: f.at("2026-12-03", "10:00")) }
            #expect(early?.zh.contains("仅供门诊") == true)
            _ = try await f.book(try await f.order("O1"), slot, at: f.at("2026-12-03", "10:00"))
            _ = try await f.book(inpatient, try await f.slot("2026-12-05", "08:00"), at: f.at("2026-12-04", "00:00"))
            let later = try await f.slot("2026-12-12", "08:00")
            let notOpen = await #expect(throws: DomainError.self) { _ = try await f.book(try await f.order("O2"), later, at: f.at("2026-12-01", "09:00")) }
            #expect(notOpen?.zh.contains("2026-12-05 起才开放") == true)
            let past = await #expect(throws: DomainError.self) { _ = try await f.book(try await f.order("O3"), slot, at: f.at("2026-12-05", "08:30")) }
            #expect(past?.zh == "该时段已过")
        }
    }

    @Test("REG-19: an exam of 3 units across consecutive slots of 2; next-available offers it; cancel gives the units back",
          arguments: TestEngine.available)
    func multiSlot(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            let f = try await Fixture.make(db, templates: [
                .init(kind: "daily", startTime: "08:00", endTime: "08:30", capacity: 2),
                .init(kind: "daily", startTime: "08:30", endTime: "09:00", capacity: 2),
                .init(kind: "daily", startTime: "10:00", endTime: "10:30", capacity: 2),
            ])
            let long = try await f.order("L1", units: 3)
            let options = try await f.engine.nextAvailable(queue: f.queue.id, itemID: long.id, from: "2026-12-02", days: 1, now: f.now)
            #expect(options.first?.parts.map(\.units) == [2, 1] && options.first?.startTime == "08:00" && options.first?.endTime == "09:00")
            let booked = try await f.engine.book(.init(orderItemId: long.id, parts: options[0].parts, channel: "desk"), by: "t", now: f.now).appointment
            #expect(booked.slots.count == 2 && booked.status == "booked")
            let (a8, a830) = (try await f.slot("2026-12-02", "08:00"), try await f.slot("2026-12-02", "08:30"))
            #expect(a8.used == 2 && a830.used == 1)
            let again = await #expect(throws: DomainError.self) { _ = try await f.book(long, try await f.slot("2026-12-03", "08:00")) }
            #expect(again?.code == "already_booked")
            _ = try await f.engine.cancel(booked.id, reason: "患者要求")
            let (b8, b830) = (try await f.slot("2026-12-02", "08:00"), try await f.slot("2026-12-02", "08:30"))
            #expect(b8.used == 0 && b830.used == 0)
            let rebooked = try await f.engine.book(.init(orderItemId: long.id, parts: options[0].parts, channel: "desk"), by: "t", now: f.now)
            #expect(rebooked.created)
            // Moving it to the next day takes the new slots before giving the old ones back.
            let next = try await f.engine.nextAvailable(queue: f.queue.id, itemID: long.id, from: "2026-12-03", days: 1, now: f.now)
            let moved = try await f.engine.reschedule(rebooked.appointment.id, parts: next[0].parts, now: f.now)
            let (old8, new830) = (try await f.slot("2026-12-02", "08:00"), try await f.slot("2026-12-03", "08:30"))
            #expect(moved.date == "2026-12-03" && old8.used == 0 && new830.used == 1)
        }
    }

    @Test("holds expire and give their units back; an idempotency key answers the same appointment", arguments: TestEngine.available)
    func holdsAndIdempotency(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            let f = try await Fixture.make(db, templates: [.init(kind: "daily", startTime: "08:00", endTime: "09:00", capacity: 1)])
            let item = try await f.order("H1")
            let slot = try await f.slot("2026-12-02", "08:00")
            let held = try await f.engine.book(.init(orderItemId: item.id, slotId: slot.id, channel: "wechat", idempotencyKey: "wx-1", hold: true), by: "t", now: f.now)
            #expect(held.created && held.appointment.status == "held")
            let repeated = try await f.engine.book(.init(orderItemId: item.id, slotId: slot.id, channel: "wechat", idempotencyKey: "wx-1", hold: true), by: "t", now: f.now)
            #expect(!repeated.created && repeated.appointment.id == held.appointment.id)
            #expect(try await f.engine.expireHolds(now: f.now.addingTimeInterval(11 * 60)) == 1)
            #expect(try await f.slot("2026-12-02", "08:00").used == 0)
            let late = await #expect(throws: DomainError.self) { _ = try await f.engine.confirm(held.appointment.id, now: f.now.addingTimeInterval(12 * 60)) }
            #expect(late?.code == "invalid_state")
            let other = try await f.order("H2")
            _ = try await f.book(other, try await f.slot("2026-12-02", "08:00"))
            let full = await #expect(throws: DomainError.self) { _ = try await f.book(item, try await f.slot("2026-12-02", "08:00")) }
            #expect(full?.code == "slot_unavailable")
        }
    }

    @Test("REG-17: the 4th no-show blacklists the patient for self-service channels; the desk may still book; it lifts itself",
          arguments: TestEngine.available)
    func blacklist(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            var f = try await Fixture.make(db, templates: [.init(kind: "daily", startTime: "08:00", endTime: "09:00", capacity: 10)])
            f.engine.blacklistDays = 30
            for day in 2...5 {
                let item = try await f.order("B1")
                let a = try await f.book(item, try await f.slot("2026-12-0\(day)", "08:00"))
                _ = try await f.engine.noShow(a.id, now: f.at("2026-12-0\(day)", "12:00"))
            }
            let listed = try await f.engine.blacklist(now: f.at("2026-12-06", "09:00"))
            #expect(listed.map(\.patientId) == ["B1"] && listed[0].noShows == 4 && listed[0].blacklistReason == "爽约 4 次")
            let item = try await f.order("B1", channel: "wechat")
            let refused = await #expect(throws: DomainError.self) {
                _ = try await f.book(item, try await f.slot("2026-12-08", "08:00"), channel: "wechat", at: f.at("2026-12-06", "09:00"))
            }
            #expect(refused?.status == 403 && refused?.code == "blacklisted")
            _ = try await f.book(item, try await f.slot("2026-12-08", "08:00"), channel: "desk", at: f.at("2026-12-06", "09:00"))
            #expect(try await f.engine.blacklist(now: f.at("2027-01-06", "09:00")).isEmpty, "lifts itself after 30 days")
            try await f.engine.liftBlacklist(patientID: "B1")
            #expect(try await f.engine.blacklist(now: f.at("2026-12-06", "09:00")).isEmpty)
        }
    }

    @Test("REG-09: exam numbers by department rule, daily reset, at most 16 characters; check-in publishes to the worklist",
          arguments: TestEngine.available)
    func examNumbersAndCheckIn(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            var f = try await Fixture.make(db, templates: [.init(kind: "daily", startTime: "08:00", endTime: "09:00", capacity: 10)])
            let published = Published()
            f.engine.worklist = published
            let numbers = ExamNumbers(database: db)
            let rule = try await numbers.save(.init(department: "RAD", modality: "CT", prefix: "CT", dateFormat: "yyMMdd", sequenceLength: 4, reset: "daily"))
            #expect(rule.example.count == 12 && rule.example.hasPrefix("CT") && rule.example.hasSuffix("0001"))
            let tooLong = await #expect(throws: DomainError.self) {
                _ = try await numbers.save(.init(prefix: "RADIOLOGY", dateFormat: "yyyyMMdd", sequenceLength: 4))
            }
            #expect(tooLong?.fields.first?.code == "too_long")
            var accessions: [String] = []
            for (n, day) in [("C1", "2026-12-02"), ("C2", "2026-12-02"), ("C3", "2026-12-03")] {
                let a = try await f.book(try await f.order(n), try await f.slot(day, "08:00"))
                let checked = try await f.engine.checkIn(a.id, now: f.at(day, "07:50"))
                #expect(checked.status == "checked-in" && checked.studyInstanceUID?.hasPrefix("2.25.") == true)
                accessions.append(checked.accessionNumber!)
                _ = try await f.engine.checkIn(a.id, now: f.at(day, "07:55"))  // again: same number, published again
            }
            #expect(accessions == ["CT2612020001", "CT2612020002", "CT2612030001"])
            let exams = await published.exams
            #expect(exams.map(\.accessionNumber) == ["CT2612020001", "CT2612020001", "CT2612020002", "CT2612020002", "CT2612030001", "CT2612030001"])
            #expect(exams[0].stationAETitle == "CT01" && exams[0].date == "20261202" && exams[0].time == "080000" && exams[0].patientId == "C1")
        }
    }

    @Test("no slot is overbooked: 40 concurrent bookings for 5 units", arguments: TestEngine.available)
    func concurrency(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            let f = try await Fixture.make(db, templates: [.init(kind: "daily", startTime: "08:00", endTime: "09:00", capacity: 5)])
            var items: [OrderItem] = []
            for n in 0..<40 { items.append(try await f.order("R\(n)")) }
            let slot = try await f.slot("2026-12-02", "08:00")
            let now = f.now
            let engine = f.engine
            let booked = await withTaskGroup(of: Bool.self) { group in
                for item in items {
                    group.addTask {
                        (try? await engine.book(.init(orderItemId: item.id, slotId: slot.id, channel: "app"), by: "t", now: now)) != nil
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(booked == 5)
            #expect(try await f.slot("2026-12-02", "08:00").used == 5)
        }
    }
}

actor Published: WorklistPublisher {
    var exams: [ScheduledExam] = []
    func publish(_ exam: ScheduledExam) async throws { exams.append(exam) }
    func statuses(accessionNumbers: [String]) async throws -> [String: String] {
        Dictionary(exams.map { ($0.accessionNumber, "SCHEDULED") }, uniquingKeysWith: { a, _ in a })
    }
}

/// The rule engine's families (REG-07, REG-08, REG-10) with the tender's examples.
struct BookingRuleEngineTests {
    @Test("restrict, preparation and conflict rules fire over order fields and say why in Chinese", arguments: TestEngine.available)
    func restrictPreparationConflict(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            var f = try await BookingRulesTests.Fixture.make(db, templates: [.init(kind: "daily", startTime: "08:00", endTime: "09:00", capacity: 10)])
            let rules = BookingRules(database: db)
            f.engine.rules = rules
            _ = try await rules.create(.init(name: "床旁检查须人工预约", kind: "restrict",
                                             conditions: [.init(field: "bedside", op: "eq", value: "true"),
                                                          .init(field: "channel", op: "in", value: "kiosk,app,wechat,alipay,website")],
                                             message: "床旁检查请由病区护士站或预约中心预约"))
            _ = try await rules.create(.init(name: "增强CT禁食", kind: "preparation", conditions: [.init(field: "itemName", op: "contains", value: "增强")],
                                             message: "检查前禁食 4 小时，携带既往影像资料"))
            _ = try await rules.create(.init(name: "钡餐后腹部CT", kind: "conflict", conditions: [.init(field: "examClass", op: "eq", value: "腹部CT")],
                                             params: .init(otherField: "examClass", otherValue: "钡餐造影", minDays: 3),
                                             message: "钡餐造影后 3 天内不宜行腹部CT，请改约"))
            let weak = await #expect(throws: DomainError.self) { _ = try await rules.create(.init(name: "x", kind: "conflict", conditions: [], message: "m")) }
            #expect(Set(weak?.fields.map(\.field) ?? []) == ["conditions", "params.otherField", "params.minDays"])

            // Bedside through WeChat: refused; at the desk: booked.
            let (bedside, _) = try await f.orders.create(.init(patient: .init(patientId: "W1", name: "床旁"), source: "inpatient", channel: "ward", bedside: true,
                                                                 items: [.init(itemCode: "DR-BED", itemName: "床旁胸片", modality: "CT")]), by: "t")
            let slot = try await f.slot("2026-12-02", "08:00")
            let refused = await #expect(throws: DomainError.self) { _ = try await f.book(bedside.items[0], slot, channel: "wechat") }
            #expect(refused?.code == "rule_refused" && refused?.zh.contains("床旁检查须人工预约") == true)
            _ = try await f.book(bedside.items[0], try await f.slot("2026-12-02", "08:00"), channel: "ward")

            // Preparation notes travel with the booking.
            let (enhanced, _) = try await f.orders.create(.init(patient: .init(patientId: "E1", name: "增强"), source: "outpatient", channel: "desk",
                                                                  items: [.init(itemCode: "CT-ABD-C", itemName: "上腹部CT增强", modality: "CT")]), by: "t")
            let prepared = try await f.book(enhanced.items[0], try await f.slot("2026-12-02", "08:00"))
            #expect(prepared.preparations == ["检查前禁食 4 小时，携带既往影像资料"])

            // Barium meal on the 2nd: abdominal CT refused until the 5th.
            let (barium, _) = try await f.orders.create(.init(patient: .init(patientId: "B9", name: "钡餐"), source: "outpatient", channel: "desk",
                                                                items: [.init(itemCode: "GI", itemName: "上消化道钡餐造影", modality: "CT", examClass: "钡餐造影"),
                                                                        .init(itemCode: "CT-ABD", itemName: "腹部CT平扫", modality: "CT", examClass: "腹部CT")]),
                                                          by: "t")
            _ = try await f.book(barium.items[0], try await f.slot("2026-12-02", "08:00"))
            let soon = await #expect(throws: DomainError.self) { _ = try await f.book(barium.items[1], try await f.slot("2026-12-04", "08:00")) }
            #expect(soon?.zh.contains("钡餐造影后 3 天内") == true)
            // REG-08: the order's second item goes on another date than the first.
            let later = try await f.book(barium.items[1], try await f.slot("2026-12-06", "08:00"))
            #expect(later.date == "2026-12-06")
        }
    }

    @Test("REG-07: merge proposals for equal priorities, agreeing fields and orders at most N days apart", arguments: TestEngine.available)
    func merge(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            let f = try await BookingRulesTests.Fixture.make(db, templates: [.init(kind: "daily", startTime: "08:00", endTime: "09:00", capacity: 10)])
            let rules = BookingRules(database: db)
            _ = try await rules.create(.init(name: "同科室CT合并", kind: "merge", conditions: [.init(field: "modality", op: "eq", value: "CT")],
                                             params: .init(sameFields: ["department", "source"], maxDays: 2), message: "同一患者同科室开具的CT检查一次完成"))
            func order(_ item: String, priority: String = "routine", department: String = "呼吸内科", day: String = "2026-12-01") async throws -> OrderItem {
                try await f.orders.create(.init(patient: .init(patientId: "M1", name: "合并"), source: "outpatient", department: department,
                                                priority: priority, channel: "his", orderedAt: day + "T01:00:00.000Z",
                                                items: [.init(itemCode: item, itemName: item, modality: "CT")]), by: "t").order.items[0]
            }
            let chest = try await order("CT-CHEST")
            let abdomen = try await order("CT-ABD", day: "2026-12-02")
            _ = try await order("CT-HEAD", priority: "urgent")  // another priority: never merged
            _ = try await order("CT-NECK", department: "神经内科")  // another department
            _ = try await order("CT-PELVIS", day: "2026-12-09")  // ordered a week later
            let proposals = try await rules.mergeCandidates(itemID: chest.id, orders: f.orders, calendar: f.calendar.calendar)
            #expect(proposals.map(\.orderItemId) == [abdomen.id])
            #expect(proposals.first?.reason.contains("同科室CT合并") == true)
            // Booked together: one visit, the same slot.
            let together = try await f.engine.bookTogether(itemIDs: [chest.id, abdomen.id], queue: f.queue.id, from: "2026-12-02", channel: "desk",
                                                           by: "t", now: f.now)
            #expect(together.count == 2 && Set(together.map(\.date)) == ["2026-12-02"] && Set(together.map(\.startTime)) == ["08:00"])
            #expect(try await f.slot("2026-12-02", "08:00").used == 2)
            // The first item books, the second is already booked: the first is undone.
            let fresh = try await order("CT-SINUS")
            let twice = await #expect(throws: DomainError.self) {
                _ = try await f.engine.bookTogether(itemIDs: [fresh.id, abdomen.id], queue: f.queue.id, from: "2026-12-03", channel: "desk", by: "t", now: f.now)
            }
            #expect(twice?.code == "already_booked")
            #expect(try await f.slot("2026-12-03", "08:00").used == 0, "nothing left behind when one item fails")
        }
    }
}

/// REG-13: a named performing doctor books into that doctor's shift.
struct DoctorShiftTests {
    @Test("a doctor's shifts: next-available for the doctor finds only them; a slot of another doctor refuses; the shift names the doctor",
          arguments: TestEngine.available)
    func shifts(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            let f = try await BookingRulesTests.Fixture.make(db, templates: [
                .init(kind: "daily", startTime: "08:00", endTime: "09:00", capacity: 4, doctor: "周明"),
                .init(kind: "daily", startTime: "09:00", endTime: "10:00", capacity: 4, doctor: "吴国华"),
                .init(kind: "daily", startTime: "10:00", endTime: "11:00", capacity: 4),
            ])
            let item = try await f.order("D1")
            let options = try await f.engine.nextAvailable(queue: f.queue.id, itemID: item.id, from: "2026-12-02", days: 1, doctor: "吴国华", now: f.now)
            #expect(options.map(\.startTime) == ["09:00", "10:00"], "the doctor's shift first, then slots open to any doctor")
            let wrong = await #expect(throws: DomainError.self) {
                _ = try await f.engine.book(.init(orderItemId: item.id, slotId: try await f.slot("2026-12-02", "08:00").id, channel: "desk",
                                                  performingDoctor: "吴国华"), by: "t", now: f.now)
            }
            #expect(wrong?.zh == "该时段为 周明 医生的班次")
            let booked = try await f.engine.book(.init(orderItemId: item.id, slotId: options[0].parts[0].slotId, channel: "desk", performingDoctor: "吴国华"),
                                                 by: "t", now: f.now)
            #expect(booked.appointment.performingDoctor == "吴国华")
            let other = try await f.book(try await f.order("D2"), try await f.slot("2026-12-02", "08:00"))
            #expect(other.performingDoctor == "周明", "a shift's slot names its doctor")
        }
    }
}

/// REG-06: a share kept for the online channels returns to the desk a set time before the slot.
struct ReservationTests {
    @Test("2 of 4 units kept for online bookings until 24 hours before; the desk gets them after that", arguments: TestEngine.available)
    func onlineReserveReturnsToDesk(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            let f = try await BookingRulesTests.Fixture.make(db, templates: [
                .init(kind: "daily", startTime: "08:00", endTime: "09:00", capacity: 4,
                      quotas: [Quota(dimension: "channelGroup", value: "online", max: 2, reserve: true, releaseHoursBefore: 24)])
            ])
            let early = f.at("2026-12-03", "09:00")  // two days before the slot of the 5th
            _ = try await f.book(try await f.order("K1"), try await f.slot("2026-12-05", "08:00"), at: early)
            _ = try await f.book(try await f.order("K2"), try await f.slot("2026-12-05", "08:00"), at: early)
            let third = try await f.order("K3")
            let kept = await #expect(throws: DomainError.self) { _ = try await f.book(third, try await f.slot("2026-12-05", "08:00"), at: early) }
            #expect(kept?.zh.contains("自助渠道预留") == true)
            // Online may use its share.
            let online = try await f.order("K4", channel: "wechat")
            _ = try await f.book(online, try await f.slot("2026-12-05", "08:00"), channel: "wechat", at: early)
            // 24 hours before the slot the unused unit of the share returns to the desk.
            _ = try await f.book(third, try await f.slot("2026-12-05", "08:00"), at: f.at("2026-12-04", "08:30"))
            let full = try await f.slot("2026-12-05", "08:00")
            #expect(full.used == 4 && full.quotaUse["channelGroup=online"] == 1)
        }
    }
}
