import DICOM
import Foundation
import Platform
import SQLKit

/// Data management over the archive (DM-01..07): archived studies searched by patient, exam number, modality,
/// exam and archive time, campus and cloud upload status; completeness per study; statistics by type and time;
/// upload status by category; and who opened a study's images.
public struct ArchiveCatalog: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public struct StudyQuery: Sendable {
        public var patientName: String?
        public var patientId: String?
        public var accessionNumber: String?
        public var modality: String?
        public var studyFrom: String?
        public var studyTo: String?
        public var receivedFrom: String?
        public var receivedTo: String?
        public var institutionId: Int?
        /// uploaded (every instance in the cloud), partial, pending (nothing uploaded yet), failed (any upload failed).
        public var cloud: String?
        public init() {}
    }

    public struct CloudCounts: Codable, Sendable, Equatable {
        public var uploaded: Int
        public var pending: Int
        public var failed: Int
        public var evicted: Int
        /// uploaded / partial / pending / failed for the whole study.
        public var state: String
    }

    public struct StudyRow: Codable, Sendable, Equatable {
        public var studyUID: String
        public var patientName: String
        public var patientId: String
        public var sex: String
        public var birthDate: String
        public var accessionNumber: String
        public var studyDate: String
        public var studyTime: String
        public var modalities: String
        public var description: String
        public var institutionId: Int?
        public var institutionName: String
        public var numSeries: Int
        public var numInstances: Int
        public var sizeBytes: Int
        public var archivedAt: String
        public var lastReceivedAt: String
        /// When the study was found complete (nil while images may still arrive), and why.
        public var completedAt: String?
        public var completion: String
        /// matched, auto-registered, conflict, unmatched, or empty while matching has not run; why.
        public var matchStatus: String
        public var matchReason: String
        public var cloud: CloudCounts
        public var routingPending: Int
        public var routingFailed: Int
    }

    static let home = "(SELECT MIN(id) FROM institutions)"

    func filter(_ q: StudyQuery, scope: Scope) throws -> SQLQueryString {
        var parts: [SQLQueryString] = [ArchiveQueryService.scopeFilter(scope)]
        if let name = q.patientName?.trimmingCharacters(in: .whitespaces), !name.isEmpty {
            // Any part of any name group: 张三, 三, zhang, ZHANG^SAN all find Zhang^San=张^三.
            parts.append("p.name_search LIKE \(bind: "%" + QueryMatcher.sqlWildcard(QueryMatcher.compact(name)) + "%") ESCAPE '\\'")
        }
        if let id = q.patientId?.trimmingCharacters(in: .whitespaces), !id.isEmpty { parts.append("p.patient_id = \(bind: id)") }
        if let acc = q.accessionNumber?.trimmingCharacters(in: .whitespaces), !acc.isEmpty { parts.append("s.accession_number = \(bind: acc)") }
        if let m = q.modality?.trimmingCharacters(in: .whitespaces).uppercased(), !m.isEmpty {
            parts.append("EXISTS (SELECT 1 FROM series mx WHERE mx.study_pk = s.id AND UPPER(mx.modality) = \(bind: m))")
        }
        func day(_ value: String?, _ field: String) throws -> String? {
            guard let v = value?.replacingOccurrences(of: "-", with: ""), !v.isEmpty else { return nil }
            guard v.count == 8, Int(v) != nil else {
                throw DomainError.validation([FieldError(field: field, code: "invalid", zh: "日期格式应为 YYYY-MM-DD", en: "Dates are YYYY-MM-DD")])
            }
            return v
        }
        if let from = try day(q.studyFrom, "studyFrom") { parts.append("s.study_date >= \(bind: from)") }
        if let to = try day(q.studyTo, "studyTo") { parts.append("s.study_date <= \(bind: to)") }
        func iso(_ yyyymmdd: String) -> String {
            "\(yyyymmdd.prefix(4))-\(yyyymmdd.dropFirst(4).prefix(2))-\(yyyymmdd.suffix(2))"
        }
        if let from = try day(q.receivedFrom, "receivedFrom") { parts.append("s.created_at >= \(bind: iso(from))") }
        if let to = try day(q.receivedTo, "receivedTo") { parts.append("s.created_at <= \(bind: iso(to) + "T23:59:59.999Z")") }
        if let inst = q.institutionId { parts.append("COALESCE(s.institution_id, " + SQLQueryString(Self.home) + ") = \(bind: inst)") }
        if let cloud = q.cloud, !cloud.isEmpty {
            let any = { (status: String) -> SQLQueryString in
                "EXISTS (SELECT 1 FROM instances ci JOIN series cs ON cs.id = ci.series_pk WHERE cs.study_pk = s.id AND ci.cloud_status = \(bind: status))"
            }
            switch cloud {
            case "failed": parts.append(any("failed"))
            case "uploaded": parts.append("NOT " + any("pending") + " AND NOT " + any("failed"))
            case "pending": parts.append("NOT " + any("uploaded") + " AND NOT " + any("failed"))
            case "partial": parts.append(any("uploaded") + " AND " + any("pending") + " AND NOT " + any("failed"))
            default:
                throw DomainError.validation([FieldError(field: "cloud", code: "invalid", zh: "未知的上传状态：\(cloud)", en: "Unknown upload status: \(cloud)")])
            }
        }
        return parts.joined(separator: " AND ")
    }

    static let select = """
        SELECT s.id, s.study_uid, p.name, p.patient_id, p.sex, p.birth_date, s.accession_number, s.study_date, s.study_time, s.modalities,
          s.description, COALESCE(s.institution_id, \(home)) AS inst_id, ins.name AS inst_name, s.num_series, s.num_instances, s.size_bytes,
          s.created_at, s.last_received_at, s.completed_at, s.completion, s.match_status, s.match_reason,
          (SELECT COUNT(*) FROM instances ci JOIN series cs ON cs.id = ci.series_pk WHERE cs.study_pk = s.id AND ci.cloud_status = 'uploaded') AS c_up,
          (SELECT COUNT(*) FROM instances ci JOIN series cs ON cs.id = ci.series_pk WHERE cs.study_pk = s.id AND ci.cloud_status = 'pending') AS c_pend,
          (SELECT COUNT(*) FROM instances ci JOIN series cs ON cs.id = ci.series_pk WHERE cs.study_pk = s.id AND ci.cloud_status = 'failed') AS c_fail,
          (SELECT COUNT(*) FROM instances ci JOIN series cs ON cs.id = ci.series_pk WHERE cs.study_pk = s.id AND ci.tier = 's3') AS c_evict,
          (SELECT COUNT(*) FROM outbox o WHERE o.study_uid = s.study_uid AND o.status IN ('pending', 'sending')) AS r_pend,
          (SELECT COUNT(*) FROM outbox o WHERE o.study_uid = s.study_uid AND o.status = 'dead') AS r_dead
        FROM studies s JOIN patients p ON p.id = s.patient_pk LEFT JOIN institutions ins ON ins.id = COALESCE(s.institution_id, \(home))
        WHERE \n
        """

    static func decode(_ row: any SQLRow) throws -> StudyRow {
        let up = try row.int("c_up"), pending = try row.int("c_pend"), failed = try row.int("c_fail")
        let state = failed > 0 ? "failed" : pending == 0 ? "uploaded" : up == 0 ? "pending" : "partial"
        return StudyRow(
            studyUID: try row.string("study_uid"), patientName: try row.string("name"), patientId: try row.string("patient_id"),
            sex: try row.string("sex"), birthDate: try row.string("birth_date"), accessionNumber: try row.string("accession_number"),
            studyDate: try row.string("study_date"), studyTime: try row.string("study_time"), modalities: try row.string("modalities"),
            description: try row.string("description"), institutionId: try row.intOrNil("inst_id"),
            institutionName: (try? row.stringOrNil("inst_name")) ?? "", numSeries: try row.int("num_series"),
            numInstances: try row.int("num_instances"), sizeBytes: try row.int("size_bytes"), archivedAt: try row.string("created_at"),
            lastReceivedAt: try row.string("last_received_at"), completedAt: try row.stringOrNil("completed_at"),
            completion: try row.string("completion"), matchStatus: try row.string("match_status"), matchReason: try row.string("match_reason"),
            cloud: CloudCounts(uploaded: up, pending: pending, failed: failed, evicted: try row.int("c_evict"), state: state),
            routingPending: try row.int("r_pend"), routingFailed: try row.int("r_dead"))
    }

    public func studies(_ q: StudyQuery, scope: Scope, page: PageRequest) async throws -> Page<StudyRow> {
        let condition = try filter(q, scope: scope)
        return try await database.read { sql in
            let total = try await sql.count(
                "SELECT COUNT(*) AS n FROM studies s JOIN patients p ON p.id = s.patient_pk WHERE " + condition)
            let rows = try await sql.raw(
                SQLQueryString(Self.select) + condition
                    + " ORDER BY s.created_at DESC, s.id DESC LIMIT \(unsafeRaw: String(page.pageSize)) OFFSET \(unsafeRaw: String(page.offset))"
            ).all().map(Self.decode)
            return Page(items: rows, total: total, request: page)
        }
    }

    /// Every match (for the Excel export), capped.
    public func allStudies(_ q: StudyQuery, scope: Scope, limit: Int = 50_000) async throws -> [StudyRow] {
        let condition = try filter(q, scope: scope)
        return try await database.read { sql in
            try await sql.raw(SQLQueryString(Self.select) + condition + " ORDER BY s.created_at DESC, s.id DESC LIMIT \(unsafeRaw: String(limit))")
                .all().map(Self.decode)
        }
    }

    // MARK: Completeness (DM-02)

    public struct SeriesCompleteness: Codable, Sendable, Equatable {
        public var seriesUID: String
        public var seriesNumber: String
        public var modality: String
        public var description: String
        public var received: Int
        /// Images the modality reported in MPPS for this series, when it did.
        public var expected: Int?
        /// Gaps in the instance numbers (first 50).
        public var missingNumbers: [Int]
        public var complete: Bool
    }

    public struct Completeness: Codable, Sendable, Equatable {
        public var studyUID: String
        /// complete, incomplete, receiving (images arrived within the quiet period; wait).
        public var state: String
        public var reason: String
        public var mppsStatus: String?
        public var series: [SeriesCompleteness]
    }

    /// Whether a study has everything: MPPS says which series and how many images, else instance numbers must run
    /// without gaps; a study that received images in the last `quiet` is still arriving.
    public func completeness(studyUID: String, scope: Scope, quiet: Duration = .seconds(300)) async throws -> Completeness {
        let data = try await database.read { sql -> (study: any SQLRow, series: [any SQLRow], numbers: [any SQLRow], mpps: [any SQLRow])? in
            guard let study = try await sql.raw(
                "SELECT s.id, s.last_received_at FROM studies s WHERE s.study_uid = \(bind: studyUID) AND " + ArchiveQueryService.scopeFilter(scope)
            ).first() else { return nil }
            let pk = try study.int("id")
            let series = try await sql.raw("""
                SELECT id, series_uid, series_number, modality, description, num_instances FROM series WHERE study_pk = \(bind: pk)
                ORDER BY LENGTH(series_number), series_number, id
                """).all()
            let numbers = try await sql.raw("""
                SELECT i.series_pk, i.instance_number FROM instances i JOIN series se ON se.id = i.series_pk WHERE se.study_pk = \(bind: pk)
                """).all()
            let mpps = try await sql.raw(
                "SELECT status, attributes FROM performed_procedure_steps WHERE study_uid = \(bind: studyUID) ORDER BY id").all()
            return (study, series, numbers, mpps)
        }
        guard let data else { throw DomainError.notFound("检查", "Study") }
        // Images per series the modality reported as performed (PS3.4 F.7.2.2: Performed Series Sequence).
        var expected: [String: Int] = [:]
        var mppsStatus: String?
        for row in data.mpps {
            mppsStatus = try row.string("status")
            guard let bytes = Data(base64Encoded: try row.string("attributes")),
                let ds = try? DICOMReader.readDataSet(bytes, syntax: .explicitVRLittleEndian)
            else { continue }
            for item in ds.sequence(Tag(0x0040, 0x0340)) ?? [] {
                guard let uid = item.string(.seriesInstanceUID)?.trimmingCharacters(in: .whitespaces) else { continue }
                expected[uid, default: 0] += (item.sequence(Tag(0x0008, 0x1140)) ?? []).count
            }
        }
        var numbersBySeries: [Int: [Int]] = [:]
        for row in data.numbers {
            if let n = Int((try? row.string("instance_number")) ?? "") { numbersBySeries[try row.int("series_pk"), default: []].append(n) }
        }
        var series: [SeriesCompleteness] = []
        for row in data.series {
            let uid = try row.string("series_uid"), received = try row.int("num_instances")
            let numbers = Set(numbersBySeries[try row.int("id")] ?? [])
            var missing: [Int] = []
            if let lo = numbers.min(), let hi = numbers.max(), case let (span, overflow) = hi.subtractingReportingOverflow(lo), !overflow, span < 100_000 {
                for n in lo...hi where !numbers.contains(n) {
                    missing.append(n)
                    if missing.count >= 50 { break }
                }
            }
            let want = expected[uid]
            let complete = want.map { received >= $0 } ?? missing.isEmpty
            series.append(SeriesCompleteness(seriesUID: uid, seriesNumber: try row.string("series_number"), modality: try row.string("modality"),
                                             description: try row.string("description"), received: received, expected: want,
                                             missingNumbers: missing, complete: complete))
        }
        let missingSeries = expected.keys.filter { uid in !series.contains { $0.seriesUID == uid } }
        let last = Timestamp.parse(try data.study.string("last_received_at")) ?? Date.distantPast
        let arriving = Date().timeIntervalSince(last) < Double(quiet.components.seconds)
        let state: String
        let reason: String
        if !missingSeries.isEmpty {
            state = arriving ? "receiving" : "incomplete"
            reason = "MPPS 报告的 \(missingSeries.count) 个序列尚未收到"
        } else if let bad = series.first(where: { !$0.complete }) {
            state = arriving ? "receiving" : "incomplete"
            reason = bad.expected.map { "序列 \(bad.seriesNumber) 应有 \($0) 幅，已收到 \(bad.received) 幅" }
                ?? "序列 \(bad.seriesNumber) 图像编号不连续，缺少 \(bad.missingNumbers.prefix(5).map(String.init).joined(separator: "、"))\(bad.missingNumbers.count > 5 ? " 等" : "")"
        } else if arriving {
            state = "receiving"
            reason = "最近仍有图像到达，请稍候再检查"
        } else {
            state = "complete"
            reason = expected.isEmpty ? "图像编号连续，未发现缺失" : "与 MPPS 报告的序列和图像数一致"
        }
        return Completeness(studyUID: studyUID, state: state, reason: reason, mppsStatus: mppsStatus, series: series)
    }

    // MARK: Statistics (DM-03, DM-06)

    public struct StatRow: Codable, Sendable, Equatable {
        public var key: String
        public var studies: Int
        public var instances: Int
        public var bytes: Int
    }

    /// Archived studies grouped by `by`: modality, studyMonth/studyDay (exam time), archiveMonth/archiveDay (archive
    /// time) or institution, between `from` and `to` (archive time, YYYY-MM-DD).
    public func statistics(by: String, from: String?, to: String?, scope: Scope) async throws -> [StatRow] {
        let key: String
        switch by {
        case "modality": key = "s.modalities"
        case "studyMonth": key = "SUBSTR(s.study_date, 1, 6)"
        case "studyDay": key = "s.study_date"
        case "archiveMonth": key = "SUBSTR(s.created_at, 1, 7)"
        case "archiveDay": key = "SUBSTR(s.created_at, 1, 10)"
        case "institution": key = "COALESCE(ins.name, '')"
        default:
            throw DomainError.validation([FieldError(field: "by", code: "invalid", zh: "未知的统计维度：\(by)", en: "Unknown grouping: \(by)")])
        }
        var q = StudyQuery()
        q.receivedFrom = from
        q.receivedTo = to
        let condition = try filter(q, scope: scope)
        return try await database.read { sql in
            try await sql.raw(
                SQLQueryString("SELECT " + key + " AS k, COUNT(*) AS n, CAST(COALESCE(SUM(s.num_instances), 0) AS BIGINT) AS i, ")
                    + "CAST(COALESCE(SUM(s.size_bytes), 0) AS BIGINT) AS b FROM studies s JOIN patients p ON p.id = s.patient_pk "
                    + SQLQueryString("LEFT JOIN institutions ins ON ins.id = COALESCE(s.institution_id, " + Self.home + ") WHERE ")
                    + condition + SQLQueryString(" GROUP BY " + key + " ORDER BY 1")
            ).all().map { row in
                StatRow(key: (try? row.stringOrNil("k")) ?? "", studies: try row.int("n"), instances: try row.int("i"), bytes: try row.int("b"))
            }
        }
    }

    public struct UploadRow: Codable, Sendable, Equatable {
        public var key: String
        public var uploaded: Int
        public var pending: Int
        public var failed: Int
    }

    /// Cloud upload status of instances grouped by modality, institution or archive day (DM-06).
    public func uploadStatus(by: String, scope: Scope) async throws -> [UploadRow] {
        let key: String
        switch by {
        case "modality": key = "se.modality"
        case "institution": key = "COALESCE(ins.name, '')"
        case "archiveDay": key = "SUBSTR(s.created_at, 1, 10)"
        default:
            throw DomainError.validation([FieldError(field: "by", code: "invalid", zh: "未知的统计维度：\(by)", en: "Unknown grouping: \(by)")])
        }
        let condition = ArchiveQueryService.scopeFilter(scope)
        return try await database.read { sql in
            try await sql.raw(
                SQLQueryString("SELECT " + key + " AS k, ")
                    + "SUM(CASE WHEN i.cloud_status = 'uploaded' THEN 1 ELSE 0 END) AS up, "
                    + "SUM(CASE WHEN i.cloud_status = 'pending' THEN 1 ELSE 0 END) AS pend, "
                    + "SUM(CASE WHEN i.cloud_status = 'failed' THEN 1 ELSE 0 END) AS fail "
                    + "FROM instances i JOIN series se ON se.id = i.series_pk JOIN studies s ON s.id = se.study_pk "
                    + SQLQueryString("LEFT JOIN institutions ins ON ins.id = COALESCE(s.institution_id, " + Self.home + ") WHERE ")
                    + condition + SQLQueryString(" GROUP BY " + key + " ORDER BY 1")
            ).all().map { row in
                UploadRow(key: (try? row.stringOrNil("k")) ?? "", uploaded: try row.int("up"), pending: try row.int("pend"),
                          failed: try row.int("fail"))
            }
        }
    }

    public struct StorageSummary: Codable, Sendable, Equatable {
        public var objectStore: Bool
        public var instances: Int
        public var bytes: Int
        public var uploaded: Int
        public var pending: Int
        public var failed: Int
        public var evicted: Int
        /// Objects whose last check found them damaged or missing, and how many were checked at all.
        public var damaged: Int
        public var verified: Int
    }

    public func storageSummary(objectStore: Bool) async throws -> StorageSummary {
        try await database.read { sql in
            let row = try await sql.raw("""
                SELECT COUNT(*) AS n, CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) AS b,
                  SUM(CASE WHEN cloud_status = 'uploaded' THEN 1 ELSE 0 END) AS up,
                  SUM(CASE WHEN cloud_status = 'pending' THEN 1 ELSE 0 END) AS pend,
                  SUM(CASE WHEN cloud_status = 'failed' THEN 1 ELSE 0 END) AS fail,
                  SUM(CASE WHEN tier = 's3' THEN 1 ELSE 0 END) AS ev,
                  SUM(CASE WHEN integrity IN ('corrupt', 'missing') THEN 1 ELSE 0 END) AS bad,
                  SUM(CASE WHEN verified_at IS NOT NULL THEN 1 ELSE 0 END) AS ver
                FROM instances
                """).first()!
            return StorageSummary(objectStore: objectStore, instances: try row.int("n"), bytes: try row.int("b"),
                                  uploaded: (try? row.int("up")) ?? 0, pending: (try? row.int("pend")) ?? 0, failed: (try? row.int("fail")) ?? 0,
                                  evicted: (try? row.int("ev")) ?? 0, damaged: (try? row.int("bad")) ?? 0, verified: (try? row.int("ver")) ?? 0)
        }
    }

    // MARK: Access (DM-04)

    public struct Access: Codable, Sendable, Equatable {
        public var at: String
        public var username: String
        public var clientIp: String
        public var action: String
        public var outcome: String
        public var detail: String
    }

    /// Who opened this study's images, searched it or downloaded it, newest first (from the audit trail).
    public func accessLog(studyUID: String, scope: Scope, page: PageRequest) async throws -> Page<Access> {
        let visible = try await database.read { sql in
            try await sql.raw("SELECT s.id FROM studies s WHERE s.study_uid = \(bind: studyUID) AND " + ArchiveQueryService.scopeFilter(scope)).first()
        }
        guard visible != nil else { throw DomainError.notFound("检查", "Study") }
        return try await database.read { sql in
            let condition: SQLQueryString = "object_id = \(bind: studyUID) AND (action LIKE 'dicomweb.%' OR action LIKE 'viewer.%' OR action LIKE 'archive.%')"
            let total = try await sql.count("SELECT COUNT(*) AS n FROM audit_log WHERE " + condition)
            let rows = try await sql.raw(
                "SELECT at, username, client_ip, action, outcome, detail FROM audit_log WHERE " + condition
                    + " ORDER BY id DESC LIMIT \(unsafeRaw: String(page.pageSize)) OFFSET \(unsafeRaw: String(page.offset))"
            ).all().map { row in
                Access(at: try row.string("at"), username: (try? row.stringOrNil("username")) ?? "", clientIp: (try? row.stringOrNil("client_ip")) ?? "",
                       action: try row.string("action"), outcome: try row.string("outcome"), detail: (try? row.stringOrNil("detail")) ?? "")
            }
            return Page(items: rows, total: total, request: page)
        }
    }
}
