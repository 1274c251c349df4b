import DICOM
import Foundation
import Logging
import Platform
import SQLKit

/// Matches arrived studies to the exam they were ordered for (DCM-06) and registers exams for studies that have none
/// when the policy allows (DCM-07). Exams are the worklist items (the scheduling module will feed them; until then the
/// worklist API does). Rules, in order:
/// 0. the Study Instance UID the worklist gave the modality comes back → matched;
/// 1. the accession number names an exam of the same patient → matched;
/// 2. an exam of the same patient ID and modality scheduled within the date window → matched (the reason notes a
///    different accession number, the "wrong accession" case);
/// 3. several candidates, or an accession number that names another patient's exam → review queue (冲突);
/// 3a. the department's own rules (`MatchingRules`), in their order: one candidate is matched or proposed for
///    confirmation (建议匹配) as the rule says, several go to the review queue;
/// 4. nothing: automatic registration when the modality is allowed (an exam is created from the image header and
///    flagged), else the review queue (未匹配).
/// Names never decide: two patients can share one.
public struct ExamMatcher: Sendable {
    public let database: Database
    /// Modalities registered automatically when nothing matches (`*` = all); empty = never.
    public var autoRegister: Set<String>
    /// How far apart the exam's scheduled date and the study date may be (days).
    public var windowDays: Int
    /// The configurable rules tried after the built-in ones; nil in tests that only need the built-in ones.
    public var rules: MatchingRules?
    /// Where "study matched" is reported.
    public var events: ArchiveEvents?
    let logger: Logger

    public init(database: Database, autoRegister: Set<String>, windowDays: Int = 1, logger: Logger = Logger(label: "yunying.matching")) {
        self.database = database
        self.autoRegister = autoRegister
        self.windowDays = windowDays
        self.logger = logger
    }

    public struct Candidate: Codable, Sendable, Equatable {
        public var id: Int
        public var accessionNumber: String
        public var patientId: String
        public var patientName: String
        public var modality: String
        public var scheduledDate: String
        public var procedureDescription: String
        public var status: String
    }

    struct StudyFacts {
        var pk: Int
        var uid: String
        var patientID: String
        var patientName: String
        var sex: String
        var birthDate: String
        var accession: String
        var date: String
        var time: String
        var description: String
        var referring: String
        var modalities: [String]
    }

    /// Tries every study not yet matched; returns how many it settled (matched, registered or queued for review).
    @discardableResult
    public func sweep(limit: Int = 200) async throws -> Int {
        let rows = try await database.read { sql in
            try await sql.raw("""
                SELECT s.id, s.study_uid, s.accession_number, s.study_date, s.study_time, s.description, s.referring_physician, s.modalities,
                  p.patient_id, p.name, p.sex, p.birth_date
                FROM studies s JOIN patients p ON p.id = s.patient_pk WHERE s.match_status = '' ORDER BY s.id LIMIT \(unsafeRaw: String(limit))
                """).all()
        }
        for row in rows {
            let facts = StudyFacts(
                pk: try row.int("id"), uid: try row.string("study_uid"), patientID: try row.string("patient_id"), patientName: try row.string("name"),
                sex: try row.string("sex"), birthDate: try row.string("birth_date"), accession: try row.string("accession_number"),
                date: try row.string("study_date"), time: try row.string("study_time"), description: try row.string("description"),
                referring: try row.string("referring_physician"),
                modalities: try row.string("modalities").split(separator: "\\").map(String.init))
            try await settle(facts)
        }
        return rows.count
    }

    /// Exams a study may still be linked to: not cancelled, not taken by another study.
    static let open: SQLQueryString = " AND status <> 'DISCONTINUED' AND id NOT IN (SELECT worklist_item_id FROM studies WHERE worklist_item_id IS NOT NULL)"

    func settle(_ s: StudyFacts) async throws {
        // 0. The Study Instance UID the worklist assigned (auto-registered exams carry their own study's too).
        if let exam = try await candidates("study_uid = \(bind: s.uid) AND status <> 'DISCONTINUED'").first {
            if exam.patientId == s.patientID {
                return try await link(s, exam: exam.id, status: "matched", reason: "Study Instance UID 与预约一致")
            }
            return try await link(s, exam: nil, status: "conflict",
                                  reason: "Study Instance UID 属于患者 \(exam.patientId)（\(exam.patientName)）的预约，与图像中的患者 ID \(s.patientID) 不一致")
        }
        // 1. Accession number.
        if !s.accession.isEmpty {
            let byAccession = try await candidates("accession_number = \(bind: s.accession)")
            if let exact = byAccession.first(where: { $0.patientId == s.patientID }) {
                return try await link(s, exam: exact.id, status: "matched", reason: "检查号 \(s.accession) 一致")
            }
            if let other = byAccession.first {
                return try await link(s, exam: nil, status: "conflict",
                                      reason: "检查号 \(s.accession) 属于患者 \(other.patientId)（\(other.patientName)），与图像中的患者 ID \(s.patientID) 不一致")
            }
        }
        // 2. Patient ID + modality + date window.
        if !s.patientID.isEmpty, let day = Self.day(s.date) {
            let low = Self.dicomDate(day.addingTimeInterval(-Double(windowDays) * 86_400))
            let high = Self.dicomDate(day.addingTimeInterval(Double(windowDays) * 86_400))
            let modalities = s.modalities.filter { !["SR", "KO", "PR", "OT", "DOC"].contains($0) }
            var found: [Candidate] = []
            if !modalities.isEmpty {
                var list = SQLQueryString("(")
                for (n, m) in modalities.enumerated() { list = list + (n == 0 ? "" : ", ") + "\(bind: m)" }
                let matchedAlready: SQLQueryString = "id NOT IN (SELECT worklist_item_id FROM studies WHERE worklist_item_id IS NOT NULL)"
                found = try await candidates(
                    "patient_id = \(bind: s.patientID) AND scheduled_date >= \(bind: low) AND scheduled_date <= \(bind: high) AND modality IN "
                        + list + ") AND " + matchedAlready)
            }
            if found.count == 1 {
                let note = s.accession.isEmpty ? "" : "（图像检查号 \(s.accession) 与预约 \(found[0].accessionNumber) 不同）"
                return try await link(s, exam: found[0].id, status: "matched", reason: "患者 ID、设备类型和检查日期一致" + note)
            }
            if found.count > 1 {
                return try await link(s, exam: nil, status: "conflict",
                                      reason: "同一患者有 \(found.count) 个候选检查（\(found.map(\.accessionNumber).joined(separator: "、"))），请人工确认")
            }
        }
        // 3a. The department's rules.
        for rule in try await rules?.list(activeOnly: true) ?? [] {
            guard let found = try await candidates(for: rule, s) else { continue }
            if found.count == 1 {
                let exam = found[0]
                if rule.action == .match {
                    return try await link(s, exam: exam.id, status: "matched", reason: "按规则「\(rule.name)」匹配到检查号 \(exam.accessionNumber)")
                }
                return try await link(s, exam: nil, status: "suggested", suggestion: exam.id,
                                      reason: "按规则「\(rule.name)」建议匹配检查号 \(exam.accessionNumber)（患者 ID \(exam.patientId)），请确认")
            }
            if found.count > 1 {
                return try await link(s, exam: nil, status: "conflict",
                                      reason: "规则「\(rule.name)」找到 \(found.count) 个候选检查（\(found.map(\.accessionNumber).joined(separator: "、"))），请人工确认")
            }
        }
        // 4. Nothing: register automatically or ask a person.
        let modality = s.modalities.first { !["SR", "KO", "PR"].contains($0) } ?? s.modalities.first ?? ""
        if !s.patientID.isEmpty, autoRegister.contains("*") || autoRegister.contains(modality) {
            let id = try await register(s, modality: modality)
            return try await link(s, exam: id, status: "auto-registered", reason: "未找到预约，已按图像信息自动补登记")
        }
        try await link(s, exam: nil, status: "unmatched", reason: s.patientID.isEmpty ? "图像没有患者 ID" : "未找到对应的检查预约")
    }

    /// The open exams a rule admits for the study; nil when the study lacks a fact the rule compares.
    func candidates(for rule: MatchingRules.Rule, _ s: StudyFacts) async throws -> [Candidate]? {
        var condition: SQLQueryString = "1 = 1"
        let groups = s.patientName.split(separator: "=").map { QueryMatcher.compact(String($0)) }.filter { !$0.isEmpty }
        for key in rule.keys {
            switch key {
            case .patientId:
                guard !s.patientID.isEmpty else { return nil }
                condition = condition + " AND patient_id = \(bind: s.patientID)"
            case .patientName:
                guard !groups.isEmpty else { return nil }
                var any = SQLQueryString(" AND (")
                for (n, g) in groups.enumerated() {
                    any = any + (n == 0 ? "" : " OR ") + "name_search LIKE \(bind: "%=" + QueryMatcher.sqlWildcard(g) + "=%") ESCAPE '\\'"
                }
                condition = condition + any + ")"
            case .birthDate:
                guard !s.birthDate.isEmpty else { return nil }
                condition = condition + " AND birth_date = \(bind: s.birthDate)"
            case .sex:
                guard !s.sex.isEmpty else { return nil }
                condition = condition + " AND sex = \(bind: s.sex)"
            case .modality:
                let modalities = s.modalities.filter { !["SR", "KO", "PR", "OT", "DOC"].contains($0) }
                guard !modalities.isEmpty else { return nil }
                var list = SQLQueryString(" AND modality IN (")
                for (n, m) in modalities.enumerated() { list = list + (n == 0 ? "" : ", ") + "\(bind: m)" }
                condition = condition + list + ")"
            case .accessionNumber:
                guard !s.accession.isEmpty else { return nil }
                condition = condition + " AND accession_number = \(bind: s.accession)"
            case .studyDate:
                guard let day = Self.day(s.date) else { return nil }
                let low = Self.dicomDate(day.addingTimeInterval(-Double(rule.windowDays) * 86_400))
                let high = Self.dicomDate(day.addingTimeInterval(Double(rule.windowDays) * 86_400))
                condition = condition + " AND scheduled_date >= \(bind: low) AND scheduled_date <= \(bind: high)"
            }
        }
        var found = try await candidates(condition + Self.open)
        if rule.keys.contains(.patientName) {
            // LIKE found names sharing a group's text; keep those where a whole group is equal.
            found = found.filter { exam in
                exam.patientName.split(separator: "=").map { QueryMatcher.compact(String($0)) }.contains(where: groups.contains)
            }
        }
        return found
    }

    func candidates(_ condition: SQLQueryString) async throws -> [Candidate] {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM worklist_items WHERE " + condition + " ORDER BY scheduled_date, id LIMIT 20").all().map(Self.decode)
        }
    }

    static func decode(_ row: any SQLRow) throws -> Candidate {
        Candidate(id: try row.int("id"), accessionNumber: try row.string("accession_number"), patientId: try row.string("patient_id"),
                  patientName: try row.string("patient_name"), modality: try row.string("modality"), scheduledDate: try row.string("scheduled_date"),
                  procedureDescription: try row.string("procedure_description"), status: try row.string("status"))
    }

    /// An exam made from the image header (补登记): flagged, already completed, keeps the image's accession number or
    /// gets one derived from the study.
    func register(_ s: StudyFacts, modality: String) async throws -> Int {
        let now = Timestamp.string()
        let accession = s.accession.isEmpty ? "AR" + String(s.pk) : s.accession
        return try await database.write { sql in
            try await sql.raw("""
                INSERT INTO worklist_items (accession_number, requested_procedure_id, step_id, patient_id, patient_name, name_search, birth_date,
                  sex, modality, station_ae, scheduled_date, scheduled_time, procedure_description, step_description, referring_physician,
                  performing_physician, study_uid, status, auto_registered, created_at, updated_at)
                VALUES (\(bind: accession), \(bind: accession), \(bind: "AR" + String(s.pk)), \(bind: s.patientID), \(bind: s.patientName),
                        \(bind: QueryMatcher.nameSearchKey(s.patientName)), \(bind: s.birthDate), \(bind: s.sex), \(bind: modality), '',
                        \(bind: s.date), \(bind: s.time), \(bind: s.description), '', \(bind: s.referring), '', \(bind: s.uid), 'COMPLETED',
                        \(bind: true), \(bind: now), \(bind: now))
                ON CONFLICT (accession_number, step_id) DO UPDATE SET updated_at = excluded.updated_at
                RETURNING id
                """).first()!.int("id")
        }
    }

    func link(_ s: StudyFacts, exam: Int?, status: String, suggestion: Int? = nil, reason: String) async throws {
        try await database.write { sql in
            try await sql.raw("""
                UPDATE studies SET match_status = \(bind: status), match_reason = \(bind: reason), worklist_item_id = \(bind: exam),
                  match_suggestion = \(bind: suggestion)
                WHERE id = \(bind: s.pk)
                """).run()
            if let exam, status == "matched" {
                try await sql.raw("UPDATE worklist_items SET status = 'COMPLETED', updated_at = \(bind: Timestamp.string()) WHERE id = \(bind: exam) AND status IN ('SCHEDULED', 'IN PROGRESS')").run()
            }
            if exam != nil, events != nil {
                try await ArchiveEvents.record(.studyMatched, studyUID: s.uid, patientID: s.patientID, detail: reason, sql: sql)
            }
        }
        if exam != nil { events?.published() }
        if status != "matched" && status != "auto-registered" { logger.info("study \(s.uid) needs review: \(reason)") }
    }

    static func day(_ dicom: String) -> Date? {
        guard dicom.count == 8 else { return nil }
        return Timestamp.parse("\(dicom.prefix(4))-\(dicom.dropFirst(4).prefix(2))-\(dicom.suffix(2))")
    }

    static func dicomDate(_ date: Date) -> String { String(Timestamp.string(date).prefix(10)).replacingOccurrences(of: "-", with: "") }

    // MARK: Review queue and manual matching

    public struct ReviewItem: Codable, Sendable, Equatable {
        public var studyUID: String
        public var patientId: String
        public var patientName: String
        public var accessionNumber: String
        public var studyDate: String
        public var modalities: String
        public var description: String
        public var status: String
        public var reason: String
        /// The exam a review rule proposed (listed first among the candidates).
        public var suggestedExamId: Int?
        /// Exams of the same patient (or with the study's accession number) a person can choose from.
        public var candidates: [Candidate]
    }

    /// Studies waiting for a person: unmatched and conflicting ones, with the exams that could be theirs.
    public func reviewQueue(scope: Scope, page: PageRequest) async throws -> Page<ReviewItem> {
        let condition: SQLQueryString = "s.match_status IN ('unmatched', 'conflict', 'suggested') AND " + ArchiveQueryService.scopeFilter(scope)
        let (total, rows) = try await database.read { sql in
            let total = try await sql.count("SELECT COUNT(*) AS n FROM studies s WHERE " + condition)
            let rows = try await sql.raw(
                """
                SELECT s.study_uid, s.accession_number, s.study_date, s.modalities, s.description, s.match_status, s.match_reason,
                  s.match_suggestion, p.patient_id, p.name FROM studies s JOIN patients p ON p.id = s.patient_pk WHERE \n
                """ + condition + " ORDER BY s.id DESC LIMIT \(unsafeRaw: String(page.pageSize)) OFFSET \(unsafeRaw: String(page.offset))"
            ).all()
            return (total, rows)
        }
        var items: [ReviewItem] = []
        for row in rows {
            let patient = try row.string("patient_id"), accession = try row.string("accession_number")
            let suggested = try row.intOrNil("match_suggestion")
            let options = try await candidates(
                "(patient_id = \(bind: patient) OR (accession_number = \(bind: accession) AND accession_number <> '') OR id = \(bind: suggested ?? -1))"
                    + " AND status <> 'DISCONTINUED'")
            items.append(ReviewItem(
                studyUID: try row.string("study_uid"), patientId: patient, patientName: try row.string("name"), accessionNumber: accession,
                studyDate: try row.string("study_date"), modalities: try row.string("modalities"), description: try row.string("description"),
                status: try row.string("match_status"), reason: try row.string("match_reason"), suggestedExamId: suggested,
                candidates: options.sorted { a, _ in a.id == suggested }))
        }
        return Page(items: items, total: total, request: page)
    }

    /// A person's decision: this study belongs to that exam (the exam must not already have a study).
    public func match(studyUID: String, examID: Int, scope: Scope, by user: String) async throws {
        let study = try await database.read { sql in
            try await sql.raw("SELECT s.id FROM studies s WHERE s.study_uid = \(bind: studyUID) AND " + ArchiveQueryService.scopeFilter(scope)).first()
        }
        guard let study else { throw DomainError.notFound("检查", "Study") }
        let exam = try await candidates("id = \(bind: examID)").first
        guard exam != nil else { throw DomainError.notFound("检查预约", "Exam") }
        try await database.write { sql in
            if let other = try await sql.raw("SELECT study_uid FROM studies WHERE worklist_item_id = \(bind: examID) AND study_uid <> \(bind: studyUID)").first() {
                throw DomainError.conflict("exam_taken", "该预约已与另一个检查（\(try other.string("study_uid"))）关联",
                                           "That exam is already matched to another study")
            }
            try await sql.raw("""
                UPDATE studies SET match_status = 'matched', match_reason = \(bind: "由 \(user) 人工匹配"), worklist_item_id = \(bind: examID),
                  match_suggestion = NULL
                WHERE id = \(bind: try study.int("id"))
                """).run()
            try await sql.raw("UPDATE worklist_items SET status = 'COMPLETED', updated_at = \(bind: Timestamp.string()) WHERE id = \(bind: examID) AND status IN ('SCHEDULED', 'IN PROGRESS')").run()
            if events != nil {
                let patient = try await sql.raw("""
                    SELECT p.patient_id FROM studies s JOIN patients p ON p.id = s.patient_pk WHERE s.id = \(bind: try study.int("id"))
                    """).first()?.string("patient_id") ?? ""
                try await ArchiveEvents.record(.studyMatched, studyUID: studyUID, patientID: patient, detail: "由 \(user) 人工匹配", sql: sql)
            }
        }
        events?.published()
    }

    public func loop(interval: Duration = .seconds(5)) async {
        while !Task.isCancelled {
            do { try await sweep() } catch { logger.error("exam matching: \(error)") }
            try? await Task.sleep(for: interval)
        }
    }
}
