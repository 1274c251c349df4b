import Crypto
import DICOM
import Foundation
import Logging
import Platform
import SQLKit

/// Patient corrections and merges (issue #5: "patient update and merge keep studies consistent"). The index and the
/// stored objects change together: every object of the patient is rewritten with the corrected attributes (written,
/// flushed and committed like an arrival, then the index points at it, then the old file goes), so what Q/R and
/// DICOMweb return, and what goes to the cloud again, says the same as the index.
public struct PatientService: Sendable {
    public let database: Database
    public let storage: TieredStorage
    let logger: Logger

    public init(database: Database, storage: TieredStorage, logger: Logger = Logger(label: "yunying.patients")) {
        self.database = database
        self.storage = storage
        self.logger = logger
    }

    public struct Patient: Codable, Sendable, Equatable {
        public var id: Int
        public var patientId: String
        public var issuer: String
        public var name: String
        public var sex: String
        public var birthDate: String
        public var studies: Int
    }

    public struct PatientInput: Codable, Sendable {
        public var patientName: String?
        public var sex: String?
        public var birthDate: String?
        public var patientId: String?
    }

    static func decode(_ row: any SQLRow) throws -> Patient {
        Patient(id: try row.int("id"), patientId: try row.string("patient_id"), issuer: try row.string("issuer"), name: try row.string("name"),
                sex: try row.string("sex"), birthDate: try row.string("birth_date"), studies: try row.int("n"))
    }

    static let select = """
        SELECT p.id, p.patient_id, p.issuer, p.name, p.sex, p.birth_date, (SELECT COUNT(*) FROM studies x WHERE x.patient_pk = p.id) AS n
        FROM patients p WHERE \n
        """

    /// Patients with at least one study in scope, by ID or any part of the name.
    public func search(_ text: String?, scope: Scope, page: PageRequest) async throws -> Page<Patient> {
        var condition: SQLQueryString = "EXISTS (SELECT 1 FROM studies s WHERE s.patient_pk = p.id AND " + ArchiveQueryService.scopeFilter(scope) + ")"
        if let t = text?.trimmingCharacters(in: .whitespaces), !t.isEmpty {
            condition = condition + " AND (p.patient_id = \(bind: t) OR p.name_search LIKE \(bind: "%" + QueryMatcher.sqlWildcard(QueryMatcher.compact(t)) + "%") ESCAPE '\\')"
        }
        let filter = condition
        return try await database.read { sql in
            let total = try await sql.count("SELECT COUNT(*) AS n FROM patients p WHERE " + filter)
            let rows = try await sql.raw(SQLQueryString(Self.select) + filter
                + " ORDER BY p.id DESC LIMIT \(unsafeRaw: String(page.pageSize)) OFFSET \(unsafeRaw: String(page.offset))").all()
            return Page(items: try rows.map(Self.decode), total: total, request: page)
        }
    }

    /// Corrections and merges change every study of a patient: all of them must be within the caller's scope.
    func requireWholePatient(_ id: Int, scope: Scope) async throws {
        guard !scope.allInstitutions else { return }
        let foreign = try await database.read { sql in
            try await sql.raw("SELECT s.id FROM studies s WHERE s.patient_pk = \(bind: id) AND NOT" + ArchiveQueryService.scopeFilter(scope)).first()
        }
        if foreign != nil {
            throw DomainError(status: 403, code: "patient_shared", zh: "该患者还有其他机构的检查，请由有全部机构权限的管理员处理",
                              en: "the patient has studies of other institutions; an administrator with access to all of them must do this")
        }
    }

    func fetch(_ id: Int, scope: Scope) async throws -> Patient {
        let row = try await database.read { sql in
            try await sql.raw(SQLQueryString(Self.select) + "p.id = \(bind: id) AND EXISTS (SELECT 1 FROM studies s WHERE s.patient_pk = p.id AND "
                + ArchiveQueryService.scopeFilter(scope) + ")").first()
        }
        guard let row else { throw DomainError.notFound("患者", "Patient") }
        return try Self.decode(row)
    }

    /// Corrects name, sex, birth date or patient ID; every stored object of the patient follows.
    public func update(_ id: Int, _ input: PatientInput, scope: Scope) async throws -> Patient {
        var p = try await fetch(id, scope: scope)
        try await requireWholePatient(id, scope: scope)
        var v = Validator()
        if let name = input.patientName?.trimmingCharacters(in: .whitespaces) {
            if name.isEmpty || name.count > 64 { v.add("patientName", "invalid", "姓名不能为空且不超过 64 个字符", "Name is 1-64 characters") } else { p.name = name }
        }
        if let sex = input.sex?.uppercased() {
            if !["", "M", "F", "O"].contains(sex) { v.add("sex", "invalid", "性别应为 M、F 或 O", "Sex is M, F or O") } else { p.sex = sex }
        }
        if let birth = input.birthDate?.replacingOccurrences(of: "-", with: "") {
            if !birth.isEmpty, birth.count != 8 || Int(birth) == nil { v.add("birthDate", "invalid", "出生日期格式应为 YYYY-MM-DD", "Birth date is YYYY-MM-DD") } else { p.birthDate = birth }
        }
        if let newID = input.patientId?.trimmingCharacters(in: .whitespaces), newID != p.patientId {
            if newID.isEmpty || newID.count > 64 { v.add("patientId", "invalid", "患者ID 不能为空且不超过 64 个字符", "Patient ID is 1-64 characters") }
            let issuer = p.issuer
            let taken = try await database.read { sql in
                try await sql.raw("SELECT id FROM patients WHERE patient_id = \(bind: newID) AND issuer = \(bind: issuer)").first()
            }
            if taken != nil {
                v.add("patientId", "exists", "该患者ID 已存在，请使用“合并患者”", "That patient ID exists; merge the patients instead")
            }
            p.patientId = newID
        }
        try v.check()
        let target = p
        try await database.write { sql in
            try await sql.raw("""
                UPDATE patients SET patient_id = \(bind: target.patientId), name = \(bind: target.name), name_search = \(bind: QueryMatcher.nameSearchKey(target.name)),
                  sex = \(bind: target.sex), birth_date = \(bind: target.birthDate), updated_at = \(bind: Timestamp.string()) WHERE id = \(bind: id)
                """).run()
        }
        try await rewriteObjects(ofPatient: id, as: target)
        return try await fetch(id, scope: scope)
    }

    /// Moves every study of `source` to `target` (same person registered twice) and removes `source`.
    public func merge(_ source: Int, into target: Int, scope: Scope) async throws -> Patient {
        guard source != target else { throw DomainError.badRequest("不能将患者合并到自身", "a patient cannot be merged into itself") }
        _ = try await fetch(source, scope: scope)
        let into = try await fetch(target, scope: scope)
        try await requireWholePatient(source, scope: scope)
        try await requireWholePatient(target, scope: scope)
        try await database.write { sql in
            try await sql.raw("UPDATE studies SET patient_pk = \(bind: target) WHERE patient_pk = \(bind: source)").run()
            try await sql.raw("DELETE FROM patients WHERE id = \(bind: source)").run()
        }
        try await rewriteObjects(ofPatient: target, as: into)
        return try await fetch(target, scope: scope)
    }

    /// Rewrites each object whose patient attributes differ from `p`.
    func rewriteObjects(ofPatient pk: Int, as p: Patient) async throws {
        let rows = try await database.read { sql in
            try await sql.raw("""
                SELECT i.id, i.storage_path, i.sop_uid FROM instances i JOIN series se ON se.id = i.series_pk JOIN studies s ON s.id = se.study_pk
                WHERE s.patient_pk = \(bind: pk) ORDER BY i.id
                """).all()
        }
        for row in rows {
            let id = try row.int("id"), key = try row.string("storage_path"), sop = try row.string("sop_uid")
            let file = try DICOMFile.read(contentsOf: try await storage.localFile(for: key))
            guard let coerced = Self.coerce(file, p) else { continue }
            let incoming = try storage.incomingFile()
            try DICOMWriter.write(coerced, to: incoming)
            let bytes = try Data(contentsOf: incoming, options: .alwaysMapped)
            let sha = Checksum.sha256(bytes)
            let newKey = LocalFileStorage.key(forSOPInstanceUID: sop, variant: UUID().uuidString.prefix(8).lowercased())
            try await storage.commit(incoming, key: newKey)
            try await database.write { sql in
                try await sql.raw("""
                    UPDATE instances SET storage_path = \(bind: newKey), sha256 = \(bind: sha), size_bytes = \(bind: bytes.count), tier = 'local',
                      cloud_status = 'pending', cloud_attempts = 0, updated_at = \(bind: Timestamp.string()) WHERE id = \(bind: id)
                    """).run()
            }
            try? storage.remove(key)
        }
        logger.info("patient \(p.patientId): \(rows.count) objects checked and rewritten where they differed")
    }

    /// The object with the index's patient attributes, or nil when it already has them. A data set whose character
    /// set cannot hold the new name is moved to UTF-8 as a whole.
    static func coerce(_ file: DICOMFile, _ p: Patient) -> DICOMFile? {
        var ds = file.dataset
        let same = (ds.string(.patientName) ?? "").trimmingCharacters(in: .whitespaces) == p.name
            && (ds.string(.patientID) ?? "").trimmingCharacters(in: .whitespaces) == p.patientId
            && (ds.string(Tag(0x0010, 0x0030)) ?? "").trimmingCharacters(in: .whitespaces) == p.birthDate
            && (ds.string(Tag(0x0010, 0x0040)) ?? "").trimmingCharacters(in: .whitespaces) == p.sex
        if same { return nil }
        if !p.name.allSatisfy(\.isASCII), !["ISO_IR 192", "GB18030", "GBK"].contains((ds.strings(.specificCharacterSet) ?? []).first ?? "") {
            var utf8 = DataSet()
            utf8.characterSet = .utf8
            for element in ds.elements where element.tag != .specificCharacterSet {
                utf8.set(TextTranscoding.copy(element, from: ds, into: .utf8))
            }
            utf8.set(.specificCharacterSet, .CS, string: "ISO_IR 192")
            ds = utf8
        }
        ds.set(.patientName, .PN, string: p.name)
        ds.set(.patientID, .LO, string: p.patientId)
        ds.set(Tag(0x0010, 0x0030), .DA, string: p.birthDate)
        ds.set(Tag(0x0010, 0x0040), .CS, string: p.sex)
        var out = file
        out.dataset = ds
        return out
    }
}
