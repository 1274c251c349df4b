import Archive
import Foundation
import Platform
import Scheduling

/// The domain services the HTTP layer calls. Handlers stay thin: parse, call, render.
public struct AppServices: Sendable {
    public let config: YunyingConfig
    public let database: Database
    public let audit: AuditLog
    public let auth: AuthService
    public let users: UserService
    public let roles: RoleService
    public let policies: SecurityPolicyStore
    public let dictionaries: DictionaryService
    public let transfer: DictionaryTransfer
    public let archive: ArchiveServices
    public let scheduling: SchedulingServices

    public init(config: YunyingConfig, database: Database, now: @escaping @Sendable () -> Date = { Date() }) {
        self.config = config
        self.database = database
        audit = AuditLog(database: database)
        auth = AuthService(database: database, audit: audit, now: now)
        users = UserService(database: database, auth: auth)
        roles = RoleService(database: database)
        policies = SecurityPolicyStore(database: database)
        dictionaries = DictionaryService(database: database)
        transfer = DictionaryTransfer(database: database)
        archive = ArchiveServices(config: config, database: database)
        scheduling = SchedulingServices(
            database: database, timeZone: TimeZone(identifier: config.timeZone) ?? TimeZone(identifier: "Asia/Shanghai")!,
            horizonDays: config.slotHorizonDays, worklist: ArchiveWorklistPublisher(store: archive.worklist),
            documentsRoot: URL(fileURLWithPath: config.dataDir).appendingPathComponent("order-forms", isDirectory: true))
    }
}

/// Registered exams go onto the archive's modality worklist; a repeated check-in finds its item already there.
struct ArchiveWorklistPublisher: WorklistPublisher {
    let store: WorklistStore

    func publish(_ exam: ScheduledExam) async throws {
        do {
            _ = try await store.create(WorklistItemInput(
                accessionNumber: exam.accessionNumber, patientId: exam.patientId, patientName: exam.patientName, birthDate: exam.birthDate,
                sex: exam.sex, modality: exam.modality, stationAETitle: exam.stationAETitle, scheduledDate: exam.date, scheduledTime: exam.time,
                procedureDescription: exam.procedureDescription, stepDescription: exam.procedureDescription,
                referringPhysician: exam.referringPhysician, performingPhysician: exam.performingPhysician,
                studyInstanceUID: exam.studyInstanceUID))
        } catch let error as DomainError where error.code == "duplicate" {
            return
        }
    }

    func statuses(accessionNumbers: [String]) async throws -> [String: String] {
        try await store.statuses(accessionNumbers: accessionNumbers)
    }
}
