import DICOM
import DICOMNetwork
import Foundation
import Platform
import SQLKit

/// One scheduled procedure step offered to modalities on the worklist.
public struct WorklistItem: Sendable, Codable, Equatable {
    public var id: Int
    public var accessionNumber: String
    public var requestedProcedureId: String
    public var stepId: String
    public var patientId: String
    public var patientName: String
    public var birthDate: String
    public var sex: String
    public var modality: String
    public var stationAETitle: String
    public var scheduledDate: String
    public var scheduledTime: String
    public var procedureDescription: String
    public var stepDescription: String
    public var referringPhysician: String
    public var performingPhysician: String
    public var studyInstanceUID: String
    public var status: String
}

public struct WorklistItemInput: Sendable, Codable, Equatable {
    public var accessionNumber: String?
    public var requestedProcedureId: String?
    public var stepId: String?
    public var patientId: String?
    public var patientName: String?
    public var birthDate: String?
    public var sex: String?
    public var modality: String?
    public var stationAETitle: String?
    public var scheduledDate: String?
    public var scheduledTime: String?
    public var procedureDescription: String?
    public var stepDescription: String?
    public var referringPhysician: String?
    public var performingPhysician: String?
    /// The Study Instance UID the modality should use (the scheduling module assigns it at registration); made here
    /// when absent.
    public var studyInstanceUID: String?

    public init(accessionNumber: String? = nil, requestedProcedureId: String? = nil, stepId: String? = nil, patientId: String? = nil,
                patientName: String? = nil, birthDate: String? = nil, sex: String? = nil, modality: String? = nil, stationAETitle: String? = nil,
                scheduledDate: String? = nil, scheduledTime: String? = nil, procedureDescription: String? = nil, stepDescription: String? = nil,
                referringPhysician: String? = nil, performingPhysician: String? = nil, studyInstanceUID: String? = nil) {
        self.accessionNumber = accessionNumber
        self.requestedProcedureId = requestedProcedureId
        self.stepId = stepId
        self.patientId = patientId
        self.patientName = patientName
        self.birthDate = birthDate
        self.sex = sex
        self.modality = modality
        self.stationAETitle = stationAETitle
        self.scheduledDate = scheduledDate
        self.scheduledTime = scheduledTime
        self.procedureDescription = procedureDescription
        self.stepDescription = stepDescription
        self.referringPhysician = referringPhysician
        self.performingPhysician = performingPhysician
        self.studyInstanceUID = studyInstanceUID
    }
}

/// Modality Worklist (C-FIND) and MPPS (N-CREATE/N-SET) over the worklist table. Until the scheduling module
/// feeds it, items are created through the API.
public struct WorklistStore: WorklistService, MPPSService {
    let database: Database
    let applicationEntities: ApplicationEntityService

    public init(database: Database, applicationEntities: ApplicationEntityService) {
        self.database = database
        self.applicationEntities = applicationEntities
    }

    // MARK: API

    public func create(_ input: WorklistItemInput) async throws -> WorklistItem {
        var v = Validator()
        func required(_ value: String?, _ field: String, _ zh: String, _ en: String, max: Int) -> String {
            let t = value?.trimmingCharacters(in: .whitespaces) ?? ""
            if t.isEmpty { v.add(field, "required", "请填写\(zh)", "\(en) is required") }
            if t.count > max { v.add(field, "tooLong", "\(zh)不能超过 \(max) 个字符", "\(en) must be at most \(max) characters") }
            return t
        }
        let accession = required(input.accessionNumber, "accessionNumber", "检查号", "Accession number", max: 16)
        let patientID = required(input.patientId, "patientId", "患者 ID", "Patient ID", max: 64)
        let name = required(input.patientName, "patientName", "患者姓名", "Patient name", max: 64)
        let modality = required(input.modality, "modality", "设备类型", "Modality", max: 16).uppercased()
        let date = required(input.scheduledDate, "scheduledDate", "预约日期", "Scheduled date", max: 8)
        if !date.isEmpty && (date.count != 8 || Int(date) == nil) {
            v.add("scheduledDate", "invalid", "预约日期格式应为 YYYYMMDD", "Scheduled date must be YYYYMMDD")
        }
        if let sex = input.sex, !["", "M", "F", "O"].contains(sex) { v.add("sex", "invalid", "性别应为 M、F 或 O", "Sex must be M, F or O") }
        try v.check()
        let stamp = Timestamp.string()
        let studyUID = input.studyInstanceUID?.isEmpty == false ? input.studyInstanceUID! : UIDGenerator.make()
        let stepID = input.stepId?.isEmpty == false ? input.stepId! : accession
        let procedureID = input.requestedProcedureId?.isEmpty == false ? input.requestedProcedureId! : accession
        return try await database.write { sql in
            if try await sql.raw("SELECT id FROM worklist_items WHERE accession_number = \(bind: accession) AND step_id = \(bind: stepID)").first() != nil {
                throw DomainError.conflict("duplicate", "检查号 \(accession) 已在工作列表中", "Accession \(accession) is already on the worklist")
            }
            let id = try await sql.raw("""
                INSERT INTO worklist_items (accession_number, requested_procedure_id, step_id, patient_id, patient_name, name_search, birth_date,
                  sex, modality, station_ae, scheduled_date, scheduled_time, procedure_description, step_description, referring_physician,
                  performing_physician, study_uid, status, created_at, updated_at)
                VALUES (\(bind: accession), \(bind: procedureID), \(bind: stepID), \(bind: patientID), \(bind: name),
                        \(bind: QueryMatcher.nameSearchKey(name)), \(bind: input.birthDate ?? ""), \(bind: input.sex ?? ""), \(bind: modality),
                        \(bind: input.stationAETitle ?? ""), \(bind: date), \(bind: input.scheduledTime ?? ""),
                        \(bind: input.procedureDescription ?? ""), \(bind: input.stepDescription ?? ""), \(bind: input.referringPhysician ?? ""),
                        \(bind: input.performingPhysician ?? ""), \(bind: studyUID), 'SCHEDULED', \(bind: stamp), \(bind: stamp)) RETURNING id
                """).first()!.int("id")
            return try Self.decode(try await sql.raw("SELECT * FROM worklist_items WHERE id = \(bind: id)").first()!)
        }
    }

    /// The status of the worklist items with these accession numbers (SCHEDULED → IN PROGRESS → COMPLETED or
    /// DISCONTINUED as MPPS reports), for the registration desk.
    public func statuses(accessionNumbers: [String]) async throws -> [String: String] {
        guard !accessionNumbers.isEmpty else { return [:] }
        var list = SQLQueryString("(")
        for (n, a) in accessionNumbers.prefix(500).enumerated() { list = list + (n == 0 ? "" : ", ") + "\(bind: a)" }
        let condition = list + ")"
        return try await database.read { sql in
            var out: [String: String] = [:]
            for row in try await sql.raw("SELECT accession_number, status FROM worklist_items WHERE accession_number IN " + condition).all() {
                out[try row.string("accession_number")] = try row.string("status")
            }
            return out
        }
    }

    public func list(date: String?, status: String?, page: PageRequest) async throws -> Page<WorklistItem> {
        var filter: SQLQueryString = "1 = 1"
        if let date, !date.isEmpty { filter = filter + " AND scheduled_date = \(bind: date)" }
        if let status, !status.isEmpty { filter = filter + " AND status = \(bind: status)" }
        let condition = filter
        return try await database.read { sql in
            let total = try await sql.count("SELECT COUNT(*) AS n FROM worklist_items WHERE " + condition)
            let rows = try await sql.raw(
                "SELECT * FROM worklist_items WHERE " + condition
                    + " ORDER BY scheduled_date DESC, scheduled_time, id LIMIT \(unsafeRaw: String(page.pageSize)) OFFSET \(unsafeRaw: String(page.offset))"
            ).all()
            return Page(items: try rows.map(Self.decode), total: total, request: page)
        }
    }

    static func decode(_ row: any SQLRow) throws -> WorklistItem {
        WorklistItem(
            id: try row.int("id"), accessionNumber: try row.string("accession_number"), requestedProcedureId: try row.string("requested_procedure_id"),
            stepId: try row.string("step_id"), patientId: try row.string("patient_id"), patientName: try row.string("patient_name"),
            birthDate: try row.string("birth_date"), sex: try row.string("sex"), modality: try row.string("modality"),
            stationAETitle: try row.string("station_ae"), scheduledDate: try row.string("scheduled_date"), scheduledTime: try row.string("scheduled_time"),
            procedureDescription: try row.string("procedure_description"), stepDescription: try row.string("step_description"),
            referringPhysician: try row.string("referring_physician"), performingPhysician: try row.string("performing_physician"),
            studyInstanceUID: try row.string("study_uid"), status: try row.string("status"))
    }

    // MARK: Modality Worklist C-FIND

    public func find(identifier: DataSet, association: AssociationInfo) async throws -> [DataSet] {
        guard applicationEntities.allows(association.callingAETitle, "worklist") else {
            throw DIMSEError.status(DIMSEStatus.notAuthorized, "\(association.callingAETitle) may not read the worklist")
        }
        // Narrow by date and modality in SQL when the step item gives them; QueryMatcher decides the rest.
        var filter: SQLQueryString = "status IN ('SCHEDULED', 'IN PROGRESS')"
        let step = identifier.sequence(Tag(0x0040, 0x0100))?.first
        if let date = step?.string(Tag(0x0040, 0x0002))?.trimmingCharacters(in: .whitespaces), date.count == 8, Int(date) != nil {
            filter = filter + " AND scheduled_date = \(bind: date)"
        }
        if let modality = step?.string(.modality)?.trimmingCharacters(in: .whitespaces), !modality.isEmpty, !modality.contains("*"),
            !modality.contains("?"), !modality.contains("\\")
        {
            filter = filter + " AND modality = \(bind: modality.uppercased())"
        }
        let condition = filter
        let rows = try await database.read { sql in
            try await sql.raw("SELECT * FROM worklist_items WHERE " + condition + " ORDER BY scheduled_date, scheduled_time LIMIT 5000").all()
        }
        let charset = TextTranscoding.responseCharacterSet(for: identifier)
        var out: [DataSet] = []
        for row in rows {
            let candidate = Self.dataset(try Self.decode(row))
            guard QueryMatcher.matches(identifier, candidate) else { continue }
            out.append(QueryMatcher.response(to: identifier, from: candidate, charset: charset))
        }
        return out
    }

    /// The worklist item as the attributes of the Modality Worklist information model (PS3.4 K.6).
    static func dataset(_ item: WorklistItem) -> DataSet {
        var ds = DataSet()
        ds.characterSet = .utf8
        ds.set(.patientName, .PN, string: item.patientName)
        ds.set(.patientID, .LO, string: item.patientId)
        ds.set(Tag(0x0010, 0x0030), .DA, string: item.birthDate)
        ds.set(Tag(0x0010, 0x0040), .CS, string: item.sex)
        ds.set(.accessionNumber, .SH, string: item.accessionNumber)
        ds.set(Tag(0x0008, 0x0090), .PN, string: item.referringPhysician)
        ds.set(.studyInstanceUID, .UI, string: item.studyInstanceUID)
        ds.set(Tag(0x0040, 0x1001), .SH, string: item.requestedProcedureId)
        ds.set(Tag(0x0032, 0x1060), .LO, string: item.procedureDescription)
        var step = DataSet()
        step.characterSet = .utf8
        step.set(.modality, .CS, string: item.modality)
        step.set(Tag(0x0040, 0x0001), .AE, string: item.stationAETitle)
        step.set(Tag(0x0040, 0x0002), .DA, string: item.scheduledDate)
        step.set(Tag(0x0040, 0x0003), .TM, string: item.scheduledTime)
        step.set(Tag(0x0040, 0x0006), .PN, string: item.performingPhysician)
        step.set(Tag(0x0040, 0x0007), .LO, string: item.stepDescription)
        step.set(Tag(0x0040, 0x0009), .SH, string: item.stepId)
        step.set(Tag(0x0040, 0x0020), .CS, string: item.status == "IN PROGRESS" ? "STARTED" : "SCHEDULED")
        ds.set(Element(tag: Tag(0x0040, 0x0100), vr: .SQ, value: .sequence([step])))
        return ds
    }

    // MARK: MPPS

    static let statusTag = Tag(0x0040, 0x0252)
    static let scheduledStepAttributes = Tag(0x0040, 0x0270)

    public func create(sopInstanceUID: String, attributes: DataSet, association: AssociationInfo) async -> StoreOutcome {
        guard applicationEntities.allows(association.callingAETitle, "mpps") else {
            return StoreOutcome(status: DIMSEStatus.notAuthorized, comment: "\(association.callingAETitle) may not send MPPS")
        }
        let status = attributes.string(Self.statusTag)?.trimmingCharacters(in: .whitespaces) ?? ""
        guard status == "IN PROGRESS" else {
            return StoreOutcome(status: DIMSEStatus.invalidAttributeValue, comment: "Performed Procedure Step Status must be IN PROGRESS")
        }
        let scheduled = attributes.sequence(Self.scheduledStepAttributes)?.first
        let accession = scheduled?.string(.accessionNumber)?.trimmingCharacters(in: .whitespaces) ?? ""
        let studyUID = scheduled?.string(.studyInstanceUID) ?? ""
        let modality = attributes.string(.modality) ?? ""
        let stamp = Timestamp.string()
        do {
            return try await database.write { sql in
                if try await sql.raw("SELECT id FROM performed_procedure_steps WHERE sop_uid = \(bind: sopInstanceUID)").first() != nil {
                    return StoreOutcome(status: DIMSEStatus.duplicateSOPInstance, comment: "MPPS \(sopInstanceUID) exists")
                }
                try await sql.raw("""
                    INSERT INTO performed_procedure_steps (sop_uid, status, accession_number, study_uid, modality, source_ae, attributes, created_at, updated_at)
                    VALUES (\(bind: sopInstanceUID), \(bind: status), \(bind: accession), \(bind: studyUID), \(bind: modality),
                            \(bind: association.callingAETitle), \(bind: DICOMWriter.encode(attributes, syntax: .explicitVRLittleEndian).base64EncodedString()),
                            \(bind: stamp), \(bind: stamp))
                    """).run()
                if !accession.isEmpty {
                    try await sql.raw("UPDATE worklist_items SET status = 'IN PROGRESS', updated_at = \(bind: stamp) WHERE accession_number = \(bind: accession)").run()
                }
                return StoreOutcome(status: DIMSEStatus.success, comment: "MPPS IN PROGRESS \(accession)")
            }
        } catch {
            return StoreOutcome(status: DIMSEStatus.processingFailure, comment: "\(error)")
        }
    }

    public func update(sopInstanceUID: String, attributes: DataSet, association: AssociationInfo) async -> StoreOutcome {
        guard applicationEntities.allows(association.callingAETitle, "mpps") else {
            return StoreOutcome(status: DIMSEStatus.notAuthorized, comment: "\(association.callingAETitle) may not send MPPS")
        }
        let stamp = Timestamp.string()
        do {
            return try await database.write { sql in
                guard let row = try await sql.raw("SELECT status, accession_number, attributes FROM performed_procedure_steps WHERE sop_uid = \(bind: sopInstanceUID)").first() else {
                    return StoreOutcome(status: DIMSEStatus.noSuchSOPInstance, comment: "no MPPS \(sopInstanceUID)")
                }
                let current = try row.string("status")
                guard current == "IN PROGRESS" else {
                    // PS3.4 F.7.2.2: a step that is COMPLETED or DISCONTINUED may no longer be updated.
                    return StoreOutcome(status: DIMSEStatus.processingFailure, comment: "MPPS is \(current) and may not be changed")
                }
                let stored = Data(base64Encoded: try row.string("attributes")) ?? Data()
                var merged = (try? DICOMReader.readDataSet(stored, syntax: .explicitVRLittleEndian)) ?? DataSet()
                for element in attributes.elements { merged.set(element) }
                let status = merged.string(Self.statusTag)?.trimmingCharacters(in: .whitespaces) ?? current
                guard ["IN PROGRESS", "COMPLETED", "DISCONTINUED"].contains(status) else {
                    return StoreOutcome(status: DIMSEStatus.invalidAttributeValue, comment: "invalid status \(status)")
                }
                try await sql.raw("""
                    UPDATE performed_procedure_steps SET status = \(bind: status),
                      attributes = \(bind: DICOMWriter.encode(merged, syntax: .explicitVRLittleEndian).base64EncodedString()), updated_at = \(bind: stamp)
                    WHERE sop_uid = \(bind: sopInstanceUID)
                    """).run()
                let accession = try row.string("accession_number")
                if !accession.isEmpty, status != "IN PROGRESS" {
                    try await sql.raw("UPDATE worklist_items SET status = \(bind: status), updated_at = \(bind: stamp) WHERE accession_number = \(bind: accession)").run()
                }
                return StoreOutcome(status: DIMSEStatus.success, comment: "MPPS \(status) \(accession)")
            }
        } catch {
            return StoreOutcome(status: DIMSEStatus.processingFailure, comment: "\(error)")
        }
    }

    public func performedStepStatus(_ sopInstanceUID: String) async throws -> String? {
        try await database.read { sql in
            try await sql.raw("SELECT status FROM performed_procedure_steps WHERE sop_uid = \(bind: sopInstanceUID)").first()?.string("status")
        }
    }
}
