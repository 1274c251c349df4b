import Foundation
import Platform

/// Demo scheduling data (issue #7 item 10): four queues with a year of templates (weekday and weekend timetables,
/// a summer timetable for CT, New Year's Day closed), exam-number rules, and today's orders — some booked, some
/// registered and on the worklist — so a new user sees a living calendar. Does nothing when queues exist.
public enum SchedulingDemo {
    struct QueueSpec {
        let code, name, modality, station: String
        let capacity: Int
        let quotas: [Quota]
        let release: ReleaseRule?
    }

    static let queues = [
        QueueSpec(code: "CT1", name: "CT 1 号机", modality: "CT", station: "CT01", capacity: 6, quotas: [], release: nil),
        QueueSpec(code: "MR1", name: "MR 1 号机", modality: "MR", station: "MR01", capacity: 3, quotas: [],
                  release: ReleaseRule(onlySources: ["outpatient"], openToAllDaysBefore: 1)),
        QueueSpec(code: "DR1", name: "DR 摄片室", modality: "DR", station: "DR01", capacity: 10, quotas: [], release: nil),
        QueueSpec(code: "US1", name: "超声 1 诊室", modality: "US", station: "US01", capacity: 4,
                  quotas: [Quota(dimension: "orderType", value: "双胎", max: 1)], release: nil),
    ]

    static let patients: [(id: String, name: String, sex: String, birth: String, source: String, item: (String, String, String), queue: String)] = [
        ("DEMO0001", "Wang^Jianguo=王^建国", "M", "19580314", "outpatient", ("CT-CHEST", "胸部CT平扫", "CT"), "CT1"),
        ("DEMO0002", "Li^Xiulan=李^秀兰", "F", "19721105", "inpatient", ("MR-HEAD", "头颅MR平扫", "MR"), "MR1"),
        ("DEMO0003", "Zhang^Wei=张^伟", "M", "19900702", "outpatient", ("DR-CHEST", "胸部正侧位", "DR"), "DR1"),
        ("DEMO0004", "Zhao^Min=赵^敏", "F", "19850621", "outpatient", ("CT-ABD", "上腹部CT增强", "CT"), "CT1"),
        ("DEMO0005", "Chen^Jing=陈^静", "F", "19930918", "outpatient", ("US-OB", "产科超声（中孕）", "US"), "US1"),
        ("DEMO0006", "Liu^Yang=刘^洋", "M", "19770130", "emergency", ("CT-HEAD", "头颅CT平扫", "CT"), "CT1"),
        ("DEMO0007", "Sun^Li=孙^丽", "F", "19680412", "physical", ("DR-CHEST", "胸部正位（体检）", "DR"), "DR1"),
        ("DEMO0008", "Zhou^Qiang=周^强", "M", "19611225", "inpatient", ("MR-LSPINE", "腰椎MR平扫", "MR"), "MR1"),
    ]

    /// Loads the demo scheduling data; returns how many appointments it made.
    @discardableResult
    public static func load(_ s: SchedulingServices, now: Date = Date()) async throws -> Int {
        guard try await s.calendar.queues().isEmpty else { return 0 }
        let summer = try await s.calendar.createCycle(name: "夏季作息", startMD: "05-01", endMD: "09-30")
        let cal = s.calendar.calendar
        let today = s.today(now)
        let year = cal.component(.year, from: now)
        try await s.calendar.setHoliday(date: String(format: "%04d-01-01", year + 1), name: "元旦")
        for q in queues {
            let queue = try await s.calendar.createQueue(.init(code: q.code, name: q.name, modality: q.modality, department: "RAD", stationAETitle: q.station))
            func add(_ kind: String, weekday: Int? = nil, cycle: Int? = nil, from: String, to: String) async throws {
                var t = Self.minutes(from)
                while t < Self.minutes(to) {
                    _ = try await s.calendar.createTemplate(queue: queue.id, .init(
                        kind: kind, weekday: weekday, cycleId: cycle, startTime: Self.clock(t), endTime: Self.clock(t + 30), capacity: q.capacity,
                        quotas: q.quotas, releaseRule: q.release, openDays: 30))
                    t += 30
                }
            }
            try await add("daily", from: "08:00", to: "12:00")
            try await add("daily", from: "13:30", to: "17:00")
            for weekend in [6, 7] { try await add("weekday", weekday: weekend, from: "08:00", to: "12:00") }
            if q.code == "CT1" {
                try await add("cycle", cycle: summer, from: "08:00", to: "12:00")
                try await add("cycle", cycle: summer, from: "14:00", to: "17:30")
            }
            _ = try await s.numbers.save(.init(department: "RAD", modality: q.modality, prefix: q.modality, dateFormat: "yyMMdd", sequenceLength: 4,
                                               reset: "daily"))
        }
        _ = try await s.calendar.generate(from: today, days: s.horizonDays)
        let queueIDs = Dictionary(uniqueKeysWithValues: try await s.calendar.queues().map { ($0.code, $0.id) })
        var made = 0
        for (n, p) in patients.enumerated() {
            let (order, _) = try await s.orders.create(.init(
                patient: .init(patientId: p.id, name: p.name, sex: p.sex, birthDate: p.birth, phone: "1380571" + String(format: "%04d", 1000 + n)),
                source: p.source, department: p.source == "inpatient" ? "呼吸内科" : "门诊内科", requestingDoctor: "郑丽",
                priority: p.source == "emergency" ? "urgent" : "routine", channel: "his", diagnosis: "体检复查",
                items: [.init(itemCode: p.item.0, itemName: p.item.1, modality: p.item.2, orderType: p.item.2 == "US" ? "单胎" : "")]), by: "演示数据")
            guard let queue = queueIDs[p.queue],
                  let option = try await s.booking.nextAvailable(queue: queue, itemID: order.items[0].id, from: today, days: 7, limit: 1, now: now).first
            else { continue }
            let channel: BookingChannel = [.desk, .wechat, .clinician, .kiosk][n % 4]
            let (appointment, _) = try await s.booking.book(.init(orderItemId: order.items[0].id, parts: option.parts, channel: channel.rawValue),
                                                            by: "演示数据", now: now)
            made += 1
            // Half of them have arrived and are on the modality worklist.
            if n % 2 == 0 { _ = try await s.booking.checkIn(appointment.id, now: now) }
        }
        return made
    }

    static func minutes(_ hhmm: String) -> Int { SlotCalendar.minutes(hhmm) ?? 0 }
    static func clock(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
}
