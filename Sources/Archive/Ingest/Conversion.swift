import DICOM
import DICOMImaging
import Foundation
import Platform
import SQLKit

/// Who and what a converted document belongs to (DCM-08). An existing study (by UID or accession number) lends its
/// patient and study attributes, so the document files under the same patient and study as the images.
public struct ConversionTarget: Sendable, Equatable {
    public var patientID = ""
    public var patientName = ""
    public var sex = ""
    public var birthDate = ""
    public var accessionNumber = ""
    public var studyUID = ""
    public var studyDate = ""
    public var studyTime = ""
    public var studyDescription = ""
    public var referringPhysician = ""
    public var seriesDescription = ""
    /// Document title for PDFs; conversion type for pictures: SI scanned image (forms), DI digitized photo.
    public var title = ""
    public var conversionType = "SI"
    public init() {}
}

/// Turns photos and scans (JPEG, PNG, BMP) into Secondary Capture images and PDFs into Encapsulated PDF documents.
/// A baseline JPEG is kept as it is (JPEG Baseline transfer syntax, no generation loss); PNG and BMP become
/// uncompressed 8-bit grey or RGB.
public enum NonDICOMConverter {
    public static let secondaryCapture = "1.2.840.10008.5.1.4.1.1.7"
    public static let encapsulatedPDF = "1.2.840.10008.5.1.4.1.1.104.1"

    public static func convert(_ data: Data, target t: ConversionTarget, seriesUID: String, instanceNumber: Int, now: Date = Date()) throws -> DICOMFile {
        guard let format = PictureFormat.sniff(data) else {
            throw ArchiveError.invalid("不支持的文件类型：仅支持 JPEG、PNG、BMP 图片和 PDF 文档")
        }
        var ds = DataSet()
        ds.characterSet = .utf8
        ds.set(.specificCharacterSet, .CS, string: "ISO_IR 192")
        let (date, time) = dicomDateTime(now)
        ds.set(Tag(0x0008, 0x0012), .DA, string: date)
        ds.set(Tag(0x0008, 0x0013), .TM, string: time)
        ds.set(.sopInstanceUID, .UI, string: UIDGenerator.make())
        ds.set(.patientName, .PN, string: t.patientName)
        ds.set(.patientID, .LO, string: t.patientID)
        ds.set(Tag(0x0010, 0x0030), .DA, string: t.birthDate)
        ds.set(Tag(0x0010, 0x0040), .CS, string: t.sex)
        ds.set(.studyInstanceUID, .UI, string: t.studyUID)
        ds.set(.studyDate, .DA, string: t.studyDate.isEmpty ? date : t.studyDate)
        ds.set(Tag(0x0008, 0x0030), .TM, string: t.studyTime.isEmpty ? time : t.studyTime)
        ds.set(.accessionNumber, .SH, string: t.accessionNumber)
        ds.set(Tag(0x0008, 0x1030), .LO, string: t.studyDescription)
        ds.set(Tag(0x0008, 0x0090), .PN, string: t.referringPhysician)
        ds.set(Tag(0x0020, 0x0010), .SH, string: "")
        ds.set(.seriesInstanceUID, .UI, string: seriesUID)
        ds.set(Tag(0x0020, 0x0011), .IS, string: "900")
        ds.set(Tag(0x0020, 0x0013), .IS, string: String(instanceNumber))
        ds.set(Tag(0x0008, 0x0021), .DA, string: date)
        ds.set(Tag(0x0008, 0x0064), .CS, string: format == .pdf ? "SD" : t.conversionType)  // Conversion Type
        ds.set(Tag(0x0008, 0x0070), .LO, string: "Yunying")
        if format == .pdf {
            ds.set(.sopClassUID, .UI, string: encapsulatedPDF)
            ds.set(.modality, .CS, string: "DOC")
            ds.set(Tag(0x0008, 0x103E), .LO, string: t.seriesDescription.isEmpty ? "文档" : t.seriesDescription)
            ds.set(Tag(0x0042, 0x0010), .ST, string: t.title.isEmpty ? "PDF 文档" : t.title)
            ds.set(Element(tag: Tag(0x0040, 0xA043), vr: .SQ, value: .sequence([])))  // Concept Name Code Sequence (type 2)
            ds.set(Tag(0x0028, 0x0301), .CS, string: "YES")  // Burned In Annotation: a document shows the patient
            ds.set(Tag(0x0042, 0x0012), .LO, string: "application/pdf")
            var bytes = data
            if bytes.count % 2 == 1 { bytes.append(0) }
            ds.set(Tag(0x0042, 0x0011), .OB, data: bytes)
            return DICOMFile(meta: DICOMWriter.metaInformation(for: ds, syntax: .explicitVRLittleEndian), dataset: ds,
                             transferSyntax: .explicitVRLittleEndian)
        }
        ds.set(.sopClassUID, .UI, string: secondaryCapture)
        ds.set(.modality, .CS, string: "OT")
        ds.set(Tag(0x0008, 0x103E), .LO, string: t.seriesDescription.isEmpty ? "扫描件/照片" : t.seriesDescription)
        ds.set(Tag(0x0028, 0x0301), .CS, string: "YES")
        var syntax = TransferSyntax.explicitVRLittleEndian
        if format == .jpeg, let header = try? PhotoDecoders.jpegHeader(data), header.sequential, header.precision == 8 {
            // Kept as sent: a JPEG Baseline object carries the camera's or scanner's own codestream.
            pixelModule(&ds, width: header.width, height: header.height, channels: header.components,
                        photometric: header.photometric)
            ds.set(Tag(0x0028, 0x2110), .CS, string: "01")  // Lossy Image Compression: as received
            ds.set(Element(tag: .pixelData, vr: .OB, value: .encapsulated(EncapsulatedPixelData(fragments: [data.count % 2 == 1 ? data + [0] : data]))))
            syntax = .jpegBaseline
        } else {
            let picture: DecodedPicture
            switch format {
            case .png: picture = try PhotoDecoders.png(data)
            case .bmp: picture = try PhotoDecoders.bmp(data)
            default:
                // Progressive or 12-bit JPEG: decode to pixels (DICOM Baseline cannot hold it as is).
                let header = try PhotoDecoders.jpegHeader(data)
                let d = PixelDescription(rows: header.height, columns: header.width, samplesPerPixel: header.components, bitsAllocated: 8,
                                         photometricInterpretation: header.photometric)
                picture = DecodedPicture(width: header.width, height: header.height, channels: header.components,
                                         pixels: try JPEGCodec.decode(data, d))
            }
            pixelModule(&ds, width: picture.width, height: picture.height, channels: picture.channels,
                        photometric: picture.channels == 3 ? "RGB" : "MONOCHROME2")
            var pixels = picture.pixels
            if pixels.count % 2 == 1 { pixels.append(0) }
            ds.set(.pixelData, .OB, data: pixels)
        }
        return DICOMFile(meta: DICOMWriter.metaInformation(for: ds, syntax: syntax), dataset: ds, transferSyntax: syntax)
    }

    static func pixelModule(_ ds: inout DataSet, width: Int, height: Int, channels: Int, photometric: String) {
        ds.set(.samplesPerPixel, .US, ints: [channels])
        ds.set(.photometricInterpretation, .CS, string: photometric)
        if channels == 3 { ds.set(.planarConfiguration, .US, ints: [0]) }
        ds.set(.rows, .US, ints: [height])
        ds.set(.columns, .US, ints: [width])
        ds.set(.bitsAllocated, .US, ints: [8])
        ds.set(.bitsStored, .US, ints: [8])
        ds.set(.highBit, .US, ints: [7])
        ds.set(.pixelRepresentation, .US, ints: [0])
    }

    static func dicomDateTime(_ date: Date) -> (String, String) {
        // China Standard Time: dates and times in DICOM are local to the hospital.
        var t = time_t(date.timeIntervalSince1970 + 8 * 3600)
        var parts = tm()
        gmtime_r(&t, &parts)
        return (String(format: "%04d%02d%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday)),
                String(format: "%02d%02d%02d", Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec)))
    }
}

/// Converts uploaded files and files them through the ingest pipeline, all into one new series of one study.
public struct ConversionService: Sendable {
    public let ingest: IngestService

    public init(ingest: IngestService) {
        self.ingest = ingest
    }

    public struct Outcome: Codable, Sendable, Equatable {
        public var filename: String
        public var sopInstanceUID: String?
        public var ok: Bool
        public var message: String
    }

    public struct Result: Codable, Sendable, Equatable {
        public var studyUID: String
        public var seriesUID: String
        public var items: [Outcome]
    }

    /// Completes the target from the study it names (UID or accession number, within `scope`), or checks it has
    /// enough to start a new study.
    public func resolve(_ input: ConversionTarget, scope: Scope) async throws -> ConversionTarget {
        var t = input
        if !t.studyUID.isEmpty || !t.accessionNumber.isEmpty {
            let byStudy: SQLQueryString = "s.study_uid = \(bind: t.studyUID)"
            let byAccession: SQLQueryString = "s.accession_number = \(bind: t.accessionNumber)"
            let head: SQLQueryString = """
                SELECT s.study_uid, s.study_date, s.study_time, s.accession_number, s.description, s.referring_physician,
                  p.patient_id, p.name, p.sex, p.birth_date FROM studies s JOIN patients p ON p.id = s.patient_pk WHERE \n
                """
            let query: SQLQueryString = head + (t.studyUID.isEmpty ? byAccession : byStudy) + " AND " + ArchiveQueryService.scopeFilter(scope)
                + " ORDER BY s.id DESC LIMIT 1"
            let row = try await ingest.database.read { sql in try await sql.raw(query).first() }
            if let row {
                t.studyUID = try row.string("study_uid")
                t.studyDate = try row.string("study_date")
                t.studyTime = try row.string("study_time")
                t.accessionNumber = try row.string("accession_number")
                t.studyDescription = t.studyDescription.isEmpty ? try row.string("description") : t.studyDescription
                t.referringPhysician = try row.string("referring_physician")
                t.patientID = try row.string("patient_id")
                t.patientName = try row.string("name")
                t.sex = try row.string("sex")
                t.birthDate = try row.string("birth_date")
                return t
            }
            if !t.studyUID.isEmpty { throw DomainError.notFound("检查", "Study") }
        }
        var v = Validator()
        if t.patientID.trimmingCharacters(in: .whitespaces).isEmpty { v.add("patientId", "required", "请填写患者ID", "Patient ID is required") }
        if t.patientName.trimmingCharacters(in: .whitespaces).isEmpty { v.add("patientName", "required", "请填写患者姓名", "Patient name is required") }
        if t.patientID.count > 64 { v.add("patientId", "too_long", "患者ID 不能超过 64 个字符", "Patient ID is at most 64 characters") }
        if t.accessionNumber.count > 16 { v.add("accessionNumber", "too_long", "检查号不能超过 16 个字符", "Accession number is at most 16 characters") }
        if !t.birthDate.isEmpty, t.birthDate.count != 8 || Int(t.birthDate) == nil {
            v.add("birthDate", "invalid", "出生日期格式应为 YYYYMMDD", "Birth date is YYYYMMDD")
        }
        if !["", "M", "F", "O"].contains(t.sex) { v.add("sex", "invalid", "性别应为 M、F 或 O", "Sex is M, F or O") }
        try v.check()
        t.studyUID = UIDGenerator.make()
        return t
    }

    /// Converts and files each file (`name`, bytes in a temporary file that is consumed).
    public func convert(_ files: [(name: String, url: URL)], target: ConversionTarget, source: IngestSource) async -> Result {
        // One series per kind: pictures (OT, Secondary Capture) and documents (DOC, Encapsulated PDF) never share a
        // series, since a series has one modality.
        let pictureSeries = UIDGenerator.make(), documentSeries = UIDGenerator.make()
        var counts = (pictures: 0, documents: 0)
        var firstSeries: String?
        var items: [Outcome] = []
        for file in files {
            defer { try? FileManager.default.removeItem(at: file.url) }
            do {
                let data = try Data(contentsOf: file.url)
                let isDocument = PictureFormat.sniff(data) == .pdf
                let seriesUID = isDocument ? documentSeries : pictureSeries
                let number: Int
                if isDocument { counts.documents += 1; number = counts.documents } else { counts.pictures += 1; number = counts.pictures }
                let converted = try NonDICOMConverter.convert(data, target: target, seriesUID: seriesUID, instanceNumber: number)
                firstSeries = firstSeries ?? seriesUID
                let incoming = try ingest.storage.incomingFile()
                try DICOMWriter.write(converted, to: incoming)
                let result = try await ingest.ingest(incoming, source: source)
                items.append(Outcome(filename: file.name, sopInstanceUID: result.sopInstanceUID, ok: true, message: "已转换并归档"))
            } catch let error as IngestError {
                items.append(Outcome(filename: file.name, sopInstanceUID: nil, ok: false, message: error.message))
            } catch let error as ArchiveError {
                items.append(Outcome(filename: file.name, sopInstanceUID: nil, ok: false, message: error.description))
            } catch let error as PixelError {
                items.append(Outcome(filename: file.name, sopInstanceUID: nil, ok: false, message: "图片无法读取：\(error)"))
            } catch {
                items.append(Outcome(filename: file.name, sopInstanceUID: nil, ok: false, message: "\(error)"))
            }
        }
        return Result(studyUID: target.studyUID, seriesUID: firstSeries ?? pictureSeries, items: items)
    }
}
