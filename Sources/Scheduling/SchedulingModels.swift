import Foundation

/// Where a patient comes from (REG-03, REG-06): release rules and quotas key off it.
public enum PatientSource: String, Codable, Sendable, CaseIterable {
    case outpatient, inpatient, emergency, physical, external, subordinate

    public var zh: String {
        switch self {
        case .outpatient: "门诊"
        case .inpatient: "住院"
        case .emergency: "急诊"
        case .physical: "体检"
        case .external: "外院"
        case .subordinate: "下级医院"
        }
    }
}

/// How a booking arrived (REG-01). Self-service channels are closed to blacklisted patients (REG-17).
public enum BookingChannel: String, Codable, Sendable, CaseIterable {
    case clinician, ward, kiosk, app, wechat, alipay, desk, room, cashier, website, his

    public var zh: String {
        switch self {
        case .clinician: "医生开单预约"
        case .ward: "病区护士站"
        case .kiosk: "自助机"
        case .app: "手机 App"
        case .wechat: "微信公众号"
        case .alipay: "支付宝"
        case .desk: "预约中心"
        case .room: "检查室登记台"
        case .cashier: "收费处"
        case .website: "医院网站"
        case .his: "HIS 接口"
        }
    }

    public var selfService: Bool { [.kiosk, .app, .wechat, .alipay, .website].contains(self) }
}

public struct SchedPatient: Codable, Sendable, Equatable {
    public var id: Int
    public var patientId: String
    public var name: String
    public var sex: String
    public var birthDate: String
    public var idCard: String
    public var phone: String
    public var cardNo: String
    public var source: String
    public var institutionId: Int?
    public var noShows: Int
    public var blacklistedUntil: String?
    public var blacklistReason: String
}

public struct OrderItem: Codable, Sendable, Equatable {
    public var id: Int
    public var orderId: Int
    public var itemCode: String
    public var itemName: String
    public var modality: String
    public var examClass: String
    public var orderType: String
    public var units: Int
    public var status: String
    public var accessionNumber: String?
    public var studyInstanceUID: String?
    /// The item's live appointment (held, booked, checked in or no-show), if any.
    public var appointmentId: Int?
}

public struct Order: Codable, Sendable, Equatable {
    public var id: Int
    public var orderNo: String
    public var externalId: String?
    public var patient: SchedPatient
    public var source: String
    public var category: String
    public var institutionId: Int?
    public var ward: String
    public var department: String
    public var nursingUnit: String
    public var requestingDoctor: String
    public var priority: String
    public var channel: String
    public var diagnosis: String
    public var orderedAt: String
    public var bedside: Bool
    public var placeholder: Bool
    public var status: String
    public var items: [OrderItem]
}

public struct SchedQueue: Codable, Sendable, Equatable {
    public var id: Int
    public var code: String
    public var name: String
    public var modality: String
    public var department: String
    public var institutionId: Int?
    public var stationAETitle: String
    public var devices: String
    public var active: Bool
}

/// A share of a slot for one kind of booking: `dimension` is `orderType`, `examClass`, `source` or `channelGroup`
/// (`online` for the self-service channels, `desk` for the others).
/// - A cap (REG-04, `reserve` false): that kind may use at most `max` units; other kinds are not limited by it and may
///   take the whole slot (twin pregnancies capped, singletons fill the rest).
/// - A reservation (REG-06, `reserve` true): `max` units are kept for that kind until `releaseHoursBefore` hours
///   before the slot starts; then what is unused goes back to everyone (online quota returns to the desk).
public struct Quota: Codable, Sendable, Equatable, Hashable {
    public var dimension: String
    public var value: String
    public var max: Int
    public var reserve: Bool?
    public var releaseHoursBefore: Int?

    public init(dimension: String, value: String, max: Int, reserve: Bool? = nil, releaseHoursBefore: Int? = nil) {
        self.dimension = dimension
        self.value = value
        self.max = max
        self.reserve = reserve
        self.releaseHoursBefore = releaseHoursBefore
    }

    public var key: String { dimension + "=" + value }
    public var isReservation: Bool { reserve == true }
}

/// Who may book a slot when (REG-06): until `openToAllDaysBefore` days before the exam date only the listed sources,
/// from then on everyone.
public struct ReleaseRule: Codable, Sendable, Equatable {
    public var onlySources: [String]
    public var openToAllDaysBefore: Int

    public init(onlySources: [String], openToAllDaysBefore: Int) {
        self.onlySources = onlySources
        self.openToAllDaysBefore = openToAllDaysBefore
    }
}

public struct SlotTemplate: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Precedence, highest first: a date's own template, a holiday's, a seasonal cycle's, a weekday's, every day's.
        case date, holiday, cycle, weekday, daily

        public var rank: Int { Self.allCases.firstIndex(of: self)! }
    }

    public var id: Int
    public var queueId: Int
    public var kind: Kind
    /// 1 = Monday … 7 = Sunday (ISO 8601), for weekday templates and optionally inside a cycle.
    public var weekday: Int?
    public var onDate: String?
    public var cycleId: Int?
    public var startTime: String
    public var endTime: String
    public var capacity: Int
    public var quotas: [Quota]
    public var releaseRule: ReleaseRule?
    /// How many days before the exam date the slot may be booked (REG-18).
    public var openDays: Int
    /// The doctor whose shift this is (REG-13); empty: any doctor of the department.
    public var doctor: String
}

public struct Slot: Codable, Sendable, Equatable {
    public var id: Int
    public var queueId: Int
    public var date: String
    public var startTime: String
    public var endTime: String
    public var capacity: Int
    public var used: Int
    public var quotas: [Quota]
    public var quotaUse: [String: Int]
    public var releaseRule: ReleaseRule?
    public var openDays: Int
    public var doctor: String

    public var free: Int { max(0, capacity - used) }
}

public struct Appointment: Codable, Sendable, Equatable {
    public var id: Int
    public var orderItemId: Int
    public var queueId: Int
    public var date: String
    public var startTime: String
    public var status: String
    public var channel: String
    public var heldUntil: String?
    public var performingDoctor: String
    public var bookedBy: String
    public var checkedInAt: String?
    public var slots: [SlotUse]
    public var accessionNumber: String?
    public var studyInstanceUID: String?
    /// Preparation notes from the department's rules (fasting, a full bladder …), for the confirmation slip.
    public var preparations: [String]

    public struct SlotUse: Codable, Sendable, Equatable {
        public var slotId: Int
        public var startTime: String
        public var units: Int
    }
}
