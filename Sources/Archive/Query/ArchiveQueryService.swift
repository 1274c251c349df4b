import DICOM
import DICOMNetwork
import Foundation
import Platform
import SQLKit

/// Q/R FIND, MOVE and GET over the archive index. Indexed keys narrow the candidates in SQL; every key is then
/// matched exactly by `QueryMatcher`; keys the index does not hold are read from a representative stored object
/// (the first instance of the level), so any attribute can be queried and returned.
public struct ArchiveQueryService: QueryService, RetrieveService {
    public let database: Database
    public let storage: any StorageBackend
    public let aeTitle: String
    public let applicationEntities: ApplicationEntityService
    /// More matches than this end the query with 0xA700 rather than flooding the requestor.
    public var maxMatches = 5000

    public init(database: Database, storage: any StorageBackend, aeTitle: String, applicationEntities: ApplicationEntityService) {
        self.database = database
        self.storage = storage
        self.aeTitle = aeTitle
        self.applicationEntities = applicationEntities
    }

    public enum Level: String, Sendable, CaseIterable {
        case patient = "PATIENT", study = "STUDY", series = "SERIES", image = "IMAGE"
        var depth: Int { Self.allCases.firstIndex(of: self)! }
    }

    /// Index columns by tag and the level they belong to.
    struct Column {
        let tag: Tag
        let vr: VR
        let sql: String
        let level: Level
    }

    static let columns: [Column] = [
        Column(tag: .patientID, vr: .LO, sql: "p.patient_id", level: .patient),
        Column(tag: Tag(0x0010, 0x0021), vr: .LO, sql: "p.issuer", level: .patient),
        Column(tag: .patientName, vr: .PN, sql: "p.name", level: .patient),
        Column(tag: Tag(0x0010, 0x0030), vr: .DA, sql: "p.birth_date", level: .patient),
        Column(tag: Tag(0x0010, 0x0040), vr: .CS, sql: "p.sex", level: .patient),
        Column(tag: .studyInstanceUID, vr: .UI, sql: "s.study_uid", level: .study),
        Column(tag: .studyDate, vr: .DA, sql: "s.study_date", level: .study),
        Column(tag: Tag(0x0008, 0x0030), vr: .TM, sql: "s.study_time", level: .study),
        Column(tag: .accessionNumber, vr: .SH, sql: "s.accession_number", level: .study),
        Column(tag: Tag(0x0020, 0x0010), vr: .SH, sql: "s.study_id", level: .study),
        Column(tag: Tag(0x0008, 0x1030), vr: .LO, sql: "s.description", level: .study),
        Column(tag: Tag(0x0008, 0x0090), vr: .PN, sql: "s.referring_physician", level: .study),
        Column(tag: Tag(0x0008, 0x0080), vr: .LO, sql: "s.institution", level: .study),
        Column(tag: Tag(0x0008, 0x0061), vr: .CS, sql: "s.modalities", level: .study),
        Column(tag: Tag(0x0008, 0x0062), vr: .UI, sql: "s.sop_classes", level: .study),
        Column(tag: Tag(0x0020, 0x1206), vr: .IS, sql: "s.num_series", level: .study),
        Column(tag: Tag(0x0020, 0x1208), vr: .IS, sql: "s.num_instances", level: .study),
        Column(tag: .seriesInstanceUID, vr: .UI, sql: "se.series_uid", level: .series),
        Column(tag: .modality, vr: .CS, sql: "se.modality", level: .series),
        Column(tag: Tag(0x0020, 0x0011), vr: .IS, sql: "se.series_number", level: .series),
        Column(tag: Tag(0x0008, 0x103E), vr: .LO, sql: "se.description", level: .series),
        Column(tag: Tag(0x0018, 0x0015), vr: .CS, sql: "se.body_part", level: .series),
        Column(tag: Tag(0x0008, 0x1010), vr: .SH, sql: "se.station_name", level: .series),
        Column(tag: Tag(0x0008, 0x0021), vr: .DA, sql: "se.series_date", level: .series),
        Column(tag: Tag(0x0020, 0x1209), vr: .IS, sql: "se.num_instances", level: .series),
        Column(tag: .sopInstanceUID, vr: .UI, sql: "i.sop_uid", level: .image),
        Column(tag: .sopClassUID, vr: .UI, sql: "i.sop_class_uid", level: .image),
        Column(tag: Tag(0x0020, 0x0013), vr: .IS, sql: "i.instance_number", level: .image),
    ]

    static let patientCounts: [(Tag, String)] = [
        (Tag(0x0020, 0x1200), "n_studies"), (Tag(0x0020, 0x1202), "n_series"), (Tag(0x0020, 0x1204), "n_instances"),
    ]

    // MARK: FIND

    public func find(model: QueryModel, identifier: DataSet, association: AssociationInfo) async throws -> [DataSet] {
        let level = try Self.level(of: identifier, model: model)
        let combined = association.negotiated(model == .patientRoot ? SOPClass.patientRootFind : SOPClass.studyRootFind, option: 1)
        // Combined matching makes the time key depend on the date: the index's separate time filter would drop
        // matches (22:00 on the first day of a night range), so SQL filters the dates only.
        var sqlKeys = identifier
        if combined { for (_, time) in QueryMatcher.dateTimePairs { sqlKeys.remove(time) } }
        let candidates = try await self.candidates(level: level, identifier: identifier, sqlIdentifier: sqlKeys)
        let charset = TextTranscoding.responseCharacterSet(for: identifier)
        var out: [DataSet] = []
        for candidate in candidates where QueryMatcher.matches(identifier, candidate, combinedDateTime: combined) {
            out.append(response(identifier, candidate: candidate, level: level, charset: charset))
            if out.count > maxMatches { throw DIMSEError.status(0xA700, "more than \(maxMatches) matches; narrow the query") }
        }
        return out
    }

    static func level(of identifier: DataSet, model: QueryModel) throws -> Level {
        let text = (identifier.string(QueryMatcher.queryRetrieveLevel) ?? "").trimmingCharacters(in: .whitespaces)
        guard let level = Level(rawValue: text) else {
            throw DIMSEError.status(0xA900, "Query/Retrieve Level \(text.isEmpty ? "missing" : text) not valid")
        }
        if model == .studyRoot && level == .patient { throw DIMSEError.status(0xA900, "PATIENT level is not in the Study Root model") }
        return level
    }

    /// Rows of the level, filtered in SQL by the indexed keys that have values, each as a data set of the indexed
    /// attributes (UTF-8) completed from a representative object when the identifier asks for more.
    /// - Parameters:
    ///   - restrict: an extra SQL condition (a user's scope, a study the URL names), over the aliases `p`, `s`, `se`, `i`.
    ///   - order: the ORDER BY list (QIDO lists newest studies first; C-FIND keeps index order).
    func candidates(level: Level, identifier: DataSet, sqlIdentifier: DataSet? = nil, restrict: SQLQueryString? = nil, order: String = "1",
                    window: (limit: Int, offset: Int)? = nil) async throws -> [DataSet] {
        let columns = Self.columns.filter { $0.level.depth <= level.depth }
        let geometry = level == .image ? Self.geometry : []
        let needed = identifier.tags.filter { tag in
            tag.group != 0x0002 && tag != .specificCharacterSet && tag != QueryMatcher.queryRetrieveLevel
                && !columns.contains { $0.tag == tag } && !Self.patientCounts.contains { $0.0 == tag }
                && !geometry.contains { $0.tag == tag } && tag != Tag(0x0008, 0x0054) && tag != Tag(0x0008, 0x0056)
        }
        var select = columns.map { "\($0.sql) AS \(Self.alias($0.tag))" } + geometry.map { "\($0.sql) AS \(Self.alias($0.tag))" }
        // The representative object is looked up only when a key outside the index is asked for.
        if !needed.isEmpty { select.append(level == .image ? "i.storage_path AS rep_path" : Self.representativePath(level)) }
        if level == .patient {
            select.append("(SELECT COUNT(*) FROM studies x WHERE x.patient_pk = p.id) AS n_studies")
            select.append("(SELECT COUNT(*) FROM series y JOIN studies x ON x.id = y.study_pk WHERE x.patient_pk = p.id) AS n_series")
            select.append("(SELECT CAST(COALESCE(SUM(x.num_instances), 0) AS BIGINT) FROM studies x WHERE x.patient_pk = p.id) AS n_instances")
        }
        let from = Self.from(level)
        let keys = sqlIdentifier ?? identifier
        let filter = restrict.map { Self.sqlFilter(keys, columns: columns) + " AND " + $0 } ?? Self.sqlFilter(keys, columns: columns)
        let limit = maxMatches * 10 + 1  // candidates; the match limit applies after exact matching
        let head: String = "SELECT " + select.joined(separator: ", ") + " FROM " + from + " WHERE "
        // With a window the caller knows SQL decides every key exactly, so paging happens in the database.
        let tail: String = " ORDER BY " + order + (window.map { " LIMIT \($0.limit) OFFSET \($0.offset)" } ?? " LIMIT " + String(limit))
        let rows = try await database.read { sql in
            try await sql.raw(SQLQueryString(head) + filter + SQLQueryString(tail)).all()
        }
        if window == nil, rows.count >= limit { throw DIMSEError.status(0xA700, "more than \(maxMatches * 10) candidates; narrow the query") }
        var out: [DataSet] = []
        out.reserveCapacity(rows.count)
        // Column names and kinds once, not per row (a QIDO page is a thousand rows of twenty columns).
        let named = columns.map { (column: $0, name: Self.alias($0.tag), counter: $0.sql.contains(".num_")) }
        let geometryNames = geometry.map { (column: $0, name: Self.alias($0.tag)) }
        for row in rows {
            var ds = DataSet()
            ds.characterSet = .utf8
            for (column, name, counter) in named {
                let value = counter ? String((try? row.int(name)) ?? 0) : ((try? row.stringOrNil(name)) ?? nil) ?? ""
                ds.set(column.tag, column.vr, string: value)
            }
            for (column, name) in geometryNames {
                let value = (try? row.int(name)) ?? 0
                guard value > 0 else { continue }
                if column.vr == .IS { ds.set(column.tag, .IS, string: String(value)) } else { ds.set(column.tag, column.vr, ints: [value]) }
            }
            if level == .patient {
                for (tag, name) in Self.patientCounts { ds.set(tag, .IS, string: String((try? row.int(name)) ?? 0)) }
            }
            ds.set(Tag(0x0008, 0x0054), .AE, string: aeTitle)
            ds.set(Tag(0x0008, 0x0056), .CS, string: "ONLINE")
            if !needed.isEmpty, let path = try? row.stringOrNil("rep_path"), let url = try? await storage.localFile(for: path),
                let file = try? DICOMFile.read(contentsOf: url)
            {
                for tag in needed {
                    if let element = file.dataset[tag] { ds.set(TextTranscoding.copy(element, from: file.dataset, into: .utf8)) }
                }
            }
            out.append(ds)
        }
        return out
    }

    static func from(_ level: Level) -> String {
        switch level {
        case .patient: "patients p"
        case .study: "studies s JOIN patients p ON p.id = s.patient_pk"
        case .series: "series se JOIN studies s ON s.id = se.study_pk JOIN patients p ON p.id = s.patient_pk"
        case .image:
            "instances i JOIN series se ON se.id = i.series_pk JOIN studies s ON s.id = se.study_pk JOIN patients p ON p.id = s.patient_pk"
        }
    }

    /// How many rows of the level the SQL filter admits (exact when no key needs `QueryMatcher`).
    func count(level: Level, identifier: DataSet, restrict: SQLQueryString) async throws -> Int {
        let columns = Self.columns.filter { $0.level.depth <= level.depth }
        let filter = Self.sqlFilter(identifier, columns: columns) + " AND " + restrict
        let head = SQLQueryString("SELECT COUNT(*) AS n FROM " + Self.from(level) + " WHERE ")
        return try await database.read { sql in try await sql.count(head + filter) }
    }

    static func alias(_ tag: Tag) -> String { "c_" + String(format: "%04x%04x", tag.group, tag.element) }

    /// Image geometry the index keeps per instance (QIDO-RS returns it by default at the instance level).
    static let geometry: [Column] = [
        Column(tag: Tag(0x0028, 0x0010), vr: .US, sql: "i.pixel_rows", level: .image),
        Column(tag: Tag(0x0028, 0x0011), vr: .US, sql: "i.pixel_columns", level: .image),
        Column(tag: Tag(0x0028, 0x0100), vr: .US, sql: "i.bits_allocated", level: .image),
        Column(tag: Tag(0x0028, 0x0008), vr: .IS, sql: "i.frames", level: .image),
    ]

    /// The storage path of the first instance below a patient, study or series row.
    static func representativePath(_ level: Level) -> String {
        let scope: String =
            switch level {
            case .patient: "rs.patient_pk = p.id"
            case .study: "rs.id = s.id"
            default: "rse.id = se.id"
            }
        return """
            (SELECT ri.storage_path FROM instances ri JOIN series rse ON rse.id = ri.series_pk JOIN studies rs ON rs.id = rse.study_pk
             WHERE \(scope) ORDER BY ri.id LIMIT 1) AS rep_path
            """
    }

    /// SQL conditions for indexed keys: a superset of the exact matches (case and name-group details are left to
    /// `QueryMatcher`).
    static func sqlFilter(_ identifier: DataSet, columns: [Column]) -> SQLQueryString {
        var parts: [SQLQueryString] = ["1 = 1"]
        for column in columns {
            guard let raw = identifier.string(column.tag)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty, raw != "*" else { continue }
            let alternatives = raw.split(separator: "\\").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !alternatives.isEmpty else { continue }
            switch column.vr {
            case .UI where column.sql != "s.sop_classes":
                let open: String = column.sql + " IN ("
                var clause = SQLQueryString(open)
                for (n, uid) in alternatives.enumerated() { clause = clause + (n == 0 ? "" : ", ") + "\(bind: uid)" }
                parts.append(clause + ")")
            case .PN:
                guard column.sql == "p.name" else { continue }
                let patterns = alternatives.compactMap(QueryMatcher.sqlNamePattern)
                guard patterns.count == alternatives.count else { continue }
                var clause = SQLQueryString("(")
                for (n, p) in patterns.enumerated() { clause = clause + (n == 0 ? "" : " OR ") + "p.name_search LIKE \(bind: p) ESCAPE '\\'" }
                parts.append(clause + ")")
            case .DA where column.sql == "s.study_date" && alternatives.count == 1:
                let value = alternatives[0].replacingOccurrences(of: ".", with: "")
                if let dash = value.firstIndex(of: "-") {
                    let low = String(value[..<dash]), high = String(value[value.index(after: dash)...])
                    if low.count == 8 { parts.append("s.study_date >= \(bind: low)") }
                    if high.count == 8 { parts.append("s.study_date <= \(bind: high)") }
                } else if value.count == 8 {
                    parts.append("s.study_date = \(bind: value)")
                }
            case .CS where column.sql == "s.modalities":
                // ModalitiesInStudy: studies with a series of one of the given modalities (exact codes only).
                guard alternatives.allSatisfy({ !$0.contains("*") && !$0.contains("?") }) else { continue }
                var clause = SQLQueryString("EXISTS (SELECT 1 FROM series mx WHERE mx.study_pk = s.id AND UPPER(mx.modality) IN (")
                for (n, value) in alternatives.enumerated() { clause = clause + (n == 0 ? "" : ", ") + "\(bind: value.uppercased())" }
                parts.append(clause + "))")
            case .LO, .SH, .CS:
                // A superset of the exact matches: SQLite's LIKE ignores ASCII case, PostgreSQL's does not; UPPER()
                // only where the match itself ignores case.
                let insensitive = QueryMatcher.caseInsensitive(column.vr, column.tag)
                let target = insensitive ? "UPPER(" + column.sql + ") LIKE " : column.sql + " LIKE "
                var clause = SQLQueryString("(")
                for (n, value) in alternatives.enumerated() {
                    let pattern = QueryMatcher.sqlWildcard(insensitive ? value.uppercased() : value)
                    clause = clause + (n == 0 ? "" : " OR ") + SQLQueryString(target) + "\(bind: pattern) ESCAPE '\\'"
                }
                parts.append(clause + ")")
            default:
                continue
            }
        }
        return parts.joined(separator: " AND ")
    }

    /// The response identifier: every key the request named, with the candidate's value or empty; the level and
    /// the unique keys above it; the character set the values are written in.
    func response(_ identifier: DataSet, candidate: DataSet, level: Level, charset: SpecificCharacterSet) -> DataSet {
        var out = QueryMatcher.response(to: identifier, from: candidate, charset: charset)
        out.set(QueryMatcher.queryRetrieveLevel, .CS, string: level.rawValue)
        let unique: [(Level, Tag)] = [(.study, .studyInstanceUID), (.series, .seriesInstanceUID), (.image, .sopInstanceUID)]
        for (l, tag) in unique where l.depth <= level.depth && out[tag] == nil {
            if let e = candidate[tag] { out.set(e) }
        }
        if level == .patient, out[.patientID] == nil, let e = candidate[.patientID] { out.set(TextTranscoding.copy(e, from: candidate, into: charset)) }
        return out
    }

    // MARK: MOVE and GET

    public func instances(model: QueryModel, identifier: DataSet, association: AssociationInfo) async throws -> [RetrieveItem] {
        let level = try Self.level(of: identifier, model: model)
        func list(_ tag: Tag) -> [String] {
            (identifier.string(tag) ?? "").split(separator: "\\").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var parts: [SQLQueryString] = []
        func inList(_ column: String, _ values: [String]) {
            guard !values.isEmpty else { return }
            let open: String = column + " IN ("
            var clause = SQLQueryString(open)
            for (n, v) in values.enumerated() { clause = clause + (n == 0 ? "" : ", ") + "\(bind: v)" }
            parts.append(clause + ")")
        }
        if model == .patientRoot { inList("p.patient_id", list(.patientID)) }
        if level.depth >= Level.study.depth { inList("s.study_uid", list(.studyInstanceUID)) }
        if level.depth >= Level.series.depth { inList("se.series_uid", list(.seriesInstanceUID)) }
        if level == .image { inList("i.sop_uid", list(.sopInstanceUID)) }
        let uniqueKeyOfLevel: Tag =
            switch level {
            case .patient: .patientID
            case .study: .studyInstanceUID
            case .series: .seriesInstanceUID
            case .image: .sopInstanceUID
            }
        guard !list(uniqueKeyOfLevel).isEmpty else {
            throw DIMSEError.status(0xA900, "the \(level.rawValue) level needs its unique key")
        }
        let condition = parts.joined(separator: " AND ")
        let rows = try await database.read { sql in
            try await sql.raw(
                """
                SELECT i.storage_path, i.sop_class_uid, i.sop_uid, i.transfer_syntax FROM instances i
                JOIN series se ON se.id = i.series_pk JOIN studies s ON s.id = se.study_pk JOIN patients p ON p.id = s.patient_pk
                WHERE \n
                """ + condition + " ORDER BY s.id, se.id, i.id"
            ).all()
        }
        var items: [RetrieveItem] = []
        for row in rows {
            items.append(
                RetrieveItem(file: try await storage.localFile(for: try row.string("storage_path")), sopClassUID: try row.string("sop_class_uid"),
                             sopInstanceUID: try row.string("sop_uid"), transferSyntax: try row.string("transfer_syntax")))
        }
        return items
    }

    public func remoteAE(_ aeTitle: String) async -> RemoteAE? {
        await applicationEntities.address(of: aeTitle)
    }
}
