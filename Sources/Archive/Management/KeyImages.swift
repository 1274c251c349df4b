import DICOM
import Foundation
import Platform
import SQLKit

/// Key images (VIEW-10): a reader's selection saved as a DICOM Key Object Selection document (PS3.3 A.35.4, template
/// TID 2010) in the study itself, so any PACS or viewer that reads KOS sees the same key images.
public struct KeyImageService: Sendable {
    public let ingest: IngestService
    public static let kosClass = "1.2.840.10008.5.1.4.1.1.88.59"

    public init(ingest: IngestService) {
        self.ingest = ingest
    }

    public struct Reference: Codable, Sendable, Equatable {
        public var sopInstanceUID: String
        public var frame: Int?
        public init(sopInstanceUID: String, frame: Int? = nil) {
            self.sopInstanceUID = sopInstanceUID
            self.frame = frame
        }
    }

    public struct Selection: Codable, Sendable, Equatable {
        public var sopInstanceUID: String
        public var seriesUID: String
        public var description: String
        public var author: String
        public var createdAt: String
        public var items: [Reference]
    }

    /// Saves a selection of images of the study as a new KOS document; returns it.
    public func save(studyUID: String, references: [Reference], description: String, author: String, scope: Scope,
                     source: IngestSource) async throws -> Selection {
        guard !references.isEmpty, references.count <= 1000 else {
            throw DomainError.validation([FieldError(field: "items", code: "invalid", zh: "请选择 1–1000 幅关键图像", en: "Choose 1 to 1,000 key images")])
        }
        let text = description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count <= 1024 else {
            throw DomainError.validation([FieldError(field: "description", code: "too_long", zh: "说明不能超过 1024 个字符", en: "At most 1,024 characters")])
        }
        let uids = Array(Set(references.map(\.sopInstanceUID)))
        var list = SQLQueryString("(")
        for (n, uid) in uids.enumerated() { list = list + (n == 0 ? "" : ", ") + "\(bind: uid)" }
        let query: SQLQueryString = """
            SELECT i.sop_uid, i.sop_class_uid, se.series_uid, s.study_id, s.study_date, s.study_time, s.accession_number, s.referring_physician,
              p.patient_id, p.name, p.sex, p.birth_date
            FROM instances i JOIN series se ON se.id = i.series_pk JOIN studies s ON s.id = se.study_pk JOIN patients p ON p.id = s.patient_pk
            WHERE s.study_uid = \(bind: studyUID) AND i.sop_uid IN
            """ + list + ") AND" + ArchiveQueryService.scopeFilter(scope)
        let rows = try await ingest.database.read { sql in try await sql.raw(query).all() }
        let found = Dictionary(try rows.map { (try $0.string("sop_uid"), $0) }, uniquingKeysWith: { a, _ in a })
        if let missing = uids.first(where: { found[$0] == nil }) {
            throw DomainError(status: 404, code: "not_found", zh: "图像 \(missing) 不在该检查中", en: "instance \(missing) is not in the study")
        }
        let first = rows[0]
        var ds = DataSet()
        ds.characterSet = .utf8
        ds.set(.specificCharacterSet, .CS, string: "ISO_IR 192")
        ds.set(.sopClassUID, .UI, string: Self.kosClass)
        let sop = UIDGenerator.make(), series = UIDGenerator.make()
        ds.set(.sopInstanceUID, .UI, string: sop)
        let (date, time) = NonDICOMConverter.dicomDateTime(Date())
        ds.set(.patientName, .PN, string: try first.string("name"))
        ds.set(.patientID, .LO, string: try first.string("patient_id"))
        ds.set(Tag(0x0010, 0x0030), .DA, string: try first.string("birth_date"))
        ds.set(Tag(0x0010, 0x0040), .CS, string: try first.string("sex"))
        ds.set(.studyInstanceUID, .UI, string: studyUID)
        ds.set(.studyDate, .DA, string: try first.string("study_date"))
        ds.set(Tag(0x0008, 0x0030), .TM, string: try first.string("study_time"))
        ds.set(.accessionNumber, .SH, string: try first.string("accession_number"))
        ds.set(Tag(0x0008, 0x0090), .PN, string: try first.string("referring_physician"))
        ds.set(Tag(0x0020, 0x0010), .SH, string: try first.string("study_id"))
        ds.set(.modality, .CS, string: "KO")
        ds.set(.seriesInstanceUID, .UI, string: series)
        ds.set(Tag(0x0020, 0x0011), .IS, string: "990")
        ds.set(Tag(0x0008, 0x103E), .LO, string: "关键图像")
        ds.set(Element(tag: Tag(0x0008, 0x1111), vr: .SQ, value: .sequence([])))  // Referenced Performed Procedure Step (type 2)
        ds.set(Tag(0x0020, 0x0013), .IS, string: "1")
        ds.set(Tag(0x0008, 0x0023), .DA, string: date)  // Content Date
        ds.set(Tag(0x0008, 0x0033), .TM, string: time)
        ds.set(Tag(0x0008, 0x0070), .LO, string: "Yunying")
        // Document content: container "Of Interest" (DCM 113000), TID 2010.
        ds.set(Tag(0x0040, 0xA040), .CS, string: "CONTAINER")
        ds.set(Element(tag: Tag(0x0040, 0xA043), vr: .SQ, value: .sequence([Self.code("113000", "Of Interest")])))
        ds.set(Tag(0x0040, 0xA050), .CS, string: "SEPARATE")
        var template = DataSet()
        template.set(Tag(0x0008, 0x0105), .CS, string: "DCMR")
        template.set(Tag(0x0040, 0xDB00), .CS, string: "2010")
        ds.set(Element(tag: Tag(0x0040, 0xA504), vr: .SQ, value: .sequence([template])))
        var content: [DataSet] = []
        for ref in references {
            let row = found[ref.sopInstanceUID]!
            var image = DataSet()
            image.set(Tag(0x0040, 0xA010), .CS, string: "CONTAINS")
            image.set(Tag(0x0040, 0xA040), .CS, string: "IMAGE")
            var item = DataSet()
            item.set(Tag(0x0008, 0x1150), .UI, string: try row.string("sop_class_uid"))
            item.set(Tag(0x0008, 0x1155), .UI, string: ref.sopInstanceUID)
            if let frame = ref.frame, frame >= 1 { item.set(Tag(0x0008, 0x1160), .IS, string: String(frame)) }
            image.set(Element(tag: Tag(0x0008, 0x1199), vr: .SQ, value: .sequence([item])))
            content.append(image)
        }
        if !text.isEmpty {
            var note = DataSet()
            note.characterSet = .utf8
            note.set(Tag(0x0040, 0xA010), .CS, string: "CONTAINS")
            note.set(Tag(0x0040, 0xA040), .CS, string: "TEXT")
            note.set(Element(tag: Tag(0x0040, 0xA043), vr: .SQ, value: .sequence([Self.code("113012", "Key Object Description")])))
            note.set(Tag(0x0040, 0xA160), .UT, string: text)
            content.append(note)
        }
        ds.set(Element(tag: Tag(0x0040, 0xA730), vr: .SQ, value: .sequence(content)))
        // Evidence: every referenced instance by series (Current Requested Procedure Evidence Sequence).
        var bySeries: [String: [DataSet]] = [:]
        for uid in uids {
            let row = found[uid]!
            var item = DataSet()
            item.set(Tag(0x0008, 0x1150), .UI, string: try row.string("sop_class_uid"))
            item.set(Tag(0x0008, 0x1155), .UI, string: uid)
            bySeries[try row.string("series_uid"), default: []].append(item)
        }
        var evidence = DataSet()
        evidence.set(.studyInstanceUID, .UI, string: studyUID)
        evidence.set(Element(tag: Tag(0x0008, 0x1115), vr: .SQ, value: .sequence(bySeries.keys.sorted().map { uid in
            var s = DataSet()
            s.set(.seriesInstanceUID, .UI, string: uid)
            s.set(Element(tag: Tag(0x0008, 0x1199), vr: .SQ, value: .sequence(bySeries[uid]!)))
            return s
        })))
        ds.set(Element(tag: Tag(0x0040, 0xA375), vr: .SQ, value: .sequence([evidence])))
        // Who selected them is in the audit trail (and in the answer); the KOS IOD has no plain author attribute, and
        // dciodvfy accepts this document without errors.
        let file = DICOMFile(meta: DICOMWriter.metaInformation(for: ds, syntax: .explicitVRLittleEndian), dataset: ds,
                             transferSyntax: .explicitVRLittleEndian)
        let incoming = try ingest.storage.incomingFile()
        try DICOMWriter.write(file, to: incoming)
        _ = try await ingest.ingest(incoming, source: source)
        return Selection(sopInstanceUID: sop, seriesUID: series, description: text, author: author, createdAt: Timestamp.string(), items: references)
    }

    static func code(_ value: String, _ meaning: String) -> DataSet {
        var c = DataSet()
        c.set(Tag(0x0008, 0x0100), .SH, string: value)
        c.set(Tag(0x0008, 0x0102), .SH, string: "DCM")
        c.set(Tag(0x0008, 0x0104), .LO, string: meaning)
        return c
    }

    /// Every KOS document of the study with the images it names, newest first.
    public func list(studyUID: String, scope: Scope) async throws -> [Selection] {
        let query: SQLQueryString = """
            SELECT i.sop_uid, i.storage_path, i.received_at, se.series_uid FROM instances i JOIN series se ON se.id = i.series_pk
            JOIN studies s ON s.id = se.study_pk WHERE s.study_uid = \(bind: studyUID) AND i.sop_class_uid = \(bind: Self.kosClass) AND
            """ + ArchiveQueryService.scopeFilter(scope) + " ORDER BY i.id DESC"
        let rows = try await ingest.database.read { sql in try await sql.raw(query).all() }
        var out: [Selection] = []
        for row in rows {
            guard let url = try? await ingest.storage.localFile(for: try row.string("storage_path")),
                let file = try? DICOMFile.read(contentsOf: url)
            else { continue }
            var refs: [Reference] = []
            var text = ""
            for item in file.dataset.sequence(Tag(0x0040, 0xA730)) ?? [] {
                if item.string(Tag(0x0040, 0xA040))?.trimmingCharacters(in: .whitespaces) == "TEXT" {
                    text = item.string(Tag(0x0040, 0xA160)) ?? ""
                }
                for ref in item.sequence(Tag(0x0008, 0x1199)) ?? [] {
                    guard let uid = ref.string(Tag(0x0008, 0x1155))?.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\0"))) else { continue }
                    refs.append(Reference(sopInstanceUID: uid, frame: ref.int(Tag(0x0008, 0x1160))))
                }
            }
            out.append(Selection(sopInstanceUID: try row.string("sop_uid"), seriesUID: try row.string("series_uid"), description: text,
                                 author: "", createdAt: try row.string("received_at"), items: refs))
        }
        return out
    }
}
