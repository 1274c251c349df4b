import DICOM
import DICOMImaging
import Foundation
import Platform
import SQLKit

/// One stored instance as WADO-RS serves it.
public struct StoredInstance: Sendable, Equatable {
    public var url: URL
    public var studyUID: String
    public var seriesUID: String
    public var sopInstanceUID: String
    public var sopClassUID: String
    public var transferSyntax: String
    public var size: Int
}

/// The study a request touched, for the audit trail.
public struct StudyReference: Sendable, Equatable {
    public var studyUID: String
    public var patientID: String
    public var patientName: String
}

/// WADO-RS (PS3.18 10.4) over the archive: instances, metadata (cached per series), frames, bulk data and
/// rendered images. A study outside the caller's scope does not exist for them (404, never 403, so existence does
/// not leak).
public struct WADOService: Sendable {
    public let database: Database
    public let storage: any StorageBackend
    /// The path DICOMweb is served under; BulkDataURIs in metadata are absolute paths below it.
    public var root = "/dicomweb"

    public init(database: Database, storage: any StorageBackend) {
        self.database = database
        self.storage = storage
    }

    static func notFound(_ what: String) -> DomainError {
        DomainError(status: 404, code: "not_found", zh: "未找到该\(what)，或您无权查看", en: "\(what == "检查" ? "study" : what == "序列" ? "series" : "instance") not found")
    }

    // MARK: Instances

    /// The instances under a study, series or instance, in series and instance-number order.
    public func instances(study: String, series: String? = nil, instance: String? = nil, scope: Scope) async throws
        -> (study: StudyReference, instances: [StoredInstance])
    {
        var condition: SQLQueryString = "s.study_uid = \(bind: study) AND " + ArchiveQueryService.scopeFilter(scope)
        if let series { condition = condition + " AND se.series_uid = \(bind: series)" }
        if let instance { condition = condition + " AND i.sop_uid = \(bind: instance)" }
        let filter = condition
        let rows = try await database.read { sql in
            try await sql.raw(
                """
                SELECT i.storage_path, i.sop_uid, i.sop_class_uid, i.transfer_syntax, i.size_bytes, se.series_uid, p.patient_id, p.name
                FROM instances i JOIN series se ON se.id = i.series_pk JOIN studies s ON s.id = se.study_pk JOIN patients p ON p.id = s.patient_pk
                WHERE \n
                """ + filter + " ORDER BY LENGTH(se.series_number), se.series_number, se.id, LENGTH(i.instance_number), i.instance_number, i.id"
            ).all()
        }
        guard let first = rows.first else { throw Self.notFound(instance != nil ? "实例" : series != nil ? "序列" : "检查") }
        let reference = StudyReference(studyUID: study, patientID: try first.string("patient_id"), patientName: try first.string("name"))
        var items: [StoredInstance] = []
        items.reserveCapacity(rows.count)
        for row in rows {
            let url: URL
            do {
                url = try await storage.localFile(for: try row.string("storage_path"))
            } catch {
                throw DomainError(status: 502, code: "storage_unavailable", zh: "影像文件暂时无法从存储中取回，请稍后重试或联系管理员",
                                  en: "the stored object cannot be fetched: \(error)")
            }
            items.append(
                StoredInstance(url: url, studyUID: study,
                               seriesUID: try row.string("series_uid"), sopInstanceUID: try row.string("sop_uid"),
                               sopClassUID: try row.string("sop_class_uid"), transferSyntax: try row.string("transfer_syntax"),
                               size: try row.int("size_bytes")))
        }
        return (reference, items)
    }

    // MARK: Metadata

    /// A JSON array of the DICOM JSON of every instance in the series (PS3.18 F.2), bulk data as BulkDataURIs.
    /// Built once from the files and kept until an instance of the series is added or replaced.
    public func seriesMetadata(study: String, series: String, scope: Scope) async throws -> (study: StudyReference, json: Data) {
        let located = try await database.read { sql in
            try await sql.raw(
                """
                SELECT se.id AS series_pk, p.patient_id, p.name,
                  (SELECT COUNT(*) || ':' || COALESCE(MAX(i.id), 0) || ':' || COALESCE(MAX(i.updated_at), '') FROM instances i WHERE i.series_pk = se.id) AS fingerprint,
                  m.fingerprint AS cached_fingerprint, m.json AS cached_json
                FROM series se JOIN studies s ON s.id = se.study_pk JOIN patients p ON p.id = s.patient_pk
                LEFT JOIN series_metadata m ON m.series_pk = se.id
                WHERE se.series_uid = \(bind: series) AND s.study_uid = \(bind: study) AND
                """ + ArchiveQueryService.scopeFilter(scope)
            ).first()
        }
        guard let row = located else { throw Self.notFound("序列") }
        let reference = StudyReference(studyUID: study, patientID: try row.string("patient_id"), patientName: try row.string("name"))
        let fingerprint = try row.string("fingerprint")
        if try row.stringOrNil("cached_fingerprint") == fingerprint, let cached = try row.stringOrNil("cached_json") {
            return (reference, Data(cached.utf8))
        }
        let seriesPK = try row.int("series_pk")
        let (_, instances) = try await self.instances(study: study, series: series, scope: scope)
        var parts: [String] = []
        parts.reserveCapacity(instances.count)
        for instance in instances { parts.append(try metadata(of: instance)) }
        let json = "[" + parts.joined(separator: ",") + "]"
        let now = Timestamp.string()
        try await database.write { sql in
            try await sql.raw("""
                INSERT INTO series_metadata (series_pk, fingerprint, json, created_at) VALUES (\(bind: seriesPK), \(bind: fingerprint), \(bind: json), \(bind: now))
                ON CONFLICT (series_pk) DO UPDATE SET fingerprint = excluded.fingerprint, json = excluded.json, created_at = excluded.created_at
                """).run()
        }
        return (reference, Data(json.utf8))
    }

    /// The study as the caller may see it (404 otherwise): its patient, for the audit trail.
    public func studyMetadataVisible(study: String, scope: Scope) async throws -> StudyReference {
        let row = try await database.read { sql in
            try await sql.raw(
                "SELECT p.patient_id, p.name FROM studies s JOIN patients p ON p.id = s.patient_pk WHERE s.study_uid = \(bind: study) AND"
                    + ArchiveQueryService.scopeFilter(scope)
            ).first()
        }
        guard let row else { throw Self.notFound("检查") }
        return StudyReference(studyUID: study, patientID: try row.string("patient_id"), patientName: try row.string("name"))
    }

    /// Every series of the study, one array.
    public func studyMetadata(study: String, scope: Scope) async throws -> (study: StudyReference, json: Data) {
        let series = try await database.read { sql in
            try await sql.raw(
                """
                SELECT se.series_uid FROM series se JOIN studies s ON s.id = se.study_pk WHERE s.study_uid = \(bind: study) AND
                """ + ArchiveQueryService.scopeFilter(scope) + " ORDER BY LENGTH(se.series_number), se.series_number, se.id"
            ).all().map { try $0.string("series_uid") }
        }
        guard !series.isEmpty else { throw Self.notFound("检查") }
        var reference: StudyReference?
        var out = Data("[".utf8)
        for uid in series {
            let (ref, json) = try await seriesMetadata(study: study, series: uid, scope: scope)
            reference = ref
            let inner = json.dropFirst().dropLast()  // the series array without its brackets
            guard !inner.isEmpty else { continue }
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            out.append(inner)
        }
        out.append(UInt8(ascii: "]"))
        return (reference!, out)
    }

    public func instanceMetadata(study: String, series: String, instance: String, scope: Scope) async throws -> (study: StudyReference, json: Data) {
        let (reference, items) = try await instances(study: study, series: series, instance: instance, scope: scope)
        return (reference, Data(("[" + (try metadata(of: items[0])) + "]").utf8))
    }

    /// One instance's DICOM JSON: the meta group left out, values over 1 KiB (pixel data above all) as BulkDataURIs.
    func metadata(of instance: StoredInstance) throws -> String {
        let file = try read(instance)
        let base = "\(root)/studies/\(instance.studyUID)/series/\(instance.seriesUID)/instances/\(instance.sopInstanceUID)"
        var ds = file.dataset
        if ds[.pixelData] != nil, ds[Tag(0x0002, 0x0010)] == nil {
            // Clients need the stored transfer syntax to ask for frames; PS3.18 F.2 allows it in the metadata.
            ds.set(Tag(0x0002, 0x0010), .UI, string: file.transferSyntax.uid)
        }
        let options = DICOMJSON.Options(bulkDataThreshold: 1024) { tag in
            tag == .pixelData ? base + "/frames/1" : base + "/bulkdata/" + String(format: "%04X%04X", tag.group, tag.element)
        }
        return DICOMJSON.encode(ds, options: options)
    }

    func read(_ instance: StoredInstance) throws -> DICOMFile {
        do {
            return try DICOMFile.read(contentsOf: instance.url)
        } catch {
            throw DomainError(status: 500, code: "storage_unreadable", zh: "影像文件无法读取：\(instance.sopInstanceUID)",
                              en: "stored object \(instance.sopInstanceUID) cannot be read: \(error)")
        }
    }

    // MARK: Frames, bulk data, rendering

    /// The instance's pixel frames, for `/frames/{list}` and `/rendered`.
    public func pixelFrames(study: String, series: String, instance: String, scope: Scope) async throws
        -> (study: StudyReference, file: DICOMFile, frames: PixelFrames)
    {
        let (reference, items) = try await instances(study: study, series: series, instance: instance, scope: scope)
        let file = try read(items[0])
        do {
            return (reference, file, try PixelFrames(file))
        } catch {
            throw DomainError(status: 404, code: "no_pixel_data", zh: "该实例没有图像数据", en: "the instance has no pixel data (\(error))")
        }
    }

    /// A top-level binary value named by its tag (`/bulkdata/7FE00010` style URIs from the metadata).
    public func bulkData(study: String, series: String, instance: String, tag: Tag, scope: Scope) async throws -> (study: StudyReference, data: Data) {
        let (reference, items) = try await instances(study: study, series: series, instance: instance, scope: scope)
        let file = try read(items[0])
        guard let element = file.dataset[tag], let bytes = element.bytes else {
            throw DomainError(status: 404, code: "not_found", zh: "实例中没有该属性的数据", en: "the instance has no bulk data at that tag")
        }
        return (reference, bytes)
    }

    /// 1-based frame numbers from the URL, checked against the instance.
    public static func frameNumbers(_ list: String, count: Int) throws -> [Int] {
        let parts = list.split(separator: ",", omittingEmptySubsequences: false)
        var out: [Int] = []
        for part in parts {
            guard let n = Int(part.trimmingCharacters(in: .whitespaces)), n >= 1 else {
                throw DomainError(status: 400, code: "bad_frame_list", zh: "帧号应为从 1 开始的整数，以逗号分隔", en: "frame numbers are 1-based integers separated by commas")
            }
            guard n <= count else {
                throw DomainError(status: 404, code: "frame_out_of_range", zh: "帧号 \(n) 超出范围（共 \(count) 帧）", en: "frame \(n) is out of range (\(count) frames)")
            }
            if !out.contains(n) { out.append(n) }
            guard out.count <= 4096 else {
                throw DomainError(status: 413, code: "too_many_frames", zh: "一次请求的帧过多，请分批获取", en: "ask for fewer frames at a time")
            }
        }
        return out
    }
}
